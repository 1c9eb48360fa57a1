// Slow, stalled, aborted and concurrent uploads against the worker in wrangler dev
// (issue: one slow upload plus one concurrent request used to wedge the
// worker until restart). The clients are real: node:http writing the body in
// small chunks with pauses, as a phone on a slow uplink does.
//   node --test edge/test/uploads.test.mjs
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, existsSync } from "node:fs";
import path from "node:path";
import { root, startWorker, classify } from "./wrangler.mjs";
import { upload } from "./client.mjs";

// Shorter than wrangler.jsonc's 10 s so that the stall test is quick; the
// code path is the same.
const bodyIdleMs = 2_000;

const photoDir = path.join(root, "testdata/photos");
const photo = readFileSync(path.join(photoDir, "pekinese.png")); // 213 KB
const small = readFileSync(path.join(photoDir, "grace_hopper.jpg"));

let worker;

before(async () => {
  assert.ok(existsSync(path.join(root, "edge/build/app.wasm")), "run scripts/edge-build.sh first");
  worker = await startWorker({ vars: { BODY_IDLE_MS: bodyIdleMs } });
});

after(() => worker && worker.stop());

function ok(name, res) {
  assert.equal(res.status, 200, `${name}: ${res.text}`);
  assert.ok(Array.isArray(res.json?.top) && res.json.top.length === 5, `${name}: ${res.text}`);
}

function jsonError(name, res, status, pattern) {
  assert.equal(res.status, status, `${name}: ${res.status} ${res.text}`);
  assert.equal(res.headers["content-type"] ?? res.headers.get?.("content-type"), "application/json", name);
  assert.equal(typeof res.json?.error, "string", `${name}: ${res.text}`);
  assert.match(res.json.error, pattern, name);
}

test("a slow upload does not disturb concurrent requests or /healthz", async () => {
  // ~213 KB at 16 KB per 60 ms: about 0.8 s of upload, during which the
  // others arrive, are classified and answered.
  const slow = upload(worker.url, photo, { everyMs: 60 });
  await new Promise((r) => setTimeout(r, 100));
  const others = [classify(worker.url, small), classify(worker.url, small), classify(worker.url, small)];
  const health = fetch(`${worker.url}/healthz`).then(async (r) => ({ status: r.status, text: await r.text(), at: performance.now() }));
  const done = others.map((p) => p.then((r) => ({ ...r, at: performance.now() })));
  const [h, s, ...rest] = await Promise.all([health, slow, ...done]);
  assert.equal(h.status, 200, `/healthz: ${h.text}`);
  // /healthz is not queued behind the classifications that arrived first.
  assert.ok(h.at < Math.max(...rest.map((r) => r.at)), "/healthz waited for every classification");
  ok("slow upload", s);
  rest.forEach((r, i) => ok(`concurrent request ${i}`, r));
});

test("a stalled upload gets a JSON 408 and others are served meanwhile", async () => {
  const stalled = upload(worker.url, photo, { stopAfter: 32 << 10 });
  await new Promise((r) => setTimeout(r, 100));
  ok("request during the stall", await classify(worker.url, small));
  const h = await fetch(`${worker.url}/healthz`);
  assert.equal(h.status, 200);
  const res = await stalled;
  jsonError("stalled upload", res, 408, /body.*(stalled|no data|arrive)/i);
  // It is the idle deadline that ends it, not a server-wide timeout.
  assert.ok(res.ms < bodyIdleMs + 10_000, `answered after ${res.ms} ms`);
});

test("an aborted upload releases everything", async () => {
  const aborted = await Promise.all([
    upload(worker.url, photo, { abortAfter: 48 << 10 }),
    upload(worker.url, photo, { abortAfter: 0 }),
  ]);
  aborted.forEach((a) => assert.ok(a.aborted));
  const after = await Promise.all([classify(worker.url, small), classify(worker.url, small)]);
  after.forEach((r, i) => ok(`request after the aborts ${i}`, r));
});

test("multipart/form-data gets 415 with a hint to send the raw bytes", async () => {
  const form = new FormData();
  form.append("image", new Blob([small], { type: "image/jpeg" }), "grace_hopper.jpg");
  const res = await fetch(`${worker.url}/classify`, { method: "POST", body: form });
  const text = await res.text();
  jsonError("multipart", { status: res.status, headers: res.headers, json: JSON.parse(text), text }, 415, /--data-binary/);
});

test("declared length over 100 MB: 413 before reading", async () => {
  const res = await upload(worker.url, small, { headers: { "content-length": String(200 << 20) }, stopAfter: 0 });
  jsonError("declared 200 MiB", res, 413, /larger than/);
});

test("the worker still serves afterwards", async () => {
  const h = await fetch(`${worker.url}/healthz`);
  assert.equal(h.status, 200);
  ok("final request", await classify(worker.url, small));
});
