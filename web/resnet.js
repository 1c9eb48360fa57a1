// The page's handle on the engine: starts the worker, loads models and turns
// every supported input into what the worker takes (encoded bytes for files,
// an ImageBitmap for elements and frames, pixels for ImageData). It is also
// window.resnet: {ready, classify(input, {k, downscale, cam}), loadModel(url)}
// (docs/ARCHITECTURE.md). Large inputs are downscaled by the browser first
// (downscale.js); timings.path says which path ran.

import { engineFiles, modelFile } from './assets.js';
import { noteWrite, verifyModel } from './loader.js';
import { FACTOR, checkFactor } from './downscale.js';
import { captureFrame } from './frames.js';

// KERNEL_MODES are the values of the page's ?kernels= switch: 'auto' (the
// WebAssembly SIMD kernels where the browser has SIMD, else pure Go), 'go'
// (always the pure-Go twins: comparisons, benchmarks) or 'simd' (fail
// rather than fall back).
export const KERNEL_MODES = ['auto', 'go', 'simd'];

// MAX_THREADS bounds ?threads= (engine/kernels/wat/pool.mjs takes 32).
export const MAX_THREADS = 32;

// threadPlan says how many threads the engine will use and, when fewer than
// asked, why: threads (a number, or null for one per core) as asked; the
// manifest says whether the server has the threaded build. Threads need a
// SharedArrayBuffer, which a browser gives only to a cross-origin isolated
// page (COOP/COEP headers; on a static host, web/sw.js adds them), and a
// shared memory of the size the model needs, which may be refused (iOS).
export function threadPlan(manifest, threads, kernelMode) {
  const asked = threads ?? (navigator.hardwareConcurrency || 1);
  const want = Math.max(1, Math.min(MAX_THREADS, asked));
  const one = (why) => ({ threads: 1, asked: want, why, limits: null });
  if (want === 1) return one(threads ? 'asked for 1 thread' : 'one core');
  if (kernelMode === 'go') return one('the pure-Go kernels run on one thread');
  if (!self.crossOriginIsolated) return one('the page is not cross-origin isolated');
  if (typeof SharedArrayBuffer !== 'function') return one('this browser has no SharedArrayBuffer');
  if (!manifest.wasmShared || !manifest.kernels?.pool || !manifest.kernels?.shared) return one('the server has no threaded build');
  const limits = memoryLimits(manifest);
  try {
    new WebAssembly.Memory({ initial: 1, maximum: Math.ceil(limits.memory / 65536), shared: true });
  } catch {
    return one('this browser would not allocate the shared memory');
  }
  return { threads: want, asked: want, why: '', limits };
}

// memoryLimits sizes the shared memory from the largest model the page
// lists (a ?model= link not listed counts as 100 MB): its budget is twice
// the file (the weights, and Winograd's, about as large) plus 96 MiB of run
// state and preprocessing; the memory holds two models' budgets (the one in
// use while another loads), a decode, and Go's collector's headroom
// (wasm/main.go applies them).
function memoryLimits(manifest) {
  const MiB = 2 ** 20;
  const largest = Math.max(0, ...(manifest.models || []).map((m) => m.bytes || 0));
  const file = new URLSearchParams(location.search).has('model') ? Math.max(largest, 100e6) : largest || 100e6;
  const model = 2 * file + 96 * MiB;
  const decode = 64 * MiB;
  const memory = Math.min(4 * 1024 * MiB - 65536, 16 * MiB + 2 * (2 * model + decode));
  return { memory, model, decode };
}

export class Engine extends EventTarget {
  // manifest: the server's manifest.json, or a promise of it — the worker
  // starts booting before it arrives (web/boot.js).
  constructor(manifest, { kernels = 'auto', threads = null } = {}) {
    super();
    if (!KERNEL_MODES.includes(kernels)) throw new TypeError(`kernels must be one of ${KERNEL_MODES.join(', ')}, not ${JSON.stringify(kernels)}`);
    if (threads != null && !(Number.isInteger(threads) && threads >= 1 && threads <= MAX_THREADS)) {
      throw new TypeError(`threads must be a whole number from 1 to ${MAX_THREADS}, not ${JSON.stringify(threads)}`);
    }
    this.kernelMode = kernels;
    this.threadsAsked = threads;
    this.manifest = Promise.resolve(manifest);
    this.manifest.catch(() => {}); // whoever awaits it reports the error
    this.worker = null;
    this.nextId = 1;
    this.pending = new Map();
    this.info = null;
    this.startup = {}; // download/compile/verify/load timings of the last start
    this.started = null;
    this.loading = null; // {key, promise} of the model load in flight
    this.active = 0; // engine work in flight (see quiet)
    // handedOver settles when the compiled engine has been posted to the
    // worker, or start has failed before it could be.
    this.handedOver = new Promise((resolve, reject) => (this.handOver = { resolve, reject }));
    this.handedOver.catch(() => {});
    // engineIn resolves once the engine's wasm has been received (or found
    // in the cache, or has failed): the first model download starts then.
    this.engineIn = new Promise((resolve) => (this.engineReceived = resolve));
    this.committing = Promise.resolve(); // see #commit
  }

