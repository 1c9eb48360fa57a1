// The edge's decode memory budget, end to end in workerd: for each of the
// costliest kinds of input, an image near the largest size the budget
// accepts is classified, and the Go instance's linear memory at the end of
// the request — its peak, since WebAssembly memory never shrinks — stays
// within the fixed part of a request plus the budget. Larger images of the
// same kinds are refused with a JSON 422 that names the limit.
//
// Measured here rather than in Go because the linear memory of the real
// worker is what Cloudflare holds against the 128 MB isolate: it includes
// the garbage collector's slack, the embedded model and the glue, which a
// native runtime.MemStats does not see (engine/preprocess's
// TestEstimateCoversAllocations checks the estimate against Go's own
// allocation count, kind by kind). Inputs are made with ImageMagick.
//
// Run after scripts/edge-build.sh:  node --test edge/test/memory.test.mjs
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { promisify } from "node:util";
import { tmpdir } from "node:os";
import path from "node:path";
import { root, startWorker, classify } from "./workerd.mjs";

const MiB = 2 ** 20;
const isolate = 128e6; // Cloudflare: 128 MB per isolate
const photo = path.join(root, "testdata/photos/eagle.jpg");

// The kinds whose decode costs the most per pixel (engine/preprocess
// budget.go), and an ordinary photo. args go to ImageMagick's convert;
// start is a size over the budget whose body is still under the 16 MiB
// body limit (a refused upload would not be read).
// "-depth 8 -depth 16" keeps 16-bit files compressible (equal byte pairs),
// so the body, which counts against the budget, stays small.
const kinds = [
  { name: "16-bit interlaced RGBA PNG", start: 5e6, out: "png64:x.png", args: ["-depth", "8", "-depth", "16", "-interlace", "PNG"] },
  { name: "16-bit RGB PNG", out: "png48:x.png", args: ["-depth", "8", "-depth", "16"] },
  { name: "progressive 4:4:4 JPEG", out: "x.jpg", args: ["-sampling-factor", "1x1", "-interlace", "JPEG", "-quality", "90"] },
  { name: "progressive CMYK JPEG", out: "x.jpg", args: ["-colorspace", "CMYK", "-interlace", "JPEG", "-quality", "90"] },
  { name: "baseline 4:2:0 JPEG", out: "x.jpg", args: ["-sampling-factor", "2x2", "-quality", "90"] },
  { name: "lossless WebP", start: 6e6, out: "x.webp", args: ["-define", "webp:lossless=true", "-define", "webp:method=0"] },
  { name: "interlaced GIF", out: "x.gif", args: ["-interlace", "GIF"] },
];

let worker;
let dir;
let fixed; // linear memory of a request for a 32×32 image

// Asynchronous on purpose: a synchronous convert would stall the event
// loop for seconds, and the keep-alive connection workerd closes meanwhile
// would be written to (EPIPE) by the next request.
const run = promisify(execFile);

async function make(kind, w, h) {
  const out = kind.out.replace("x.", path.join(dir, "x."));
  await run("convert", [photo, "-resize", `${w}x${h}!`, ...kind.args, out]);
  return readFileSync(out.replace(/^\w+:/, ""));
}

function size(pixels) {
  const h = Math.floor(Math.sqrt((pixels * 3) / 4));
  return [Math.floor((h * 4) / 3), h];
}

function memoryOf(res) {
  const mem = Number(res.headers.get("x-wasm-memory-bytes"));
  assert.ok(mem > 0, `no X-Wasm-Memory-Bytes: ${res.text}`);
  return mem;
}

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "edge-memory-"));
  worker = await startWorker();
  const tiny = await make({ out: "png:x.png", args: [] }, 32, 32);
  const res = await classify(worker.url, tiny);
  assert.equal(res.status, 200, res.text);
  fixed = memoryOf(res);
  console.log(`# fixed part of a request (32×32 PNG): ${(fixed / MiB).toFixed(1)} MiB of linear memory`);
});

after(() => {
  worker?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

for (const kind of kinds) {
  test(`${kind.name}: refused over the budget, within it near the limit`, async () => {
    // The start is over the budget for each kind: the refusal says how
    // many megapixels would fit; the next image is just under that.
    let pixels = kind.start ?? 12e6;
    let res;
    let refused = 0;
    for (let attempt = 0; attempt < 4; attempt++) {
      const [w, h] = size(pixels);
      const body = await make(kind, w, h);
      res = await classify(worker.url, body);
      if (res.status !== 422) {
        res.body = body;
        res.size = [w, h];
        break;
      }
      refused++;
      assert.equal(res.headers.get("content-type"), "application/json");
      const msg = res.json.error;
      assert.match(msg, /needs ~\d+ MiB to decode, over this host's \d+ MiB budget/, msg);
      const fit = /about ([\d.]+) megapixels fit/.exec(msg);
      assert.ok(fit, `the refusal should say what fits: ${msg}`);
      // The budget shrinks with the body, which changes with the size.
      pixels = Number(fit[1]) * 1e6 * 0.95;
    }
    assert.ok(refused >= 1, `${kind.name}: ${pixels / 1e6} MP was not refused`);
    assert.equal(res.status, 200, `${kind.name} ${res.size}: ${res.text}`);
    assert.ok(res.json.top.length > 0, res.text);
    const mem = memoryOf(res);
    const estimate = Number(res.headers.get("x-decode-estimate-bytes"));
    const budget = Number(res.headers.get("x-decode-budget-bytes"));
    console.log(
      `# ${kind.name.padEnd(28)} ${res.size.join("×").padEnd(10)} body ${(res.body.length / MiB).toFixed(2)} MiB: ` +
        `estimate ${(estimate / MiB).toFixed(1)} of ${(budget / MiB).toFixed(1)} MiB budget; ` +
        `linear memory ${(mem / MiB).toFixed(1)} MiB = fixed + ${((mem - fixed) / MiB).toFixed(1)}`,
    );
    // Near the largest accepted size, so this is the worst this kind can do.
    assert.ok(estimate > 0.8 * budget, `estimate ${estimate} is not near the budget ${budget}`);
    assert.ok(
      mem <= fixed + budget,
      `${kind.name}: linear memory ${(mem / MiB).toFixed(1)} MiB is over the fixed ${(fixed / MiB).toFixed(1)} + budget ${(budget / MiB).toFixed(1)} MiB`,
    );
    // With the body's JavaScript copy, the isolate still has room.
    assert.ok(mem + res.body.length < isolate - 4 * MiB, `${kind.name}: ${mem} + body ${res.body.length} near 128 MB`);
  });
}

// The case: an 8-megapixel, 16-bit, Adam7-interlaced PNG of a few
// kilobytes would have taken 180 MiB; now its header alone refuses it.
test("8 MP 16-bit interlaced PNG is refused from its header", async () => {
  const { stdout: body } = await run(
    "convert",
    ["-size", "3264x2448", "gradient:", "-depth", "16", "-interlace", "PNG", "png64:-"],
    { encoding: "buffer", maxBuffer: 64 * MiB },
  );
  const res = await classify(worker.url, body);
  assert.equal(res.status, 422, res.text);
  assert.match(res.json.error, /16-bit interlaced PNG 3264×2448 needs ~\d+ MiB to decode, over this host's \d+ MiB budget/);
  assert.equal(res.headers.get("x-wasm-memory-bytes"), null, "refused before classifying");
});
