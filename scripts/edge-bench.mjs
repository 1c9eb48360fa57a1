// Measures the edge worker in workerd: bundle size (raw and gzip), cold and
// warm POST /classify latency (medians), and memory per request, for the
// model edge/build/app.wasm embeds. Run after scripts/edge-build.sh:
//   node scripts/edge-bench.mjs [-cold 10] [-warm 10] [-photo FILE]
// Prints a Markdown table. Every workerd it starts is killed before exit.
import { readFileSync, statSync, mkdtempSync, rmSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { execFileSync } from "node:child_process";
import { tmpdir } from "node:os";
import path from "node:path";
import { root, startWorker, classify, peakRSS } from "../edge/test/workerd.mjs";

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith("-") ? [...acc, [a.slice(1), all[i + 1]]] : acc), []),
);
const coldRuns = Number(args.cold ?? 10);
const warmRuns = Number(args.warm ?? 10);
const photo = path.resolve(root, args.photo ?? "testdata/photos/grace_hopper.jpg");

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const mib = (b) => `${(b / 2 ** 20).toFixed(2)} MiB`;
const f1 = (x) => x.toFixed(1);

function bundle() {
  const files = ["edge/entry.mjs", "edge/build/worker.mjs", "edge/build/runtime.mjs", "edge/build/wasm_exec.js", "edge/build/app.wasm"];
  let raw = 0;
  let gz = 0;
  const rows = [];
  for (const f of files) {
    const b = readFileSync(path.join(root, f));
    const g = gzipSync(b).length; // wrangler reports zlib's default level
    raw += b.length;
    gz += g;
    rows.push(`| ${f} | ${b.length} | ${g} |`);
  }
  const model = statSync(path.join(root, "edge/model.rnm")).size;
  return { raw, gz, model, rows };
}

async function cold(body) {
  const first = [];
  const start = [];
  const server = [];
  for (let i = 0; i < coldRuns; i++) {
    const w = await startWorker({ ready: "tcp" });
    try {
      const res = await classify(w.url, body);
      if (res.status !== 200) throw new Error(`cold request: ${res.status} ${res.text}`);
      first.push(res.ms);
      start.push(w.startMs);
      server.push(res.json.ms);
    } finally {
      w.stop();
    }
  }
  return { first, start, server };
}

async function warm(body, big) {
  const w = await startWorker();
  try {
    const first = await classify(w.url, body); // this instance's code is now compiled and tiered up
    if (first.status !== 200) throw new Error(`warm-up: ${first.status} ${first.text}`);
    const lat = [];
    const server = [];
    let mem = 0;
    for (let i = 0; i < warmRuns; i++) {
      const res = await classify(w.url, body);
      if (res.status !== 200) throw new Error(`warm request: ${res.status} ${res.text}`);
      lat.push(res.ms);
      server.push(res.json.ms);
      mem = Math.max(mem, Number(res.headers.get("x-wasm-memory-bytes")));
    }
    const bigRes = await classify(w.url, big);
    const conc = await Promise.all(Array.from({ length: 8 }, () => classify(w.url, body)));
    const concOK = conc.every((r) => r.status === 200 && r.json.top[0].index === first.json.top[0].index);
    return {
      lat,
      server,
      mem,
      top: first.json.top[0],
      model: first.json.model,
      big: { status: bigRes.status, mem: Number(bigRes.headers.get("x-wasm-memory-bytes")), ms: bigRes.ms, error: bigRes.json?.error },
      conc: { ok: concOK, wall: Math.max(...conc.map((r) => r.ms)) },
      rss: await peakRSS(w.pid),
    };
  } finally {
    w.stop();
  }
}

const body = readFileSync(photo);
// A JPEG just under the edge pixel limit (8 MP), made with ImageMagick, for
// the most memory an accepted upload costs.
const tmp = mkdtempSync(path.join(tmpdir(), "edge-bench-"));
let big;
try {
  const bigPath = path.join(tmp, "8mp.jpg");
  execFileSync("convert", [photo, "-resize", "3264x2448!", "-quality", "90", bigPath]);
  big = readFileSync(bigPath);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

const b = bundle();
const c = await cold(body);
const w = await warm(body, big);
const serverMed = (runs, key) => median(runs.map((ms) => ms[key] ?? 0));

console.log(`## Edge worker (workerd ${execFileSync(path.join(root, "node_modules/.bin/workerd"), ["--version"]).toString().trim()})

Model: ${w.model} (${mib(b.model)} embedded); photo ${path.relative(root, photo)} → ${w.top.label} (${w.top.prob.toFixed(3)}).

| what | value |
|---|---|
| bundle raw / gzip | ${mib(b.raw)} / ${mib(b.gz)} |
| workerd start → port open (median of ${coldRuns}) | ${f1(median(c.start))} ms |
| cold POST /classify, first request of a fresh isolate (median of ${coldRuns}) | ${f1(median(c.first))} ms |
| warm POST /classify (median of ${warmRuns}) | ${f1(median(w.lat))} ms (min ${f1(Math.min(...w.lat))}, max ${f1(Math.max(...w.lat))}) |
| warm, in Go: load / decode / preprocess / inference (medians) | ${f1(serverMed(w.server, "load"))} / ${f1(serverMed(w.server, "decode"))} / ${f1(serverMed(w.server, "preprocess"))} / ${f1(serverMed(w.server, "inference"))} ms |
| cold, in Go: load / inference (medians) | ${f1(serverMed(c.server, "load"))} / ${f1(serverMed(c.server, "inference"))} ms |
| Go instance linear memory per request (${path.basename(photo)}) | ${mib(w.mem)} → ${Math.floor(128e6 / w.mem)} instances in 128 MB |
| same, 3264×2448 JPEG (just under the 8 MP limit) (${mib(big.length)}) | status ${w.big.status}, ${mib(w.big.mem)}, ${f1(w.big.ms)} ms${w.big.error ? ", " + w.big.error : ""} |
| 8 concurrent requests | ${w.conc.ok ? "all correct" : "NOT all correct"}, last answered after ${f1(w.conc.wall)} ms |
| workerd process peak RSS (runtime + compiled code + instances) | ${w.rss ? mib(w.rss) : "n/a"} |

| file | bytes | gzip |
|---|---|---|
${b.rows.join("\n")}
`);
