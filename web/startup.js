// The worker's half of the start-up: the page downloads and compiles (see
// web/assets.js) while this worker starts. init links the compiled engine
// with its kernels and starts Go; expect gives Go the head of the model
// still downloading; load hands Go the whole model, held aside until commit
// (the page verifies it meanwhile), then the image code is warmed up; store
// puts the model in Cache Storage when the page says the moment has come.

import { LoadError, storeBytes } from './loader.js';

let go = null; // the Go runtime; resnetGo is the API its main registers
let kernelPool = null; // the thread pool (engine/kernels/wat/pool.mjs), if any
let exited = null;
let current = null; // the loaded model's info (resize and crop for the worker)
let unstored = null; // {sha256, bytes} of the last model downloaded, until stored

// engine settles when init has started Go (or failed: load reports why).
let settle;
const engine = new Promise((resolve, reject) => (settle = { resolve, reject }));
engine.catch(() => {}); // load re-throws it where someone listens

export function api() {
  if (exited) throw new LoadError(exited, 'exited');
  if (!self.resnetGo) throw new LoadError('The engine is not started yet.', 'not-ready');
  return self.resnetGo;
}

// model is the loaded model's info ({resize, crop, …}), or null.
export function model() {
  return current;
}

// checked turns the Go side's error values into exceptions with codes.
export function checked(v) {
  if (v && v.error) {
    const e = new Error(v.error);
    e.code = v.code;
    throw e;
  }
  return v;
}

// imports holds the worker's dynamic imports by URL: prepare starts them
// while the page is still compiling the engine, init awaits them.
const imports = new Map();
function importOnce(url) {
  if (!imports.has(url)) imports.set(url, import(url));
  return imports.get(url);
}

// prepare starts loading wasm_exec.js and the kernel loader, so that init
// (which waits for the compiled engine) does not have to.
export function prepare({ wasmExec, loader }) {
  for (const url of [wasmExec, loader]) if (url) importOnce(url).catch(() => {}); // init reports it
}

// init starts the engine: wasm_exec.js, the engine's compiled module and —
// unless the build is -tags purego — the kernel modules it imports
// (engine/kernels/wat: the loader links the WebAssembly SIMD kernels on
// Go's memory, or, with kernels: null, lets Go run its pure-Go twins).
// mode: 'auto' (SIMD where the browser has it), 'go' (force the twins) or
// 'simd' (fail without it).
export async function init(msg, mark) {
  try {
    const r = await start(msg, mark);
    settle.resolve();
    return r;
  } catch (e) {
    // A pool that would not start is retried single-threaded (web/resnet.js).
    if (e.code !== 'threads') settle.reject(e);
    throw e;
  }
}

async function start({ module, forwarder, kernels, wasmExec, loader: loaderURL, mode = 'auto', threads = 1, pool: poolURL, limits }, mark) {
  if (typeof WebAssembly !== 'object' || typeof WebAssembly.instantiate !== 'function') {
    throw new LoadError('This browser cannot run WebAssembly, which the classifier needs.', 'no-wasm');
  }
  if (!(module instanceof WebAssembly.Module) || !wasmExec) throw new LoadError('The WebAssembly build is missing on the server (run `make wasm`).', 'missing');
  const t = performance.now();
  mark('init');
  const loaderImport = loaderURL
    ? importOnce(loaderURL).catch((e) => {
        throw new LoadError(`The WebAssembly kernel loader failed to load: ${e.message}`, 'missing');
      })
    : null;
  const [, loader] = await Promise.all([importOnce(wasmExec), loaderImport]); // wasm_exec.js defines globalThis.Go
  const simd = !!loader && mode !== 'go' && !!kernels && loader.simdSupported();
  if (mode === 'simd' && !simd) {
    throw new LoadError('This browser has no WebAssembly SIMD, which ?kernels=simd asks for.', 'no-simd');
  }
  if (threads > 1) return startThreaded({ module, kernels, threads, poolURL, limits }, mark, t);
  go = new self.Go();
  let instance;
  try {
    if (WebAssembly.Module.imports(module).some((i) => i.module === 'kernels')) {
      if (!loader || !forwarder) throw new LoadError('The WebAssembly kernels are missing on the server (run `make wasm`).', 'missing');
      await loader.attachKernels(go, { forwarder, kernels: simd ? kernels : null });
    }
    instance = await WebAssembly.instantiate(module, go.importObject);
  } catch (e) {
    if (e instanceof LoadError) throw e;
    throw new LoadError(`The WebAssembly module failed to compile: ${e.message}`, 'compile');
  }
  mark('wasm-instantiated');
  run(instance);
  mark('go-started');
  return { ms: { start: performance.now() - t }, simd, threads: 1 };
}

// run starts Go. run() resolves only when Go's main returns, which it never
// should; if it does (a fatal error), every later call must fail clearly.
function run(instance) {
  exited = null;
  go.run(instance).then(() => {
    exited = 'The engine stopped unexpectedly. Reload the page.';
  });
  if (!self.resnetGo) throw new LoadError('The WebAssembly module did not start.', 'compile');
}

