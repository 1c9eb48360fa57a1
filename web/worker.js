// The engine's home: a dedicated module worker that owns the Go WebAssembly
// instance, so the page never freezes during a forward pass.
//
// Protocol — requests {id, op, ...}; replies {id, ok: true, value} or
// {id, ok: false, error, code}; unsolicited {type: 'progress', what,
// loaded, total}. Ops: init, load, classify (encoded bytes), classifyRGBA
// (pixels), classifyBitmap (ImageBitmap, closed here on every path).

import { LoadError, cachedBytes, download, parseHeader, sha256, storeBytes, verifyModel } from './loader.js';

let go = null; // the Go runtime; resnetGo is the API its main registers
let exited = null;

const ops = { init, load, classify, classifyRGBA, classifyBitmap };

self.onmessage = async (ev) => {
  const { id, op } = ev.data;
  try {
    if (!ops[op]) throw new Error(`unknown op ${op}`);
    const value = await ops[op](ev.data);
    self.postMessage({ id, ok: true, value }, transferables(value));
  } catch (e) {
    closeBitmap(ev.data);
    self.postMessage({ id, ok: false, error: e.message || String(e), code: e.code || 'error' });
  }
};

function progress(what, loaded, total) {
  self.postMessage({ type: 'progress', what, loaded, total });
}

function transferables(v) {
  const crop = v && v.crop;
  return crop && crop.data ? [crop.data.buffer] : [];
}

function closeBitmap(msg) {
  if (msg && msg.bitmap && typeof msg.bitmap.close === 'function') msg.bitmap.close();
}

// init starts the engine: wasm_exec.js, the engine's wasm and — unless the
// build is -tags purego — the kernel modules it imports (engine/kernels/wasm:
// the loader links the WebAssembly SIMD kernels on Go's memory, or, with
// kernels: null, lets Go run its pure-Go twins). mode: 'auto' (SIMD where
// the browser has it), 'go' (force the twins) or 'simd' (fail without it).
async function init({ wasm, wasmExec, kernels, mode = 'auto' }) {
  if (typeof WebAssembly !== 'object' || typeof WebAssembly.instantiate !== 'function') {
    throw new LoadError('This browser cannot run WebAssembly, which the classifier needs.', 'no-wasm');
  }
  if (!wasm || !wasmExec) throw new LoadError('The WebAssembly build is missing on the server (run `make wasm`).', 'missing');
  const ms = {};
  let t = performance.now();
  await import(wasmExec); // defines globalThis.Go
  let loader = null;
  if (kernels) {
    try {
      loader = await import(kernels.loader);
    } catch (e) {
      throw new LoadError(`The WebAssembly kernel loader failed to load: ${e.message}`, 'missing');
    }
  }
  const simd = !!loader && mode !== 'go' && loader.simdSupported();
  if (mode === 'simd' && !simd) {
    throw new LoadError('This browser has no WebAssembly SIMD, which ?kernels=simd asks for.', 'no-simd');
  }
  // The kernel modules are small (a few kB): no progress events for them.
  const [main, fwd, kern] = await Promise.all([
    cachedAsset(wasm, 'The WebAssembly file', (l, n) => progress('wasm', l, n)),
    loader && cachedAsset(kernels.forwarder, 'The kernel forwarder'),
    simd && cachedAsset(kernels.kernels, 'The SIMD kernel module'),
  ]);
  ms.download = performance.now() - t;
  t = performance.now();
  go = new self.Go();
  let instance;
  try {
    const module = await WebAssembly.compile(main.bytes);
    if (WebAssembly.Module.imports(module).some((i) => i.module === 'kernels')) {
      if (!loader) throw new LoadError('The WebAssembly kernels are missing on the server (run `make wasm`).', 'missing');
      await loader.attachKernels(go, { forwarder: fwd.bytes, kernels: simd ? kern.bytes : null });
    }
    instance = await WebAssembly.instantiate(module, go.importObject);
  } catch (e) {
    if (e instanceof LoadError) throw e;
    throw new LoadError(`The WebAssembly module failed to compile: ${e.message}`, 'compile');
  }
  ms.compile = performance.now() - t;
  // run() resolves only when Go's main returns, which it never should; if it
  // does (a fatal error), every later call must fail clearly.
  exited = null;
  go.run(instance).then(() => { exited = 'The engine stopped unexpectedly. Reload the page.'; });
  if (!self.resnetGo) throw new LoadError('The WebAssembly module did not start.', 'compile');
  return { ms, fromCache: main.fromCache, bytes: main.bytes.length, simd };
}

