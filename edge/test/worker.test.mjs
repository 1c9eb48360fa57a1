// End-to-end test of the edge worker under wrangler dev: real photos against
// the command line, bad inputs, concurrency and memory. Run after
// make edge-build:  node --test edge/test/
// EDGE_MODEL must name the model the worker embeds (default: ResNet-50).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { readFileSync, existsSync } from "node:fs";
import path from "node:path";
import { root, startWorker, classify, peakRSS } from "./wrangler.mjs";

const model = process.env.EDGE_MODEL || "weights/resnet50-keras.rnm";
const photoDir = path.join(root, "testdata/photos");
const maxBody = 16 << 20; // edge/handler.go MaxBody
const isolateLimit = 128 * 1000 * 1000; // Cloudflare: 128 MB per isolate
// What the Go instance may hold after photos: the rest of the isolate's 128 MB
// is for the JavaScript heap (bodies being read) and a large upload's decode.
const photoBudget = 96 * 2 ** 20;

// What a person sees in each photo, as ImageNet-1k labels the model may pick
// (neighbouring classes are fine; the command line parity below is exact).
// Checked when the worker embeds the default Keras ResNet-50; any model is
// checked against the command line.
const expected = {
  "grace_hopper.jpg": ["military uniform"],
  "grace_hopper_exif6.jpg": ["military uniform"],
  "eagle.jpg": ["bald eagle"],
  "pekinese.png": ["Pekinese"],
  "squirrel.jpg": ["fox squirrel"],
};
const photos = Object.keys(expected).filter((f) => existsSync(path.join(photoDir, f)));
const bodies = Object.fromEntries(photos.map((f) => [f, readFileSync(path.join(photoDir, f))]));

let worker;
let cli; // promise of: file name -> the command line's JSON report
let memory = []; // X-Wasm-Memory-Bytes of every classified request

before(async () => {
  assert.ok(photos.length >= 3, `need the photos in ${photoDir}`);
  assert.ok(existsSync(path.join(root, "edge/build/app.wasm")), "run scripts/edge-build.sh first");
  // The command line runs while the worker starts and the cheap tests run.
  cli = promisify(execFile)(
    "go",
    ["run", "./cmd/classify", "-model", model, "-json", ...photos.map((f) => path.join(photoDir, f))],
    { cwd: root, encoding: "utf8", maxBuffer: 16 << 20 },
  ).then(({ stdout }) =>
    Object.fromEntries(
      stdout
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line))
        .map((rep) => [path.basename(rep.file), rep]),
    ),
  );
  cli.catch(() => {}); // reported where it is awaited
  worker = await startWorker();
});

after(async () => {
  if (!worker) return;
  const rss = await peakRSS(worker.workerdPid());
  worker.stop();
  if (memory.length) {
    const peak = Math.max(...memory);
    console.log(
      `# edge memory: peak linear memory of the isolate's Go instance ${(peak / 2 ** 20).toFixed(1)} MiB ` +
        `(the isolate has ${(isolateLimit / 2 ** 20).toFixed(0)} MiB); workerd process peak RSS ` +
        `${rss ? (rss / 2 ** 20).toFixed(0) + " MiB" : "n/a"} (includes the runtime and compiled code)`,
    );
  }
});

function checkReport(name, res, cli) {
  assert.equal(res.status, 200, `${name}: ${res.text}`);
  assert.equal(res.headers.get("content-type"), "application/json");
  const rep = res.json;
  assert.ok(Array.isArray(rep.top) && rep.top.length === 5, `${name}: top-5 expected, got ${res.text}`);
  assert.equal(rep.error, undefined);
  const want = cli[name];
  assert.ok(want && !want.error, `${name}: the command line failed: ${JSON.stringify(want)}`);
  assert.equal(rep.model, want.model, `${name}: model`);
  assert.equal(rep.top[0].index, want.top[0].index, `${name}: top-1 differs from the command line`);
  assert.ok(
    Math.abs(rep.top[0].prob - want.top[0].prob) < 1e-4,
    `${name}: top-1 prob ${rep.top[0].prob} vs command line ${want.top[0].prob}`,
  );
  if (rep.model === "resnet50-keras") {
    assert.ok(
      expected[name].includes(rep.top[0].label),
      `${name}: top-1 ${rep.top[0].label} (${rep.top[0].prob}), want one of ${expected[name]}`,
    );
  }
  for (const key of ["total", "load"]) {
    assert.equal(typeof rep.ms[key], "number", `${name}: ms.${key} missing in ${res.text}`);
  }
  // workerd has WebAssembly SIMD: entry.mjs must have linked the kernels
  // into this request's Go instance (the engine's own answer).
  assert.equal(res.headers.get("x-kernels"), "simd", `${name}: X-Kernels`);
  const mem = Number(res.headers.get("x-wasm-memory-bytes"));
  assert.ok(mem > 0, `${name}: no X-Wasm-Memory-Bytes header`);
  memory.push(mem);
}

