// Entry module of the worker: answers /healthz, reads each upload to the end
// in JavaScript, then hands the request to syumai/workers' generated glue
// (build/) behind a gate that bounds how many Go instances are alive at once.
//
// The rule everything here follows: workerd binds every promise's I/O to the
// request that created it, and cancels a request that waits on a promise only
// another request can settle ("hung promise"): its continuation never runs.
// So no request may await something another request resolves. The gate is
// therefore a shared counter that each waiter polls with its own timer, not a
// queue of resolvers, and a slot is a lease that expires, so a holder whose
// request was cancelled mid-way cannot keep it.
//
// Why a gate: the glue starts a new Go instance per request, each a new
// WebAssembly memory holding its own copy of the data segment (the 25 MB
// model) plus the Go heap, while inference runs on the isolate's one thread
// anyway; eight at once would not fit the 128 MB per isolate.
//
// Why read the body first: a slow or stalled client must cost only its own
// request. Its bytes arrive while others are classified, and a body that
// stops arriving gets a 408 that says so, without ever holding a Go slot.
//
// It also gives every Go instance the WebAssembly SIMD kernels: the engine
// imports them (module "kernels", engine/kernels/kernels_wasm.go), and the
// glue's `new Go()` knows nothing of them, so Go is wrapped below.
import worker from "./build/worker.mjs";
import { attachKernelModules } from "./build/loader.mjs";
// workerd (and wrangler's bundle) import .wasm files as compiled
// WebAssembly.Module objects: compiling bytes at run time is forbidden.
import forwarder from "./build/forwarder.wasm";
import kernels from "./build/kernels.wasm";
import { readUpload, jsonError } from "./upload.mjs";

// worker.mjs imports wasm_exec.js, which sets globalThis.Go; imports are
// evaluated before this module's body, so Go exists here. The glue calls
// `new Go()` per request through the global, so replacing it here reaches
// every instance.
if (typeof globalThis.Go !== "function") {
  throw new Error("entry.mjs: wasm_exec.js did not define globalThis.Go");
}
const BaseGo = globalThis.Go;
globalThis.Go = class extends BaseGo {
  constructor() {
    super();
    attachKernelModules(this, { forwarder, kernels });
  }
};

const DEFAULT_INSTANCES = 1;
// A Go instance that has not answered after this long is treated as lost:
// its request gets a 503 and its slot's lease runs out.
const DEFAULT_TIMEOUT_MS = 120_000;
const POLL_MS = 5;

// Start times (ms) of the slots in use. Plain data, shared by all requests.
let slots = [];

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// acquire waits, polling with this request's own timer, until fewer than
// limit unexpired leases are held, and returns this request's lease.
async function acquire(limit, leaseMs) {
  for (;;) {
    const now = Date.now();
    slots = slots.filter((s) => now - s.since < leaseMs);
    if (slots.length < limit) {
      const lease = { since: now };
      slots.push(lease);
      return lease;
    }
    await sleep(POLL_MS);
  }
}

function release(lease) {
  slots = slots.filter((s) => s !== lease);
}

async function runGo(req, env, ctx, limit, timeoutMs) {
  const lease = await acquire(limit, timeoutMs);
  let timer;
  const answer = (async () => {
    try {
      const res = await worker.fetch(req, env, ctx);
      // Read the (small) body here so the Go instance has finished, and its
      // memory can be collected, before the next request gets the slot.
      const body = await res.arrayBuffer();
      return new Response(body, res);
    } catch (e) {
      return jsonError(500, `worker: ${e && e.message ? e.message : e}`);
    } finally {
      release(lease);
    }
  })();
  // A client that disconnects must not cancel the slot holder half-way: the
  // lease is released when the Go instance has answered.
  ctx.waitUntil(answer);
  const timeout = new Promise((resolve) => {
    timer = setTimeout(
      () => resolve(jsonError(503, `the Go instance did not answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([answer, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function fetch(req, env, ctx) {
  try {
    const url = new URL(req.url);
    // Liveness of the isolate, answered here: never behind the gate.
    if (url.pathname === "/healthz" && (req.method === "GET" || req.method === "HEAD")) {
      return new Response(req.method === "HEAD" ? null : "ok\n", {
        headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" },
      });
    }
    if (url.pathname === "/classify" && req.method === "POST") {
      const up = await readUpload(req, env);
      if (up instanceof Response) return up;
      req = new Request(req.url, { method: "POST", headers: req.headers, body: up });
    }
    const limit = Math.max(1, Number(env.GO_INSTANCES) || DEFAULT_INSTANCES);
    const timeoutMs = Number(env.GO_TIMEOUT_MS) || DEFAULT_TIMEOUT_MS;
    return await runGo(req, env, ctx, limit, timeoutMs);
  } catch (e) {
    return jsonError(500, `worker: ${e && e.message ? e.message : e}`);
  }
}

export default { fetch };