  // start launches the worker at once and the wasm as soon as the manifest
  // names it; later calls share it.
  start() {
    if (!this.started) {
      this.#spawn();
      this.started = this.#busy(this.#start());
      this.started.catch((e) => this.handOver.reject(e)); // no effect once handed over
      this.started.finally(() => this.engineReceived()).catch(() => {});
    }
    return this.started;
  }

  // #busy counts p as engine work until it settles (see quiet).
  #busy(p) {
    this.active++;
    const done = () => this.active--;
    p.then(done, done);
    return p;
  }

  // quiet resolves once the engine has had nothing to do for `calm` ms — no
  // start, download or request in flight — or after `max` ms in any case:
  // the moment for background work (cache writes, thumbnails) that would
  // otherwise take CPU from it.
  quiet(calm = 300, max = 5000) {
    return new Promise((resolve) => {
      const t0 = performance.now();
      let since = null;
      const tick = () => {
        const now = performance.now();
        if (this.active) since = null;
        else since ??= now;
        if ((since !== null && now - since >= calm) || now - t0 >= max) resolve();
        else setTimeout(tick, 50);
      };
      tick();
    });
  }

  // #spawn creates the worker synchronously, so that its script loads while
  // the manifest is still on its way.
  #spawn() {
    if (typeof WebAssembly !== 'object') return;
    this.worker = new Worker(workerURL(), { type: 'module', name: 'resnet' });
    this.worker.onmessage = (ev) => this.#onMessage(ev.data);
    this.worker.onerror = (ev) => {
      ev.preventDefault();
      this.#failAll(new Error(`The classifier worker failed: ${ev.message || 'it could not start'}`));
    };
  }

  async #start() {
    if (typeof WebAssembly !== 'object') {
      throw Object.assign(new Error('This browser cannot run WebAssembly, which the classifier needs.'), { code: 'no-wasm' });
    }
    const manifest = await this.manifest;
    const { wasm, wasmExec, kernels, missing } = manifest;
    if (!wasm || !wasmExec) {
      throw Object.assign(new Error(`The server is missing ${missing ? missing.join(' and ') : 'the wasm build'}.`), { code: 'missing' });
    }
    const abs = (u) => u && new URL(u, location.href).href;
    const scripts = { wasmExec: abs(wasmExec), loader: abs(kernels?.loader) };
    this.#call({ op: 'prepare', ...scripts }).catch(() => {}); // init reports failures
    const onProgress = (loaded, total) => {
      this.#progress('wasm', loaded, total);
      if (loaded >= total) this.engineReceived();
    };
    let plan = threadPlan(manifest, this.threadsAsked, this.kernelMode);
    const pool = { pool: abs(kernels?.pool) };
    const boot = async () => {
      const files = await engineFiles(manifest, this.kernelMode, onProgress, this.quiet(), plan.threads > 1);
      this.engineReceived(); // from the cache: no progress
      // The engine's bytes are checked against their hash while Go starts.
      const init = this.#call({
        op: 'init', module: files.module, forwarder: files.forwarder, kernels: files.kernels, ...scripts, mode: this.kernelMode,
        ...(plan.threads > 1 ? { threads: plan.threads, limits: plan.limits, ...pool } : {}),
      });
      return { files, init };
    };
    let { files, init } = await boot();
    this.handOver.resolve();
    let r;
    try {
      [r] = await Promise.all([init, files.verified]);
    } catch (e) {
      if (e.code !== 'threads') throw e;
      // The pool could not start (a helper worker refused, the memory too
      // large after all): the single-threaded build, and say why.
      plan = { threads: 1, asked: plan.asked, why: e.message, limits: null };
      ({ files, init } = await boot());
      [r] = await Promise.all([init, files.verified]);
    }
    this.startup.wasm = { ...r, relaxed: r.simd && files.relaxed, ms: { ...files.ms, ...r.ms }, fromCache: files.fromCache, bytes: files.bytes };
    this.startup.threads = { threads: r.threads || 1, asked: plan.asked, why: plan.why };
    return this.startup.wasm;
  }

  #progress(what, loaded, total) {
    this.dispatchEvent(new CustomEvent('progress', { detail: { what, loaded, total } }));
  }

  #onMessage(m) {
    if (m.type === 'mark') {
      performance.mark(`resnet:${m.name}`, { startTime: m.at - performance.timeOrigin });
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
    return this.#busy(
      new Promise((resolve, reject) => {
        this.pending.set(id, { resolve, reject });
        this.worker.postMessage({ ...msg, id }, transfer);
      }),
    );
  }

  // loadModel fetches (or finds in the cache), verifies and loads a model.
  // Models the server lists are matched by URL so their hash is known and
  // a cached copy needs no request at all. The download does not wait for
  // the engine's start: both run at once. A second call for the model
  // already loading shares the first (web/boot.js starts the page's first
  // model before app.js asks for it).
  loadModel(url) {
    const key = new URL(url, location.href).href;
    if (this.loading?.key === key) return this.loading.promise;
    const promise = this.#busy(this.#load(key));
    this.loading = { key, promise };
    const done = () => {
      if (this.loading?.promise === promise) this.loading = null;
    };
    promise.then(done, done);
    return promise;
  }

  async #load(url) {
    const started = this.start();
    if (!this.worker) await started; // throws the reason there is none
    const manifest = await this.manifest;
    const abs = new URL(url);
    const listed = manifest.models.find((m) => samePath(new URL(m.url, location.href), abs));
    // The engine's wasm first, then the model: on a shared link (or a
    // machine short of cores) both at once would delay the wasm, which Go
    // needs before anything else, for a model that is not needed before Go
    // runs. Only the page's first model waits: later, the wasm is in.
    await this.engineIn;
    const fetching = modelFile(
      listed ? new URL(listed.url, location.href).href : abs.href,
      listed?.sha256,
      (loaded, total) => this.#progress('model', loaded, total),
      // Go decodes the JSON section and allocates for the file meanwhile.
      (head) => this.#call({ op: 'expect', head: head.buffer }, [head.buffer]).catch(() => {}), // load reports
    );
    fetching.catch(() => {});
    // The engine starts while the model downloads; if it cannot start, that
    // is the error to show, whatever became of the model. Nothing heavy runs
    // on this thread before the compiled engine is on its way to the worker:
    // until then this thread feeds the streaming compiler.
    await this.handedOver;
    const file = await fetching;
    const r = await this.#commit(file, started);
    // The worker keeps the bytes for the cache until the engine is idle:
    // writing 12–25 MB competes with the first classification.
    if (!file.fromCache) noteWrite(file.sha256, this.quiet().then(() => this.#call({ op: 'store', sha256: file.sha256 })));
    this.info = { ...r.info, relaxedSIMD: !!this.startup.wasm?.relaxed, threads: this.startup.threads, sha256: file.sha256, url: abs.href };
    this.startup.model = { ms: { ...file.ms, ...r.ms }, fromCache: file.fromCache };
    this.firstRun = true;
    return this.info;
  }

  // #commit hands a downloaded model to the worker and makes it the one in
  // use once its SHA-256 (WebCrypto, against its header) is right: the
  // worker parses a copy, held aside, while this thread checks the
  // original, and a tampered or truncated file is dropped, never used.
  // One model at a time goes through here, so that a commit always names
  // the model just held.
  #commit(file, started) {
    const turn = this.committing.then(async () => {
      const copy = file.bytes.slice();
      const held = this.#call({ op: 'load', bytes: copy.buffer, sha256: file.sha256, fromCache: file.fromCache, hold: true }, [copy.buffer]);
      held.catch(() => {}); // awaited below, after the checksum's verdict
      const t = performance.now();
      try {
        await verifyModel(file.bytes);
      } catch (e) {
        await held.catch(() => {});
        await this.#call({ op: 'commit', keep: false }).catch(() => {});
        throw e;
      }
      file.ms.verify = performance.now() - t;
      performance.mark('resnet:model-verified');
      await started;
      const r = await held;
      await this.#call({ op: 'commit', keep: true });
      return r;
    });
    this.committing = turn.catch(() => {});
    return turn;
  }

  // classify accepts Blob/File, ImageData, ImageBitmap, HTMLImageElement,
  // HTMLVideoElement or HTMLCanvasElement (and OffscreenCanvas, VideoFrame).
  // downscale: the factor of downscale.js, or false to keep Go's path for
  // every size. cam: add the command line's cam object (classify -cam) for
  // the top-1, and cams, one for each class of the top-k (web/cam.js).
  async classify(input, { k = 5, downscale = FACTOR, cam = false, ...rest } = {}) {
    const unknown = Object.keys(rest);
    if (unknown.length) throw new TypeError(`classify: unknown option ${unknown.join(', ')} (k, downscale, cam)`);
    cam = !!cam;
    downscale = checkFactor(downscale);
    const t0 = performance.now();
    let r;
    if (input instanceof Blob) {
      const bytes = await input.arrayBuffer();
      r = await this.#call({ op: 'classify', bytes, k, downscale, cam }, [bytes]);
    } else if (typeof ImageData !== 'undefined' && input instanceof ImageData) {
      // Copy: the caller keeps its ImageData intact.
      const pix = input.data.slice().buffer;
      r = await this.#call({ op: 'classifyRGBA', pix, width: input.width, height: input.height, k, downscale, cam }, [pix]);
    } else if (isDrawable(input)) {
      const t = performance.now();
      // The browser has already applied EXIF orientation to anything it
      // draws, and pixels carry no EXIF: orientation is applied once. The
      // bitmap is a full-size copy (for a video, of the current frame); the
      // worker downscales it when it is larger than the model needs.
      const bitmap = await toBitmap(input);
      const capture = performance.now() - t;
      r = await this.#call({ op: 'classifyBitmap', bitmap, k, downscale, cam }, [bitmap]);
      r.ms.capture = capture;
    } else {
      throw new TypeError('classify: input must be a Blob/File, ImageData, ImageBitmap, or an image, video or canvas element');
    }
    return this.#result(r, t0);
  }

  // classifyFrame classifies the current frame of a live source — a video
  // element, a VideoFrame, a canvas — as the camera's live mode does
  // (web/frames.js): scaled by the browser straight to the model's resize
  // size, on this thread, then cropped and normalised by Go as on the
  // command line. Resolves like classify; timings.path is 'browser-resize'.
  async classifyFrame(src, { k = 5 } = {}) {
    if (!this.info) throw Object.assign(new Error('no model loaded'), { code: 'nomodel' });
    const t0 = performance.now();
    const f = await captureFrame(src, this.info);
    const r = await this.#call({ op: 'classifyRGBA', pix: f.pix, width: f.width, height: f.height, k, downscale: 0, live: true }, [f.pix]);
    r.ms = { capture: f.ms, ...r.ms, path: 'browser-resize' };
    return this.#result(r, t0);
  }

  #result(r, t0) {
    r.ms.roundtrip = performance.now() - t0;
    const timings = { ...r.ms, first: !!this.firstRun };
    this.firstRun = false;
    const out = { top: r.top, timings };
    if (r.crop) out.crop = new ImageData(r.crop.data, r.crop.width, r.crop.height);
    if (r.decoder) out.decoder = r.decoder;
    if (r.cams) {
      out.cams = r.cams.map(camObject);
      out.cam = out.cams[0];
    }
    return out;
  }
}

// camObject is a map from the worker as the command line prints it:
// {index, size: [h, w], map: [numbers]}.
function camObject(c) {
  return { index: c.index, size: [c.size[0], c.size[1]], map: Array.from(c.map) };
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

// Trusted Types (see the CSP in cmd/serve) allow only the page's own two
// script URLs: the engine's worker and the service worker (web/sw.js).
let ttPolicy;
function scriptURL(name) {
  const url = new URL(name, import.meta.url).href;
  if (!self.trustedTypes) return url;
  const allowed = ['worker.js', 'sw.js'].map((n) => new URL(n, import.meta.url).href);
  ttPolicy ??= trustedTypes.createPolicy('resnet', {
    createScriptURL: (u) => {
      if (!allowed.includes(u)) throw new TypeError(`refusing script URL ${u}`);
      return u;
    },
  });
  return ttPolicy.createScriptURL(url);
}

function workerURL() {
  return scriptURL('worker.js');
}

// serviceWorkerURL is web/sw.js's URL, as navigator.serviceWorker.register
// takes it under Trusted Types.
export function serviceWorkerURL() {
  return scriptURL('sw.js');
}
