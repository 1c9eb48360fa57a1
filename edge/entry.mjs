// Entry module of the worker: syumai/workers' generated glue (build/), behind
// a gate that bounds how many Go instances are alive at once.
//
// Why a gate: the glue starts a new Go instance per request, and each one is
// a new WebAssembly memory holding its own copy of the data segment — the
// 25 MB model — plus the Go heap. An instance is created as soon as a request
// arrives, while inference runs on the isolate's single thread anyway, so
// eight requests arriving together would hold eight models' worth of memory
// (well over the 128 MB per isolate) for no gain in throughput. With the gate,
// requests wait their turn in JavaScript, costing only their bodies.
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

// worker.mjs imports wasm_exec.js, which sets globalThis.Go; imports are
// evaluated before this module's body, so Go exists here. The glue calls
// `new Go()` per request through the global, so replacing it here reaches
// every instance. attachKernelModules adds the "kernels" imports to
// go.importObject, which the glue spreads into the instance's imports; the
// kernel module is instantiated on the instance's memory when Go starts.
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
// A request that has not answered after this long is treated as lost (a Go
// instance that died before answering never settles its promise), so one bad
// instance cannot hold the gate for ever.
const DEFAULT_TIMEOUT_MS = 120_000;

let active = 0;
const waiting = [];

function acquire(limit) {
  if (active < limit) {
    active++;
    return Promise.resolve();
  }
  return new Promise((resolve) => waiting.push(resolve));
}

function release() {
  const next = waiting.shift();
  if (next) next(); // the slot passes straight to the next request
  else active--;
}

function jsonError(status, message) {
  return new Response(JSON.stringify({ error: message }) + "\n", {
    status,
    headers: { "content-type": "application/json", "cache-control": "no-store" },
  });
}

async function fetch(req, env, ctx) {
  const limit = Math.max(1, Number(env.GO_INSTANCES) || DEFAULT_INSTANCES);
  const timeoutMs = Number(env.GO_TIMEOUT_MS) || DEFAULT_TIMEOUT_MS;
  await acquire(limit);
  let timer;
  try {
    const answer = (async () => {
      const res = await worker.fetch(req, env, ctx);
      // Read the (small) body here so the Go instance has finished, and its
      // memory can be collected, before the next request gets the slot.
      const body = await res.arrayBuffer();
      return new Response(body, res);
    })();
    const timeout = new Promise((resolve) => {
      timer = setTimeout(
        () => resolve(jsonError(503, `the Go instance did not answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    return await Promise.race([answer, timeout]);
  } catch (e) {
    return jsonError(500, `worker: ${e && e.message ? e.message : e}`);
  } finally {
    clearTimeout(timer);
    release();
  }
}

export default { fetch };
