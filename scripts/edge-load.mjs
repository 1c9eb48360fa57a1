// make edge-load: a bounded load test of the worker under `wrangler dev`
// (loopback only). N requests (default 500), C at a time (default 8): the
// photos of testdata/photos, with slow, stalled, aborted and hostile uploads
// among them. Reports throughput, p50/p99 latency and CPU per classification;
// exits 1 on any failure (an unexpected status, a non-JSON error, a reset).
//   node scripts/edge-load.mjs [-n 500] [-c 8]
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { root, startWorker } from "../edge/test/wrangler.mjs";
import { upload } from "../edge/test/client.mjs";

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith("-") ? [...acc, [a.slice(1), all[i + 1]]] : acc), []),
);
const total = Number(args.n ?? 500);
const concurrency = Number(args.c ?? 8);
const idleMs = 2000; // BODY_IDLE_MS for this run, so stalls end quickly

const dir = path.join(root, "testdata/photos");
const photos = readdirSync(dir)
  .filter((f) => /\.(jpe?g|png)$/i.test(f))
  .map((f) => ({ name: f, body: readFileSync(path.join(dir, f)) }));
const jpeg = photos.find((p) => p.name === "grace_hopper.jpg").body;

// Every tenth request misbehaves, in turn; the others are plain photos.
const hostile = [
  { kind: "slow upload", status: 200, send: (b) => ({ body: b, opts: { chunk: 8 << 10, everyMs: 40 } }) },
  { kind: "stalled upload", status: 408, send: (b) => ({ body: b, opts: { stopAfter: 16 << 10 } }) },
  { kind: "aborted upload", status: null, send: (b) => ({ body: b, opts: { abortAfter: 16 << 10 } }) },
  { kind: "text", status: 415, send: () => ({ body: Buffer.from("not an image\n"), opts: {} }) },
  { kind: "truncated JPEG", status: 422, send: () => ({ body: jpeg.subarray(0, jpeg.length >> 1), opts: {} }) },
  {
    kind: "multipart",
    status: 415,
    send: (b) => ({
      body: Buffer.concat([Buffer.from("--x\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\n"), b, Buffer.from("\r\n--x--\r\n")]),
      opts: { headers: { "content-type": "multipart/form-data; boundary=x" } },
    }),
  },
  { kind: "declared 200 MiB", status: 413, send: (b) => ({ body: b, opts: { headers: { "content-length": String(200 << 20) }, stopAfter: 0 } }) },
];

function job(i) {
  const photo = photos[i % photos.length];
  if (i % 10 === 9) {
    const h = hostile[Math.floor(i / 10) % hostile.length];
    return { i, kind: h.kind, status: h.status, ...h.send(photo.body) };
  }
  return { i, kind: `photo ${photo.name}`, status: 200, body: photo.body, opts: { chunk: photo.body.length } };
}

const worker = await startWorker({ vars: { BODY_IDLE_MS: idleMs } });
const results = [];
const failures = [];
let next = 0;
const cpu0 = worker.cpuMs();
const t0 = performance.now();
async function lane() {
  while (next < total) {
    const j = job(next++);
    let res;
    try {
      res = await upload(worker.url, j.body, j.opts);
    } catch (e) {
      failures.push(`#${j.i} ${j.kind}: ${e.message}`);
      continue;
    }
    if (j.status === null) {
      if (!res.aborted) failures.push(`#${j.i} ${j.kind}: answered instead of aborting`);
      continue;
    }
    const okJSON = res.headers?.["content-type"] === "application/json" && res.json;
    if (res.status !== j.status || !okJSON || (j.status === 200 ? !Array.isArray(res.json.top) : !res.json.error)) {
      failures.push(`#${j.i} ${j.kind}: want ${j.status}, got ${res.status} ${String(res.text).slice(0, 200)}`);
      continue;
    }
    results.push({ kind: j.kind, status: res.status, ms: res.ms });
  }
}
try {
  await Promise.all(Array.from({ length: concurrency }, lane));
  const wall = (performance.now() - t0) / 1000;
  const cpu = worker.cpuMs() - cpu0;
  // The worker must still answer after all that.
  const after = await upload(worker.url, jpeg, { chunk: jpeg.length });
  if (after.status !== 200) failures.push(`after the run: ${after.status} ${after.text}`);

  const pct = (xs, p) => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
  };
  const photoMs = results.filter((r) => r.kind.startsWith("photo")).map((r) => r.ms);
  const allMs = results.map((r) => r.ms);
  const classified = results.filter((r) => r.status === 200).length;
  console.log(`## make edge-load: ${total} requests, ${concurrency} at a time, wrangler dev on loopback\n`);
  console.log("| what | value |");
  console.log("|---|---|");
  console.log(`| answered as expected | ${results.length} (+ ${total - results.length - failures.length} aborted by the client) |`);
  console.log(`| failures | ${failures.length} |`);
  console.log(`| classified (200) | ${classified} |`);
  console.log(`| wall time / throughput | ${wall.toFixed(1)} s / ${(total / wall).toFixed(2)} requests/s, ${(classified / wall).toFixed(2)} classifications/s |`);
  console.log(`| photo latency p50 / p99 | ${pct(photoMs, 50).toFixed(0)} / ${pct(photoMs, 99).toFixed(0)} ms |`);
  console.log(`| all answers p50 / p99 | ${pct(allMs, 50).toFixed(0)} / ${pct(allMs, 99).toFixed(0)} ms |`);
  console.log(`| workerd CPU per classification (all CPU / classified) | ${(cpu / classified).toFixed(1)} ms |`);
  for (const f of failures.slice(0, 20)) console.error(`FAIL ${f}`);
  process.exitCode = failures.length ? 1 : 0;
} finally {
  worker.stop();
}