// cachedAsset returns a manifest entry's bytes from the cache, keyed by its
// content hash, or downloads, verifies and stores them.
async function cachedAsset(asset, what, onProgress) {
  let bytes = await cachedBytes(asset.sha256);
  if (bytes) return { bytes, fromCache: true };
  ({ bytes } = await download(asset.url, { expect: asset.bytes, onProgress }));
  if ((await sha256(bytes)) !== asset.sha256) {
    throw new LoadError(`${what} does not match its published hash (stale or corrupted download). Reload the page.`, 'wasm-checksum');
  }
  await storeBytes(asset.sha256, bytes, 'application/wasm');
  return { bytes, fromCache: false };
}

function api() {
  if (exited) throw new LoadError(exited, 'exited');
  if (!self.resnetGo) throw new LoadError('The engine is not started yet.', 'not-ready');
  return self.resnetGo;
}

// checked turns the Go side's error values into exceptions with codes.
function checked(v) {
  if (v && v.error) {
    const e = new Error(v.error);
    e.code = v.code;
    throw e;
  }
  return v;
}

async function load({ url, sha256: known }) {
  api();
  const ms = {};
  let t = performance.now();
  let bytes = known ? await cachedBytes(known) : null;
  let fromCache = !!bytes;
  if (!bytes) {
    // The header carries the body's checksum: once the first 64 bytes are
    // in, a model already in the cache under that hash stops the download.
    const r = await download(url, {
      firstBytes: 64,
      onProgress: (l, n) => progress('model', l, n),
      onFirst: async (head) => {
        const h = parseHeader(head);
        const hit = await cachedBytes(h.sha256);
        return hit ? { stop: true, value: hit } : { total: h.length };
      },
    });
    fromCache = !!r.stopped;
    bytes = r.stopped || r.bytes;
  }
  ms.download = performance.now() - t;
  t = performance.now();
  const header = await verifyModel(bytes);
  ms.verify = performance.now() - t;
  if (!fromCache) await storeBytes(header.sha256, bytes, 'application/octet-stream');
  t = performance.now();
  const { info } = checked(api().load(bytes));
  ms.load = performance.now() - t;
  return { info, ms, fromCache, sha256: header.sha256 };
}

function finish(v, t0, extra) {
  const r = checked(v);
  r.ms = { ...extra, ...r.ms, worker: performance.now() - t0 };
  return r;
}

async function classify({ bytes, k = 5 }) {
  const t0 = performance.now();
  const v = api().classify(new Uint8Array(bytes), k);
  if (v && v.code === 'format' && typeof createImageBitmap === 'function') {
    // A format Go does not decode (AVIF, HEIC on Safari…): let the browser
    // decode it. It applies EXIF orientation itself, and Go never sees the
    // EXIF, so orientation is applied exactly once either way.
    let bitmap;
    try {
      bitmap = await createImageBitmap(new Blob([bytes]), { imageOrientation: 'from-image' });
    } catch {
      checked(v); // neither decoder knows it: report Go's message
    }
    const t = performance.now();
    const r = await classifyBitmap({ bitmap, k });
    r.ms.decode = (r.ms.decode || 0) + (t - t0);
    r.decoder = 'browser';
    return r;
  }
  return finish(v, t0);
}

async function classifyRGBA({ pix, width, height, k = 5 }) {
  const t0 = performance.now();
  return finish(api().classifyRGBA(new Uint8Array(pix), width, height, width * 4, k), t0);
}

async function classifyBitmap({ bitmap, k = 5 }) {
  const t0 = performance.now();
  let data;
  try {
    const { width, height } = bitmap;
    const ctx = new OffscreenCanvas(width, height).getContext('2d', { willReadFrequently: true });
    ctx.drawImage(bitmap, 0, 0);
    data = ctx.getImageData(0, 0, width, height);
  } finally {
    bitmap.close();
  }
  const readback = performance.now() - t0;
  return finish(api().classifyRGBA(new Uint8Array(data.data.buffer), data.width, data.height, data.width * 4, k), t0, { readback });
}