test("usage and health", async () => {
  const usage = await fetch(`${worker.url}/`);
  assert.equal(usage.status, 200);
  assert.match(await usage.text(), /POST \/classify/);
  const health = await fetch(`${worker.url}/healthz`);
  assert.equal(health.status, 200);
  // /healthz is answered by entry.mjs without starting Go (so it never
  // waits behind classification); X-Kernels is checked on every classification.
  assert.equal(await health.text(), "ok\n");
  const wrong = await fetch(`${worker.url}/classify`);
  assert.equal(wrong.status, 405);
  assert.match((await wrong.json()).error, /not allowed/);
});

// pngHeader is a PNG whose IHDR claims w×h RGBA pixels, followed by a tiny
// IDAT: a decoder that allocates from the header alone asks for w*h*4 bytes.
function pngHeader(w, h) {
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, "latin1"), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(td));
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA, deflate, no filter method, no interlace
  const idat = Buffer.from([0x78, 0x9c, 0x63, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01]);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", idat),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

function crc32(buf) {
  let c = ~0;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return ~c >>> 0;
}

const jpeg = bodies["grace_hopper.jpg"];
const bad = [
  { name: "zero bytes", body: new Uint8Array(0), status: 415 },
  { name: "text", body: "this is not an image, just words\n", status: 415 },
  { name: "truncated JPEG", body: jpeg.subarray(0, jpeg.length >> 1), status: 422 },
  { name: "JPEG header only", body: jpeg.subarray(0, 600), status: 422 },
  { name: "PNG bomb 60000x60000", body: pngHeader(60000, 60000), status: 422 },
  { name: "PNG 4032x3024, over the edge's pixel limit", body: pngHeader(4032, 3024), status: 422 },
  { name: "body over the limit", body: new Uint8Array(maxBody + 1), status: 413 },
  { name: "k out of range", body: jpeg, query: "?k=0", status: 400 },
];

function checkBad(c, res) {
  assert.equal(res.status, c.status, `${c.name}: ${res.text}`);
  assert.equal(res.headers.get("content-type"), "application/json", c.name);
  assert.ok(res.json && typeof res.json.error === "string" && res.json.error.length > 0, `${c.name}: ${res.text}`);
  assert.equal(res.json.top, undefined, c.name);
}

test("bad inputs: status and JSON error", async () => {
  for (const c of bad) checkBad(c, await classify(worker.url, c.body, c.query));
});

// Runs after the bad inputs, so it is also the check that the worker still
// answers correctly afterwards. Every inference costs seconds, so the photo
// checks (expected top-1, same as the command line) are these 8 requests.
test("8 concurrent requests (and 2 bad ones among them) all answer correctly", async () => {
  const names = Array.from({ length: 8 }, (_, i) => photos[i % photos.length]);
  const [good, wrong] = await Promise.all([
    Promise.all(names.map((n) => classify(worker.url, bodies[n]))),
    Promise.all([bad[1], bad[4]].map((c) => classify(worker.url, c.body))),
  ]);
  wrong.forEach((res, i) => checkBad([bad[1], bad[4]][i], res));
  const want = await cli;
  good.forEach((res, i) => checkReport(names[i], res, want));
});

// ?cam=1 adds the command line's cam object (classify -cam): the top-1
// class's activation map, the same values within float tolerance.
test("?cam=1 returns the command line's class activation map", async () => {
  const name = "eagle.jpg";
  const run = promisify(execFile)(
    "go",
    ["run", "./cmd/classify", "-model", model, "-json", "-cam", path.join(photoDir, name)],
    { cwd: root, encoding: "utf8", maxBuffer: 16 << 20 },
  );
  const res = await classify(worker.url, bodies[name], "?cam=1");
  const want = JSON.parse((await run).stdout).cam;
  assert.equal(res.status, 200, res.text);
  const cam = res.json.cam;
  assert.ok(cam && Array.isArray(cam.map), `no cam in ${res.text.slice(0, 200)}`);
  assert.equal(cam.index, res.json.top[0].index, "the map is of the top-1 class");
  assert.equal(cam.index, want.index, "class");
  assert.deepEqual(cam.size, want.size, "size");
  assert.equal(cam.map.length, want.size[0] * want.size[1]);
  const scale = Math.max(...want.map.map(Math.abs));
  const err = Math.max(...cam.map.map((v, i) => Math.abs(v - want.map[i])));
  assert.ok(err <= 1e-4 * scale, `map differs from the command line's by ${err} (max |value| ${scale})`);
  const plain = await classify(worker.url, bodies[name]);
  assert.equal(plain.json.cam, undefined, "no cam without ?cam=1");
});

// Runs last: every photo above has gone through the one Go instance.
test("the isolate's Go instance stays within its memory budget after photos", () => {
  assert.ok(memory.length >= 8, "no classified requests to measure");
  const peak = Math.max(...memory);
  assert.ok(
    peak <= photoBudget,
    `linear memory ${(peak / 2 ** 20).toFixed(1)} MiB, over the ${photoBudget / 2 ** 20} MiB budget for photos`,
  );
});