// startThreaded is start on a shared memory with the kernels split over
// threads workers (engine/kernels/wat/pool.mjs): module is the engine built
// with its memory imported (resnet-shared.wasm), kernels the shared-memory
// kernel module's bytes. limits ({memory, model, decode} in bytes, from the
// page: web/resnet.js) size the memory from the model; Go learns the model
// and decode budgets that keep it inside (wasm/main.go). Any failure here is
// a LoadError with code 'threads': the page then starts single-threaded.
async function startThreaded({ module, kernels, threads, poolURL, limits }, mark, t) {
  let pool;
  try {
    if (!poolURL || !kernels) throw new Error('the server has no thread pool build');
    const [{ attachKernelPool, initialPages, HELPER_NAME }, kern] = await Promise.all([importOnce(poolURL), WebAssembly.compile(kernels)]);
    const initial = initialPages(module);
    if (!initial) throw new Error('the engine module is not the shared-memory build');
    const memory = new WebAssembly.Memory({ initial, maximum: Math.ceil(limits.memory / 65536), shared: true });
    shareSafeViews();
    go = new self.Go();
    pool = await attachKernelPool(go, {
      kernels: kern,
      memory,
      threads,
      spawn: () => new Worker(helperURL(poolURL), { type: 'module', name: HELPER_NAME }),
    });
    self.resnetLimits = { memory: limits.memory, model: limits.model, decode: limits.decode };
    const instance = await WebAssembly.instantiate(module, go.importObject);
    mark('wasm-instantiated');
    run(instance);
  } catch (e) {
    pool?.stop();
    go = null;
    throw new LoadError(`Could not start on ${threads} threads: ${e.message}`, 'threads');
  }
  kernelPool = pool;
  mark('go-started');
  return { ms: { start: performance.now() - t }, simd: true, threads: pool.threads };
}

// withLiveThreads runs f with one thread fewer in the pool: the camera's
// live mode prepares the next frame on the page's thread while the worker
// classifies this one, and on two cores a second kernel thread fought it
// for the CPU (ResNet-50: 7.9 frames/s with 2 threads against 8.9 with 1,
// make bench), so the pipeline keeps a core to itself.
export async function withLiveThreads(f) {
  const p = kernelPool;
  if (!p || p.threads < 2) return f();
  p.setThreads(p.threads - 1);
  try {
    return await f();
  } finally {
    p.setThreads(p.threads);
  }
}

// helperURL vets the pool's helper script for the Worker constructor under
// Trusted Types (the CSP in cmd/serve allows one policy, "resnet"; this
// worker is its own realm): the page's own pool.mjs, nothing else.
let ttPolicy;
function helperURL(u) {
  const url = new URL(u, self.location.href);
  if (url.origin !== self.location.origin || !url.pathname.endsWith('/kernels/pool.mjs')) {
    throw new Error(`refusing kernel helper URL ${u}`);
  }
  if (!self.trustedTypes) return url.href;
  ttPolicy ??= self.trustedTypes.createPolicy('resnet', {
    createScriptURL: (x) => {
      if (x !== url.href) throw new TypeError(`refusing script URL ${x}`);
      return x;
    },
  });
  return ttPolicy.createScriptURL(url.href);
}

// shareSafeViews lets wasm_exec.js work on a shared memory: TextDecoder and
// crypto.getRandomValues refuse views of a SharedArrayBuffer, and
// wasm_exec.js hands them views of Go's memory. Both get a copy instead.
function shareSafeViews() {
  // wasm_exec.js made its decoders when it loaded: patch the prototype.
  const unshared = (v) => (v && v.buffer instanceof SharedArrayBuffer ? new Uint8Array(v.buffer, v.byteOffset, v.byteLength).slice() : v);
  const decode = TextDecoder.prototype.decode;
  TextDecoder.prototype.decode = function (v, o) {
    return decode.call(this, unshared(v), o);
  };
  const random = crypto.getRandomValues.bind(crypto);
  crypto.getRandomValues = (v) => {
    if (!(v.buffer instanceof SharedArrayBuffer)) return random(v);
    const copy = random(v.slice());
    v.set(copy);
    return v;
  };
}

// load hands Go a model and, with hold, keeps it aside (wasm/main.go) until
// commit: the page checks the bytes' SHA-256 meanwhile. fromCache: the
// bytes came from Cache Storage, so they are not kept for store.
export async function load({ bytes, sha256, fromCache, hold }, mark) {
  await engine; // init's failure is this load's failure too
  const u8 = new Uint8Array(bytes);
  const t = performance.now();
  const { info } = checked(api().load(u8, !!hold));
  const ms = { load: performance.now() - t };
  mark('model-loaded');
  const done = { info, sha256, bytes: fromCache ? null : u8 };
  if (hold) held = done;
  else use(done, mark);
  return { info, ms };
}

let held = null; // the model loaded with hold, until commit

// commit makes the held model the one in use (keep), or drops it.
export function commit({ keep }, mark) {
  const m = held;
  held = null;
  checked(api().commit(!!keep));
  if (keep && m) use(m, mark);
}

function use({ info, sha256, bytes }, mark) {
  current = info;
  // Go has its own copy: these bytes are only kept for the cache.
  unstored = bytes && { sha256, bytes };
  // The page is told the model is ready, and the first image takes a while
  // to come (a fetch, a file picker, at least a message): meanwhile, once,
  // the first calls of the code that decodes and preprocesses it.
  if (!imageWarmed) {
    imageWarmed = true;
    setTimeout(() => warm(mark), 0);
  }
}

let imageWarmed = false;

// warm runs Go's warm-up (wasm/warmup.go). A failure costs speed, not
// correctness: it is not reported.
function warm(mark) {
  try {
    api().warmup();
    mark('warmed-up');
  } catch {
    // the engine has stopped: the next request says so
  }
}

// expect hands Go the header and JSON section of the model being
// downloaded (see wasm/main.go), once Go runs.
export async function expect({ head }, mark) {
  await engine;
  checked(api().expect(new Uint8Array(head)));
  mark('model-expected');
}

// store writes the last model loaded to Cache Storage, if it is the one
// named and was downloaded; resolves with whether it did.
export async function store({ sha256 }) {
  const m = unstored;
  if (!m || m.sha256 !== sha256) return false;
  unstored = null;
  return storeBytes(m.sha256, m.bytes, 'application/octet-stream');
}
