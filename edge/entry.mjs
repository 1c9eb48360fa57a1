// Entry module of the worker: one Go instance per isolate, kept across
// requests, called synchronously.
//
// The rule everything here follows: workerd binds every promise's I/O to the
// request that created it, and cancels a request that waits on a promise only
// another request can settle ("hung promise"): its continuation never runs.
// An earlier gate in front of a Go instance per request did exactly that and
// wedged the worker for good. So no request awaits anything another request
// settles: each reads its own body (upload.mjs) with its own timers, then
// calls the Go instance's resnetServe, which runs the handler to the end and
// returns — no promise at all. The isolate has one thread, so calls are
// naturally one at a time, with nothing to queue or release.
//
// Why one instance: starting Go per request (syumai/workers' glue did) costs
// every request a new 33 MB WebAssembly memory, Go's start-up and the model's
// parse, and rules out Winograd's transformed weights, which are made once
// here and reused.
//
// The instance also gets the WebAssembly SIMD kernels (module "kernels",
// engine/kernels/kernels_wasm.go), the relaxed-SIMD build where the host
// validates it.
import "./build/wasm_exec.js";
import { attachKernelModules, relaxedSupported } from "./build/loader.mjs";
// workerd (and wrangler's bundle) import .wasm files as compiled
// WebAssembly.Module objects: compiling bytes at run time is forbidden.
import app from "./build/app.wasm";
import forwarder from "./build/forwarder.wasm";
import kernels from "./build/kernels.wasm";
import kernelsRelaxed from "./build/kernels-relaxed.wasm";
import { readUpload, jsonError, busy } from "./upload.mjs";

if (typeof globalThis.Go !== "function") {
  throw new Error("entry.mjs: wasm_exec.js did not define globalThis.Go");
}

// The live instance: {go, serve, startMs}. Made on the first request that
// needs it (workerd forbids the randomness Go's start-up asks for in global
// scope), and again if it ever exits.
let engine = null;

function start() {
  const t0 = Date.now();
  const go = new Go();
  attachKernelModules(go, { forwarder, kernels: relaxedSupported() ? kernelsRelaxed : kernels });
  const instance = new WebAssembly.Instance(app, go.importObject);
  // run() settles only when Go exits; nothing awaits it. Go's main registers
  // resnetServe and blocks, so when run() returns control here it is there.
  go.run(instance).catch(() => {});
  const serve = globalThis.resnetServe;
  if (typeof serve !== "function" || go.exited) {
    throw new Error("the Go instance exited before registering resnetServe");
  }
  delete globalThis.resnetServe;
  return { go, serve, startMs: Date.now() - t0 };
}

function callGo(method, url, contentType, body) {
  const t0 = Date.now();
  let fresh = false;
  if (!engine || engine.go.exited) {
    engine = start();
    fresh = true;
  }
  try {
    const out = engine.serve(method, url, contentType, body);
    busy.ms += Date.now() - t0;
    const res = new Response(method === "HEAD" ? null : out.body, { status: out.status, headers: out.headers });
    if (fresh) res.headers.set("x-instance-start-ms", String(engine.startMs));
    if (out.retire) {
      // Earlier decodes left this instance's linear memory, which never
      // shrinks, too large for the next large image: the next request
      // starts a new instance, and this one's memory is garbage.
      res.headers.set("x-instance-retired", "1");
      engine = null;
    }
    return res;
  } catch (e) {
    busy.ms += Date.now() - t0;
    // The instance died (a trap, an out-of-memory grow): the next request
    // starts a new one.
    engine = null;
    return jsonError(500, `the Go instance failed: ${e && e.message ? e.message : e}`);
  }
}

async function fetch(req, env) {
  try {
    const url = new URL(req.url);
    // Liveness of the isolate, answered without touching Go.
    if (url.pathname === "/healthz" && (req.method === "GET" || req.method === "HEAD")) {
      return new Response(req.method === "HEAD" ? null : "ok\n", {
        headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" },
      });
    }
    let body = new Uint8Array(0);
    if (url.pathname === "/classify" && req.method === "POST") {
      const up = await readUpload(req, env);
      if (up instanceof Response) return up;
      body = up;
    } else if (req.body) {
      req.body.cancel().catch(() => {}); // no other route reads a body
    }
    return callGo(req.method, url.pathname + url.search, req.headers.get("content-type") || "", body);
  } catch (e) {
    return jsonError(500, `worker: ${e && e.message ? e.message : e}`);
  }
}

export default { fetch };
