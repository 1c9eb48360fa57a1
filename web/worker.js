// The engine's home: a dedicated module worker that owns the Go WebAssembly
// instance, so the page never freezes during a forward pass.
//
// Protocol — requests {id, op, ...}; replies {id, ok: true, value} or
// {id, ok: false, error, code}; unsolicited {type: 'progress', what,
// loaded, total}. Ops: init, load, classify (encoded bytes), classifyRGBA
// (pixels), classifyBitmap (ImageBitmap, closed here on every path). The
// classify ops take {k, downscale}: see web/downscale.js for when the
// browser downscales before Go; result.ms.path says which path ran.

import { LoadError, cachedBytes, download, parseHeader, sha256, storeBytes, verifyModel } from './loader.js';
import { FACTOR, centreCut, dctHint, downscaleSize } from './downscale.js';

let go = null; // the Go runtime; resnetGo is the API its main registers
let exited = null;
let resize = 0; // the loaded model's preprocess resize and crop (0: none loaded)
let crop = 0;

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
  ({ resize, crop } = info);
  return { info, ms, fromCache, sha256: header.sha256 };
}

// finish turns Go's reply into the worker's: browser-side stages (extra)
// first, Go's own after, and which path the pixels took.
function finish(v, t0, extra, path) {
  const r = checked(v);
  r.ms = { ...extra, ...r.ms, worker: performance.now() - t0, path };
  return r;
}

// BROWSER_ORIENTS are the formats whose EXIF orientation Chromium applies
// as Go does (JPEG APP1, PNG eXIf) or that carry none. Chromium ignores a
// WebP's EXIF orientation, which Go honours: a large WebP keeps Go's path,
// slow but the command line's.
const BROWSER_ORIENTS = { jpeg: true, png: true, gif: true, bmp: true };

// classify takes encoded bytes. Go reads the header first (its own checks,
// no decoding): an image no larger than the model needs goes through Go's
// decoder, exactly as on the command line; a larger one is decoded and
// downscaled by the browser; a format Go does not decode (AVIF, HEIC on
// Safari…) is decoded by the browser too.
async function classify({ bytes, k = 5, downscale = FACTOR }) {
  const t0 = performance.now();
  const u8 = new Uint8Array(bytes);
  const probe = api().probe(u8);
  if (probe.error && probe.code !== 'format') checked(probe);
  const stored = probe.error ? null : probe;
  const ms = { probe: performance.now() - t0 };
  const big = stored && BROWSER_ORIENTS[stored.format] && downscaleSize(stored.width, stored.height, resize, downscale);
  if (stored && (!big || typeof createImageBitmap !== 'function')) {
    return finish(api().classify(u8, k), t0, ms, 'go-decode');
  }
  let frame;
  try {
    frame = await browserDecode(bytes, stored, downscale, ms);
  } catch {
    // Go decodes everything it probed; the browser's failure is not final.
    if (stored) return finish(api().classify(u8, k), t0, ms, 'go-decode');
    checked(probe); // neither decoder knows it: report Go's message
  }
  const r = finish(api().classifyRGBA(frame.data, frame.width, frame.height, 4 * frame.width, k), t0, ms, frame.path);
  r.decoder = 'browser';
  return r;
}

