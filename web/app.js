// The page: loads the manifest, starts the engine, shows model loading, and
// routes every input to a result card. window.resnet is the scripting API
// (docs/ARCHITECTURE.md): {ready, classify(input, {k, downscale}), loadModel(url)}.

import * as boot from './boot.js';
import { Camera } from './camera.js';
import { wireInputs, renderGallery } from './inputs.js';
import { TimingTable, drawCrop, formatBytes, pct, renderTop, timingLine } from './results.js';

const $ = (id) => document.getElementById(id);
const timings = new TimingTable($('timings-body'));
let engine = null;
let ready = null;
let announceTimer = 0;
const objectURLs = new Set();

function announce(text) {
  // Re-set after a tick so that the same text twice is still announced.
  const live = $('announce');
  live.textContent = '';
  clearTimeout(announceTimer);
  announceTimer = setTimeout(() => (live.textContent = text), 50);
}

function showLoadError(msg) {
  const p = $('load-error');
  p.textContent = msg;
  p.hidden = !msg;
}

function showInputError(msg) {
  const p = $('input-error');
  p.textContent = msg;
  p.hidden = !msg;
}

function setProgress(label, value, max) {
  $('progress-label').textContent = label;
  const bar = $('progress');
  if (max > 0) {
    bar.max = max;
    bar.value = value;
  } else {
    bar.removeAttribute('value'); // indeterminate
  }
}

function showInfo(info) {
  $('mi-name').textContent = info.name;
  $('mi-depth').textContent = `ResNet-${info.depth}`;
  $('mi-classes').textContent = String(info.classes);
  $('mi-size').textContent = formatBytes(info.bytes);
  $('mi-quant').textContent = info.quant === 'int8' ? 'int8 per channel' : info.quant;
  $('mi-kernels').textContent = info.kernels !== 'simd' ? 'pure Go' : info.relaxedSIMD ? 'WebAssembly SIMD (relaxed)' : 'WebAssembly SIMD';
  $('model-info').hidden = false;
}

async function loadModel(url) {
  showLoadError('');
  $('model-url').value = url;
  setProgress(`Loading model ${url}…`, 0, 0);
  try {
    const info = await engine.loadModel(url);
    cancelProgress();
    const s = engine.startup;
    timings.setStartup({
      wasmDownload: s.wasm?.ms.download,
      wasmCached: s.wasm?.fromCache,
      start: s.wasm?.ms.start,
      modelDownload: s.model.ms.download,
      modelCached: s.model.fromCache,
      verify: s.model.ms.verify,
      load: s.model.ms.load,
    });
    showInfo(info);
    setProgress(`Ready: ${info.name}${s.model.fromCache ? ' (from cache)' : ''}`, 1, 1);
    document.body.dataset.ready = 'true';
    return info;
  } catch (e) {
    cancelProgress();
    setProgress('Model not loaded', 0, 1);
    showLoadError(e.message);
    document.body.dataset.ready = 'error';
    throw e;
  }
}

// Download progress is drawn at most once a frame: a fast download reports
// hundreds of chunks, and each new label costs a layout.
let progressFrame = 0;
let latestProgress = null;
function onProgress({ detail }) {
  latestProgress = detail;
  progressFrame ||= requestAnimationFrame(() => {
    progressFrame = 0;
    const d = latestProgress;
    const what = d.what === 'wasm' ? 'engine (WebAssembly)' : 'model';
    const label = d.total ? `Downloading ${what}: ${formatBytes(d.loaded)} of ${formatBytes(d.total)}` : `Downloading ${what}: ${formatBytes(d.loaded)}`;
    setProgress(label, d.loaded, d.total);
  });
}

function cancelProgress() {
  cancelAnimationFrame(progressFrame);
  progressFrame = 0;
}

// submit makes a result card for one image and classifies it.
function submit(blob, name) {
  const card = $('result-tpl').content.firstElementChild.cloneNode(true);
  card.querySelector('.name').textContent = name;
  const img = card.querySelector('.thumb');
  const url = URL.createObjectURL(blob);
  objectURLs.add(url);
  img.src = url; // the browser honours EXIF orientation when it displays
  img.alt = name;
  $('results').prepend(card);
  $('results-empty').hidden = true;
  // On a narrow screen the results are below the inputs: bring the new card
  // into view (without animation for those who asked for less motion).
  const r = card.getBoundingClientRect();
  if (r.top > innerHeight || r.bottom < 0) {
    card.scrollIntoView({ block: 'nearest', behavior: matchMedia('(prefers-reduced-motion: reduce)').matches ? 'auto' : 'smooth' });
  }
  const status = card.querySelector('.status');
  status.textContent = 'Classifying…';
  ready
    .then(() => engine.classify(blob))
    .then((r) => {
      status.textContent = '';
      renderTop(card.querySelector('.top5'), r.top);
      const canvas = card.querySelector('canvas');
      if (r.crop) drawCrop(canvas, r.crop);
      card.querySelector('.timing').textContent = timingLine(r.timings);
      card.dataset.top1 = r.top[0]?.label ?? '';
      card.dataset.top1Index = r.top[0]?.index ?? '';
      timings.add(r.timings);
      if (r.top[0]) announce(`${name}: ${r.top[0].label}, ${pct(r.top[0].prob)}`);
    })
    .catch((e) => {
      status.textContent = `Could not classify: ${e.message}`;
      status.classList.add('error');
      card.dataset.error = e.code || 'error';
    });
}

