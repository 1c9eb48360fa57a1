// The engine's home: a dedicated module worker that owns the Go WebAssembly
// instance, so the page never freezes during a forward pass.
//
// Protocol — requests {id, op, ...}; replies {id, ok: true, value} or
// {id, ok: false, error, code}; unsolicited {type: 'mark', name, at}.
// Start-up ops (web/startup.js; the page downloads, web/assets.js): prepare,
// init (the compiled engine), expect (a model's head), load (its bytes,
// held), commit (once the page has verified them), store. Classify ops:
// classify (encoded bytes), classifyRGBA (pixels), classifyBitmap
// (ImageBitmap, closed here on every path); they take {k, downscale, cam}:
// see web/downscale.js for when the browser downscales before Go; cam asks
// Go for the class activation maps of the top-k (result.cams);
// result.ms.path says which path ran.

import { FACTOR, centreCut, dctHint, downscaleSize } from './downscale.js';
import { api, checked, commit, expect, init, load, model, prepare, store, withLiveThreads } from './startup.js';

const ops = {
  prepare,
  init: (msg) => init(msg, mark),
  expect: (msg) => expect(msg, mark),
  load: (msg) => load(msg, mark),
  commit: (msg) => commit(msg, mark),
  store,
  classify,
  classifyRGBA,
  classifyBitmap,
};

// sizes are the loaded model's preprocessing sizes (0 before one is loaded).
const sizes = () => model() || { resize: 0, crop: 0 };

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

// mark puts a named instant on the page's performance timeline (the
// worker's own clock has another origin): the start-up breakdown that
// bench/cold.mjs reads with performance.getEntriesByType('mark').
function mark(name) {
  self.postMessage({ type: 'mark', name, at: performance.timeOrigin + performance.now() });
}
mark('worker');

function transferables(v) {
  const crop = v && v.crop;
  return crop && crop.data ? [crop.data.buffer] : [];
}

function closeBitmap(msg) {
  if (msg && msg.bitmap && typeof msg.bitmap.close === 'function') msg.bitmap.close();
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
async function classify({ bytes, k = 5, downscale = FACTOR, cam = false }) {
  const t0 = performance.now();
  const { resize } = sizes();
  const u8 = new Uint8Array(bytes);
  const probe = api().probe(u8);
  if (probe.error && probe.code !== 'format') checked(probe);
  const stored = probe.error ? null : probe;
  const ms = { probe: performance.now() - t0 };
  const big = stored && BROWSER_ORIENTS[stored.format] && downscaleSize(stored.width, stored.height, resize, downscale);
  if (stored && (!big || typeof createImageBitmap !== 'function')) {
    return finish(api().classify(u8, k, cam), t0, ms, 'go-decode');
  }
  let frame;
  try {
    frame = await browserDecode(bytes, stored, downscale, ms);
  } catch {
    // Go decodes everything it probed; the browser's failure is not final.
    if (stored) return finish(api().classify(u8, k, cam), t0, ms, 'go-decode');
    checked(probe); // neither decoder knows it: report Go's message
  }
  const r = finish(api().classifyRGBA(frame.data, frame.width, frame.height, 4 * frame.width, k, cam), t0, ms, frame.path);
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
  const { resize } = sizes();
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
  const { resize, crop } = sizes();
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
// live: a camera frame in live mode (web/startup.js, withLiveThreads).
async function classifyRGBA({ pix, width, height, k = 5, downscale = FACTOR, cam = false, live = false }) {
  if (live) return withLiveThreads(() => classifyRGBA({ pix, width, height, k, downscale, cam }));
  const t0 = performance.now();
  const { resize } = sizes();
  const size = downscaleSize(width, height, resize, downscale);
  if (!size || typeof createImageBitmap !== 'function') {
    return finish(api().classifyRGBA(new Uint8Array(pix), width, height, width * 4, k, cam), t0, {}, 'go-pixels');
  }
  const bitmap = await createImageBitmap(new ImageData(new Uint8ClampedArray(pix), width, height));
  return classifyBitmap({ bitmap, k, downscale, cam, t0 });
}

async function classifyBitmap({ bitmap, k = 5, downscale = FACTOR, cam = false, t0 = performance.now() }) {
  const ms = {};
  const { resize } = sizes();
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
  return finish(api().classifyRGBA(frame.data, frame.width, frame.height, frame.width * 4, k, cam), t0, ms, path);
}
