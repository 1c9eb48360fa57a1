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
import { root, startWorker, classify } from "./wrangler.mjs";

const MiB = 2 ** 20;
const isolate = 128e6; // Cloudflare: 128 MB per isolate
// edge/handler.go's LinearCeiling: the instance's linear memory plus the
// body's JavaScript copy, over its whole life.
const ceiling = 108 * MiB;
// Every accepted body, replayed at the end in other orders.
const accepted = [];
const photo = path.join(root, "testdata/photos/eagle.jpg");

// The kinds whose decode costs the most per pixel (engine/preprocess
// budget.go). args go to ImageMagick's convert; start is a size over the
// budget whose body is still under the 16 MiB body limit (a refused upload
// would not be read). "-depth 8 -depth 16" keeps 16-bit files compressible
// (equal byte pairs), so the body, which counts against the budget, stays
// small. These formats are decoded whole, so the budget caps their size.
const whole = [
  { name: "16-bit interlaced RGBA PNG", start: 5e6, out: "png64:x.png", args: ["-depth", "8", "-depth", "16", "-interlace", "PNG"] },
  { name: "16-bit RGB PNG", out: "png48:x.png", args: ["-depth", "8", "-depth", "16"] },
  { name: "lossless WebP", start: 6e6, out: "x.webp", args: ["-define", "webp:lossless=true", "-define", "webp:method=0"] },
  { name: "interlaced GIF", out: "x.gif", args: ["-interlace", "GIF"] },
];