// browserDecode decodes with EXIF orientation applied (by the browser, the
// one time it is applied: pixels carry no EXIF to Go) and, when the image is
// larger than the model needs, downscales it (downscale.js). ImageDecoder
// (WebCodecs) is preferred for JPEG: it decodes at a reduced DCT scale. It
// carries orientation as the frame's rotation/flip, which createImageBitmap
// applies; without those fields it would drop it, so it is used only where
// VideoFrame has them. ICC profiles are ignored, as Go (and PIL, which the
// models were trained with) ignore them.
async function browserDecode(bytes, stored, factor, ms) {
  let t = performance.now();
  const type = stored && `image/${stored.format}`;
  let src;
  if (stored && typeof ImageDecoder === 'function' && typeof VideoFrame === 'function' && 'rotation' in VideoFrame.prototype && (await ImageDecoder.isTypeSupported(type))) {
    const short = Math.round(factor * resize);
    const hint = stored.format === 'jpeg' ? dctHint(stored.width, stored.height, short) : {};
    src = await decodeFrame(bytes, type, hint);
    if (Math.min(src.displayWidth, src.displayHeight) < short && hint.desiredWidth) {
      src.close(); // scaled below what was asked: decode in full instead
      src = await decodeFrame(bytes, type, {});
    }
  } else {
    src = await createImageBitmap(new Blob([bytes]), { imageOrientation: 'from-image', colorSpaceConversion: 'none' });
  }
  ms.browserDecode = performance.now() - t;
  try {
    const w = src.displayWidth ?? src.width;
    const h = src.displayHeight ?? src.height;
    // The intermediate's size comes from the full-size image (upright), not
    // from a DCT-scaled one, so Go's resize lands on the command line's size.
    let [W, H] = stored ? [stored.width, stored.height] : [w, h];
    if (W > H !== w > h) [W, H] = [H, W];
    const size = downscaleSize(W, H, resize, factor);
    t = performance.now();
    const frame = await pixels(src, size, factor, ms);
    if (size) ms.downscale = performance.now() - t - ms.readback;
    return { ...frame, path: size ? 'browser-downscale' : 'browser-decode' };
  } finally {
    src.close();
  }
}

async function decodeFrame(bytes, type, hint) {
  const dec = new ImageDecoder({ data: bytes, type, colorSpaceConversion: 'none', ...hint });
  try {
    return (await dec.decode()).image;
  } finally {
    dec.close();
  }
}

// pixels reads an ImageBitmap or VideoFrame as RGBA, first downscaled to
// size when given (Skia's high-quality filter: mipmaps, then cubic) and cut
// to the part Go's resize and crop use (downscale.js centreCut).
async function pixels(src, size, factor, ms) {
  let img = src;
  if (size) img = await createImageBitmap(src, { resizeWidth: size.width, resizeHeight: size.height, resizeQuality: 'high' });
  const t = performance.now();
  try {
    const width = img.displayWidth ?? img.width;
    const height = img.displayHeight ?? img.height;
    const ctx = new OffscreenCanvas(width, height).getContext('2d', { willReadFrequently: true });
    ctx.drawImage(img, 0, 0);
    const cut = (size && centreCut(width, height, resize, crop, factor)) || { x: 0, y: 0, width, height };
    const data = ctx.getImageData(cut.x, cut.y, cut.width, cut.height);
    ms.readback = performance.now() - t;
    return { data: new Uint8Array(data.data.buffer), width: cut.width, height: cut.height };
  } finally {
    if (img !== src) img.close();
  }
}

// classifyRGBA and classifyBitmap take pixels (ImageData, frames): they
// too are downscaled by the browser when larger than the model needs.
async function classifyRGBA({ pix, width, height, k = 5, downscale = FACTOR }) {
  const t0 = performance.now();
  const size = downscaleSize(width, height, resize, downscale);
  if (!size || typeof createImageBitmap !== 'function') {
    return finish(api().classifyRGBA(new Uint8Array(pix), width, height, width * 4, k), t0, {}, 'go-pixels');
  }
  const bitmap = await createImageBitmap(new ImageData(new Uint8ClampedArray(pix), width, height));
  return classifyBitmap({ bitmap, k, downscale, t0 });
}

async function classifyBitmap({ bitmap, k = 5, downscale = FACTOR, t0 = performance.now() }) {
  const ms = {};
  let frame;
  try {
    const size = downscaleSize(bitmap.width, bitmap.height, resize, downscale);
    const t = performance.now();
    frame = await pixels(bitmap, size, downscale, ms);
    if (size) ms.downscale = performance.now() - t - ms.readback;
  } finally {
    bitmap.close();
  }
  const path = ms.downscale === undefined ? 'go-pixels' : 'browser-downscale';
  return finish(api().classifyRGBA(frame.data, frame.width, frame.height, frame.width * 4, k), t0, ms, path);
}
