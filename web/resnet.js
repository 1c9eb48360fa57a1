// The page's handle on the engine: starts the worker, loads models and turns
// every supported input into what the worker takes (encoded bytes for files,
// an ImageBitmap for elements and frames, pixels for ImageData). It is also
// window.resnet: {ready, classify(input, {k, downscale}), loadModel(url)}
// (DESIGN.md). Large inputs are downscaled by the browser first
// (downscale.js); timings.path says which path ran.

import { FACTOR, checkFactor } from './downscale.js';

// KERNEL_MODES are the values of the page's ?kernels= switch: 'auto' (the
// WebAssembly SIMD kernels where the browser has SIMD, else pure Go), 'go'
// (always the pure-Go twins: comparisons, benchmarks) or 'simd' (fail
// rather than fall back).
export const KERNEL_MODES = ['auto', 'go', 'simd'];

export class Engine extends EventTarget {
  constructor(manifest, { kernels = 'auto' } = {}) {
    super();
    if (!KERNEL_MODES.includes(kernels)) throw new TypeError(`kernels must be one of ${KERNEL_MODES.join(', ')}, not ${JSON.stringify(kernels)}`);
    this.kernelMode = kernels;
    this.manifest = manifest;
    this.worker = null;
    this.nextId = 1;
    this.pending = new Map();
    this.info = null;
    this.startup = {}; // download/compile/verify/load timings of the last start
    this.started = null;
  }

  // start launches the worker and the wasm once; later calls share it.
  start() {
    if (!this.started) this.started = this.#start();
    return this.started;
  }

  async #start() {
    if (typeof WebAssembly !== 'object') {
      throw Object.assign(new Error('This browser cannot run WebAssembly, which the classifier needs.'), { code: 'no-wasm' });
    }
    const { wasm, wasmExec, kernels, missing } = this.manifest;
    if (!wasm || !wasmExec) {
      throw Object.assign(new Error(`The server is missing ${missing ? missing.join(' and ') : 'the wasm build'}.`), { code: 'missing' });
    }
    this.worker = new Worker(workerURL(), { type: 'module', name: 'resnet' });
    this.worker.onmessage = (ev) => this.#onMessage(ev.data);
    this.worker.onerror = (ev) => {
      ev.preventDefault();
      this.#failAll(new Error(`The classifier worker failed: ${ev.message || 'it could not start'}`));
    };
    const abs = (u) => u && new URL(u, location.href).href;
    const k = kernels && { ...kernels, loader: abs(kernels.loader) };
    const r = await this.#call({ op: 'init', wasm, wasmExec: abs(wasmExec), kernels: k, mode: this.kernelMode });
    this.startup.wasm = r;
    return r;
  }

  #onMessage(m) {
    if (m.type === 'progress') {
      this.dispatchEvent(new CustomEvent('progress', { detail: m }));
      return;
    }
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if (m.ok) p.resolve(m.value);
    else p.reject(Object.assign(new Error(m.error), { code: m.code }));
  }

  #failAll(err) {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  #call(msg, transfer = []) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...msg, id }, transfer);
    });
  }

  // loadModel fetches (or finds in the cache), verifies and loads a model.
  // Models the server lists are matched by URL so their hash is known and
  // a cached copy needs no request at all.
  async loadModel(url) {
    await this.start();
    const abs = new URL(url, location.href);
    const listed = this.manifest.models.find((m) => samePath(new URL(m.url, location.href), abs));
    const r = await this.#call({ op: 'load', url: listed ? new URL(listed.url, location.href).href : abs.href, sha256: listed?.sha256 });
    this.info = { ...r.info, sha256: r.sha256, url: abs.href };
    this.startup.model = r;
    this.firstRun = true;
    return this.info;
  }

  // classify accepts Blob/File, ImageData, ImageBitmap, HTMLImageElement,
  // HTMLVideoElement or HTMLCanvasElement (and OffscreenCanvas, VideoFrame).
  // downscale: the factor of downscale.js, or false to keep Go's path for
  // every size.
  async classify(input, { k = 5, downscale = FACTOR, ...rest } = {}) {
    const unknown = Object.keys(rest);
    if (unknown.length) throw new TypeError(`classify: unknown option ${unknown.join(', ')} (k, downscale)`);
    downscale = checkFactor(downscale);
    const t0 = performance.now();
    let r;
    if (input instanceof Blob) {
      const bytes = await input.arrayBuffer();
      r = await this.#call({ op: 'classify', bytes, k, downscale }, [bytes]);
    } else if (typeof ImageData !== 'undefined' && input instanceof ImageData) {
      // Copy: the caller keeps its ImageData intact.
      const pix = input.data.slice().buffer;
      r = await this.#call({ op: 'classifyRGBA', pix, width: input.width, height: input.height, k, downscale }, [pix]);
    } else if (isDrawable(input)) {
      const t = performance.now();
      // The browser has already applied EXIF orientation to anything it
      // draws, and pixels carry no EXIF: orientation is applied once. The
      // bitmap is a full-size copy (for a video, of the current frame); the
      // worker downscales it when it is larger than the model needs.
      const bitmap = await toBitmap(input);
      const capture = performance.now() - t;
      r = await this.#call({ op: 'classifyBitmap', bitmap, k, downscale }, [bitmap]);
      r.ms.capture = capture;
    } else {
      throw new TypeError('classify: input must be a Blob/File, ImageData, ImageBitmap, or an image, video or canvas element');
    }
    r.ms.roundtrip = performance.now() - t0;
    const timings = { ...r.ms, first: !!this.firstRun };
    this.firstRun = false;
    const out = { top: r.top, timings };
    if (r.crop) out.crop = new ImageData(r.crop.data, r.crop.width, r.crop.height);
    if (r.decoder) out.decoder = r.decoder;
    return out;
  }
}

function samePath(a, b) {
  return a.origin === b.origin && a.pathname === b.pathname;
}

function isDrawable(x) {
  return (
    (typeof ImageBitmap !== 'undefined' && x instanceof ImageBitmap) ||
    (typeof HTMLImageElement !== 'undefined' && x instanceof HTMLImageElement) ||
    (typeof HTMLVideoElement !== 'undefined' && x instanceof HTMLVideoElement) ||
    (typeof HTMLCanvasElement !== 'undefined' && x instanceof HTMLCanvasElement) ||
    (typeof OffscreenCanvas !== 'undefined' && x instanceof OffscreenCanvas) ||
    (typeof VideoFrame !== 'undefined' && x instanceof VideoFrame)
  );
}

async function toBitmap(x) {
  if (x instanceof HTMLImageElement) {
    if (!x.complete) await x.decode();
    if (!x.naturalWidth) throw new Error('classify: the image element has no decoded image');
  }
  if (x instanceof HTMLVideoElement && x.readyState < 2) throw new Error('classify: the video has no frame yet');
  // A copy even for an ImageBitmap: transferring the caller's own would
  // close it under them.
  try {
    return await createImageBitmap(x, { imageOrientation: 'from-image' });
  } catch (e) {
    throw new Error(`classify: cannot read the pixels of this ${x.constructor.name} (${e.message})`);
  }
}

// Trusted Types (see the CSP in cmd/serve) allow only this one script URL.
let ttPolicy;
function workerURL() {
  const url = new URL('worker.js', import.meta.url).href;
  if (!self.trustedTypes) return url;
  ttPolicy ??= trustedTypes.createPolicy('resnet', {
    createScriptURL: (u) => {
      if (u !== url) throw new TypeError(`refusing script URL ${u}`);
      return u;
    },
  });
  return ttPolicy.createScriptURL(url);
}