// JPEGs are decoded at reduced scale when the full decode would not fit:
// phone photos up to 50 MP and beyond are classified within the budget.
// The costliest kinds per pixel, and an ordinary photo.
const jpegs = [
  { name: "progressive 4:4:4 JPEG", out: "x.jpg", args: ["-sampling-factor", "1x1", "-interlace", "JPEG", "-quality", "90"] },
  { name: "progressive CMYK JPEG", out: "x.jpg", args: ["-colorspace", "CMYK", "-interlace", "JPEG", "-quality", "75"] },
  { name: "baseline 4:2:0 JPEG", out: "x.jpg", args: ["-sampling-factor", "2x2", "-quality", "90"] },
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

for (const kind of whole) {
  test(`${kind.name}: refused over the budget, within it near the limit`, async () => {
    // The start is over the budget for each kind: the refusal says how
    // many megapixels would fit; the next image is just under that.
    let pixels = kind.start ?? 12e6;
    let res;
    let refused = 0;
    for (let attempt = 0; attempt < 6; attempt++) {
      const [w, h] = size(pixels);
      const body = await make(kind, w, h);
      res = await classify(worker.url, body);
      res.body = body;
      res.size = [w, h];
      if (res.status === 200) {
        // The body changes with the size, and with it the budget: close in
        // until the estimate is near the budget.
        const estimate = Number(res.headers.get("x-decode-estimate-bytes"));
        const budget = Number(res.headers.get("x-decode-budget-bytes"));
        if (estimate > 0.8 * budget) break;
        pixels *= (0.95 * (budget - body.length)) / (estimate - body.length);
        continue;
      }
      if (res.status !== 422) break;
      refused++;
      assert.equal(res.headers.get("content-type"), "application/json");
      const msg = res.json.error;
      assert.match(msg, /needs ~\d+ MiB to decode, over this host's \d+ MiB budget/, msg);
      assert.match(msg, /decoded whole.*or a JPEG/, msg);
      const fit = /about ([\d.]+) megapixels fit/.exec(msg);
      assert.ok(fit, `the refusal should say what fits: ${msg}`);
      pixels = Number(fit[1]) * 1e6 * 0.95;
    }
    assert.ok(refused >= 1, `${kind.name}: ${kind.start ?? 12e6} pixels were not refused`);
    assert.equal(res.status, 200, `${kind.name} ${res.size}: ${res.text}`);
    assert.ok(res.json.top.length > 0, res.text);
    assert.equal(res.json.decode, "full", res.text);
    const { estimate, budget } = check(kind, res, fixed);
    // Near the largest accepted size, so this is the worst this kind can do.
    assert.ok(estimate > 0.8 * budget, `estimate ${estimate} is not near the budget ${budget}`);
  });
}

function check(kind, res, fixed) {
  const mem = memoryOf(res);
  const estimate = Number(res.headers.get("x-decode-estimate-bytes"));
  const budget = Number(res.headers.get("x-decode-budget-bytes"));
  console.log(
    `# ${kind.name.padEnd(28)} ${res.size.join("×").padEnd(10)} body ${(res.body.length / MiB).toFixed(2)} MiB: ` +
      `decode ${res.json.decode}, estimate ${(estimate / MiB).toFixed(1)} of ${(budget / MiB).toFixed(1)} MiB budget; ` +
      `linear memory ${(mem / MiB).toFixed(1)} MiB = fixed + ${((mem - fixed) / MiB).toFixed(1)}; ${res.ms.toFixed(0)} ms`,
  );
  assert.ok(
    mem + res.body.length <= ceiling,
    `${kind.name}: linear memory ${(mem / MiB).toFixed(1)} MiB + body ${(res.body.length / MiB).toFixed(1)} MiB is over the ${ceiling / MiB} MiB ceiling`,
  );
  assert.ok(mem + res.body.length < isolate - 4 * MiB, `${kind.name}: ${mem} + body ${res.body.length} near 128 MB`);
  accepted.push({ kind, body: res.body, size: res.size });
  return { mem, estimate, budget };
}

for (const kind of jpegs) {
  test(`${kind.name}, 50 MP: classified at reduced scale within the budget`, async () => {
    const [w, h] = [8160, 6120]; // a 50 MP phone sensor
    const body = await make(kind, w, h);
    const res = await classify(worker.url, body);
    res.body = body;
    res.size = [w, h];
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.decode, "scaled 1/8", res.text);
    assert.equal(res.json.top[0].label, "bald eagle", res.text);
    check(kind, res, fixed);
  });
}

// The largest JPEGs that keep the full decode (bit for bit as before)
// in a fresh instance: those whose full decode fits its ~36 MiB budget
// (1.5 MP progressive 4:4:4, 5 MP baseline 4:2:0; larger ones are decoded
// at reduced scale).
const fullJpegs = [
  { ...jpegs[0], size: [1440, 1080] },
  { ...jpegs[2], size: [2592, 1944] },
];
for (const kind of fullJpegs) {
  test(`${kind.name}, ${kind.size.join("×")}: full decode within the budget`, async () => {
    const body = await make(kind, ...kind.size);
    const res = await classify(worker.url, body);
    res.body = body;
    res.size = kind.size;
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.decode, "full", res.text);
    const { estimate, budget } = check(kind, res, fixed);
    assert.ok(estimate > 0.7 * budget, `estimate ${estimate} is not near the budget ${budget}`);
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

// Fragmentation accumulates in the one long-lived instance: every image
// accepted above, again, backwards and then interleaved largest-first, three
// rounds. The peak stays within the ceiling throughout; an image the
// fragmented heap can no longer afford is refused with the 422 naming the
// budget (never an out-of-memory), and the count of those is reported.
test("every accepted image again, in other orders, repeated: the peak stays within the ceiling", async () => {
  assert.ok(accepted.length >= 8, `only ${accepted.length} images were accepted above`);
  const backwards = [...accepted].reverse();
  const bySize = [...accepted].sort((a, b) => b.body.length - a.body.length);
  const interleaved = bySize.flatMap((x, i) => (i % 2 ? [x] : [bySize[bySize.length - 1 - i] ?? x, x]));
  let peak = 0;
  let refused = 0;
  let n = 0;
  for (const order of [backwards, interleaved, backwards]) {
    for (const { kind, body, size } of order) {
      const res = await classify(worker.url, body);
      n++;
      if (res.status === 422) {
        refused++;
        assert.match(res.json.error, /over this host's \d+ MiB budget/, `${kind.name} ${size}: ${res.text}`);
        continue;
      }
      assert.equal(res.status, 200, `${kind.name} ${size}: ${res.text}`);
      assert.ok(res.json.top.length > 0, `${kind.name} ${size}: ${res.text}`);
      const mem = memoryOf(res);
      peak = Math.max(peak, mem);
      assert.ok(mem + body.length <= ceiling, `${kind.name} ${size}: linear ${(mem / MiB).toFixed(1)} MiB + body over the ceiling`);
    }
  }
  console.log(`# replayed ${n} requests: peak linear memory ${(peak / MiB).toFixed(1)} MiB (fixed ${(fixed / MiB).toFixed(1)}); ${refused} refused by the shrunken budget`);
});