let lastLiveLabel = '';
let lastLiveAnnounce = 0;
function onLiveResult(r) {
  renderTop($('cam-top'), r.top);
  if (r.crop) drawCrop($('cam-crop'), r.crop);
  $('cam-timing').textContent = timingLine(r.timings);
  $('cam-card').dataset.top1 = r.top[0]?.label ?? '';
  $('cam-card').dataset.top1Index = r.top[0]?.index ?? '';
  $('cam-card').dataset.path = r.timings.path ?? '';
  timings.add(r.timings);
  // Announce only a change of answer, and not more than every 3 s.
  const label = r.top[0]?.label;
  const now = performance.now();
  if (label && label !== lastLiveLabel && now - lastLiveAnnounce > 3000) {
    lastLiveLabel = label;
    lastLiveAnnounce = now;
    announce(`Camera: ${label}`);
  }
}

async function main() {
  performance.mark('resnet:app');
  if (typeof WebAssembly !== 'object') {
    setProgress('Cannot start', 0, 1);
    showLoadError('This browser cannot run WebAssembly, which the classifier needs. Try a current Chrome, Firefox, Safari or Edge.');
    document.body.dataset.ready = 'error';
    return;
  }
  let manifest;
  try {
    manifest = await boot.manifest;
  } catch (e) {
    showLoadError(`Could not read the list of files to load (manifest.json): ${e.message}`);
    document.body.dataset.ready = 'error';
    return;
  }
  if (boot.engine instanceof Error) {
    showLoadError(`Cannot start: ${boot.engine.message} (the ?kernels= parameter of this page's address).`);
    document.body.dataset.ready = 'error';
    return;
  }
  engine = boot.engine;
  engine.addEventListener('progress', onProgress);

  const api = {
    get ready() {
      return ready;
    },
    classify: (input, options) => ready.then(() => engine.classify(input, options)),
    loadModel: (url) => {
      ready = loadModel(url);
      ready.catch(() => {});
      return ready;
    },
  };
  Object.defineProperty(window, 'resnet', { value: Object.freeze(api), enumerable: true });

  // boot.js has started this load already: loadModel shares it.
  const modelURL = boot.firstModel(manifest);
  if (!modelURL) {
    showLoadError(`No model to load: ${(manifest.missing || ['no model listed']).join('; ')}.`);
    document.body.dataset.ready = 'error';
    ready = Promise.reject(new Error('no model'));
    ready.catch(() => {});
  } else {
    api.loadModel(modelURL);
  }

  $('model-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const url = $('model-url').value.trim();
    if (url) {
      const u = new URL(location.href);
      u.searchParams.set('model', url);
      history.replaceState(null, '', u);
      api.loadModel(url);
    }
  });
  wireInputs({ submit, showError: showInputError });
  // Thumbnails wait until the model is in (or has failed) and the engine is
  // idle: until then they would compete with it for the network and the CPU.
  renderGallery($('gallery'), manifest.samples, submit, showInputError, ready.catch(() => {}).then(() => engine.quiet()));
  if (manifest.credits) {
    $('credits-link').href = manifest.credits;
    $('credits').hidden = false;
  }
  $('clear').addEventListener('click', () => {
    $('results').replaceChildren();
    for (const u of objectURLs) URL.revokeObjectURL(u);
    objectURLs.clear();
    $('results-empty').hidden = false;
  });
  new Camera(
    engine,
    {
      start: $('cam-start'),
      switchBtn: $('cam-switch'),
      mirror: $('cam-mirror'),
      fps: $('cam-fps'),
      status: $('cam-status'),
      card: $('cam-card'),
      video: $('cam-video'),
    },
    { onResult: onLiveResult, onError: (e) => ($('cam-timing').textContent = `Error: ${e.message}`) },
  );
}

main();
