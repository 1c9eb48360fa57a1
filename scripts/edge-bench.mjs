// Measures the edge worker under `wrangler dev` (local): CPU time and wall
// time per POST /classify, cold (the first request of a fresh isolate) and
// warm, and the Go instance's linear memory, for the model edge/build/app.wasm
// embeds. Run after make edge-build:
//   node scripts/edge-bench.mjs [-cold 3] [-warm 20] [-photo FILE]
// CPU is the workerd processes' user+system time (/proc, 10 ms ticks) across
// the request: everything the runtime did for it, V8's background compiler
// included, so it bounds from above what Cloudflare bills as CPU time. Wall
// times on a shared machine are noisy; CPU time much less so.
import { readFileSync, mkdtempSync, rmSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { tmpdir } from "node:os";
import path from "node:path";
import { root, startWorker, classify } from "../edge/test/wrangler.mjs";

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith("-") ? [...acc, [a.slice(1), all[i + 1]]] : acc), []),
);
const coldRuns = Number(args.cold ?? 3);
const warmRuns = Number(args.warm ?? 20);
const photo = path.resolve(root, args.photo ?? "testdata/photos/grace_hopper.jpg");
const body = readFileSync(photo);

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const mib = (b) => `${(b / 2 ** 20).toFixed(1)} MiB`;

async function measured(w) {
  const c0 = w.cpuMs();
  const res = await classify(w.url, body);
  if (res.status !== 200) throw new Error(`POST /classify: ${res.status} ${res.text}`);
  return { cpu: w.cpuMs() - c0, wall: res.ms, res };
}

// worst makes, with ImageMagick, the accepted inputs that cost decoding the
// most (just under the 8 MP limit: 4:2:0 and progressive 4:4:4 JPEG, 16-bit
// PNG plain, Adam7-interlaced and with alpha), posts each and reads the Go
// instance's linear memory afterwards: WebAssembly memory never shrinks, so
// it is the peak so far.
async function worst(w) {
  const dir = mkdtempSync(path.join(tmpdir(), "edge-worst-"));
  const src = path.join(root, "testdata/photos/dog.jpg");
  const size = "3264x2448!";
  const make = {
    "JPEG 4:2:0": ["-resize", size, "-quality", "90", "a.jpg"],
    "JPEG progressive 4:4:4": ["-resize", size, "-sampling-factor", "1x1", "-interlace", "JPEG", "-quality", "95", "b.jpg"],
    "PNG 16-bit": ["-size", "3264x2448", "gradient:red-blue", "-depth", "16", "c.png"],
    "PNG 16-bit Adam7": ["-size", "3264x2448", "gradient:red-blue", "-depth", "16", "-interlace", "PNG", "d.png"],
    "PNG 16-bit RGBA Adam7": ["-size", "3264x2448", "gradient:red-blue", "-alpha", "set", "-channel", "A", "-evaluate", "set", "50%", "-depth", "16", "-interlace", "PNG", "e.png"],
  };
  const rows = [];
  try {
    for (const [name, a] of Object.entries(make)) {
      const out = path.join(dir, a[a.length - 1]);
      const cmd = a[0] === "-size" ? a.slice(0, -1) : [src, ...a.slice(0, -1)];
      execFileSync("convert", [...cmd, out]);
      const c0 = w.cpuMs();
      const r = await classify(w.url, readFileSync(out));
      rows.push({ name, status: r.status, cpu: w.cpuMs() - c0, mem: Number(r.headers.get("x-wasm-memory-bytes")), error: r.json?.error });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

const cold = [];
let warm = null;
for (let i = 0; i < coldRuns; i++) {
  // /healthz is answered in JavaScript, so the Go instance is not started yet.
  const w = await startWorker();
  try {
    await new Promise((r) => setTimeout(r, 1000)); // let wrangler settle
    // Odd runs split the cold request in two: GET / starts the Go instance
    // (instantiate, Go's runtime and main) without the model; the
    // classification after it loads the model and runs the first inference
    // partly in V8's baseline code.
    let startCPU = 0;
    if (i % 2 === 1) {
      const c0 = w.cpuMs();
      const r = await fetch(`${w.url}/`);
      await r.text();
      startCPU = w.cpuMs() - c0;
    }
    const first = await measured(w);
    cold.push({ ...first, startCPU, start: Number(first.res.headers.get("x-instance-start-ms")) });
    if (i === coldRuns - 1) {
      const runs = [];
      let total = 0;
      const c0 = w.cpuMs();
      for (let j = 0; j < warmRuns; j++) runs.push(await measured(w));
      total = w.cpuMs() - c0;
      warm = { runs, total, last: runs[runs.length - 1].res };
      // What a request costs without any image work: the HTTP path through
      // wrangler's proxy, JavaScript, and a call into Go that refuses text.
      const o0 = w.cpuMs();
      for (let j = 0; j < warmRuns; j++) {
        const r = await classify(w.url, "not an image\n");
        if (r.status !== 415) throw new Error(`text body: ${r.status} ${r.text}`);
      }
      warm.overhead = (w.cpuMs() - o0) / warmRuns;
      warm.worst = await worst(w);
    }
  } finally {
    w.stop();
  }
}

const rep = warm.last.json;
const inner = (k) => median(warm.runs.map((r) => r.res.json.ms[k] ?? 0)).toFixed(0);
console.log(`## edge worker under wrangler dev: ${rep.model}, ${path.basename(photo)} → ${rep.top[0].label} ${rep.top[0].prob.toFixed(3)}\n`);
console.log("| what | value |");
console.log("|---|---|");
const whole = cold.filter((c) => !c.startCPU);
const split = cold.filter((c) => c.startCPU);
console.log(`| cold: CPU of the first request (Go start, lazy compile, model load, first inference), median of ${whole.length} | ${median(whole.map((c) => c.cpu))} ms (${whole.map((c) => c.cpu).join(", ")}) |`);
if (split.length) {
  console.log(`| cold, split: Go instance start (GET /) / model load + first inference, median of ${split.length} | ${median(split.map((c) => c.startCPU))} / ${median(split.map((c) => c.cpu))} ms CPU |`);
}
console.log(`| cold: wall of the first request, median | ${median(whole.map((c) => c.wall)).toFixed(0)} ms |`);
console.log(`| cold: Go instance start (instantiate + runtime + main), wall, median | ${median(whole.map((c) => c.start))} ms |`);
console.log(`| warm: CPU per request, mean of ${warmRuns} | ${(warm.total / warmRuns).toFixed(1)} ms |`);
console.log(`| fixed cost: CPU per request refused after the Go call (text body, 415), mean of ${warmRuns} | ${warm.overhead.toFixed(1)} ms |`);
console.log(`| warm: wall per request, median | ${median(warm.runs.map((r) => r.wall)).toFixed(0)} ms |`);
console.log(`| warm: in Go (wall, median): decode / preprocess / inference | ${inner("decode")} / ${inner("preprocess")} / ${inner("inference")} ms |`);
console.log(`| Go instance linear memory after ${warmRuns + 1} requests | ${mib(Number(warm.last.headers.get("x-wasm-memory-bytes")))} |`);
console.log(`| kernels | ${warm.last.headers.get("x-kernels")} |`);
for (const r of warm.worst) {
  const what = r.status === 200 ? `${mib(r.mem)} linear memory, ${r.cpu} ms CPU` : `${r.status}: ${r.error}`;
  console.log(`| worst input: ${r.name}, 3264×2448 | ${what} |`);
}
