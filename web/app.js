// The page: loads the manifest, starts the engine, shows model loading, and
// routes every input to a result card. window.resnet is the scripting API
// (docs/ARCHITECTURE.md): {ready, classify(input, {k, downscale, cam}), loadModel(url)}.

import * as boot from './boot.js';
import { Camera } from './camera.js';
import { showCAM } from './cam.js';
import { wireInputs, renderGallery } from './inputs.js';
import { TimingTable, drawCrop, formatBytes, pct, renderTop, timingLine } from './results.js';
import { DownloadProgress, formatDuration } from './progress.js';
import { explain } from './errors.js';
import { serviceWorkerURL } from './resnet.js';

const $ = (id) => document.getElementById(id);
const timings = new TimingTable($('timings-body'));
let engine = null;
let ready = null; // Promise of the model classifications use
let inUse = null; // info of the model loaded last, which the engine keeps until another loads
const downloads = new DownloadProgress();
const waiting = new Set(); // status lines of cards waiting for the model
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
  const th = info.threads || { threads: 1 };
  $('mi-threads').textContent = th.threads > 1 ? `${th.threads}` : th.why ? `1 (${th.why})` : '1';
  $('model-info').hidden = false;
}

async function loadModel(url) {
  showLoadError('');
  $('model-url').value = url;
  pickListed(url);
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
    inUse = info;
    downloads.done();
    setProgress(`Ready: ${info.name}${s.model.fromCache ? ' (from cache)' : ''}`, 1, 1);
    document.body.dataset.ready = 'true';
    return info;
  } catch (e) {
    cancelProgress();
    if (inUse) {
      // The engine still holds the model it had: say so, and keep using it.
      setProgress(`Ready: ${inUse.name}`, 1, 1);
      showLoadError(`Could not load ${url}: ${e.message} Still using ${inUse.name}.`);
      pickListed(inUse.url);
    } else {
      setProgress('Model not loaded', 0, 1);
      showLoadError(e.message);
      document.body.dataset.ready = 'error';
    }
    throw e;
  }
}

// pickListed selects url in the list of the server's models, if it is one.
function pickListed(url) {
  const pick = $('model-pick');
  const path = url && new URL(url, location.href).pathname;
  const opt = [...pick.options].find((o) => o.value && new URL(o.value, location.href).pathname === path);
  pick.value = opt ? opt.value : '';
}

// Download progress is drawn at most once a frame: a fast download reports
// hundreds of chunks, and each new label costs a layout.
let progressFrame = 0;
let latestProgress = null;
function onProgress({ detail }) {
  latestProgress = detail;
  downloads.update(detail.what, detail.loaded, detail.total);
  progressFrame ||= requestAnimationFrame(() => {
    progressFrame = 0;
    const d = downloads;
    if (!d.total) return;
    const eta = formatDuration(d.secondsLeft);
    const label = `Downloading: ${Math.floor(100 * d.fraction)}% · ${formatBytes(d.loaded)} of ${formatBytes(d.total)}${eta ? ` · about ${eta} left` : ''}`;
    setProgress(label, d.loaded, d.total);
    for (const status of waiting) status.textContent = waitText();
  });
}

// waitText is what a card given before the model is ready says.
function waitText() {
  const d = downloads;
  if (askingFirst) return 'Waiting for the model: press “Download the model” above (Data Saver is on).';
  if (!d.total || !d.left) return 'Waiting for the model to load…';
  const eta = formatDuration(d.secondsLeft);
  return `Waiting for the model download: ${formatBytes(d.left)} left${eta ? ` (about ${eta})` : ''}, then classifying…`;
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
  // into view, and again once its top-5 is drawn (see reveal).
  reveal(card);
  // A file the browser cannot show gets a plain placeholder, not a broken image.
  img.addEventListener('error', () => card.classList.add('no-preview'), { once: true });
  const status = card.querySelector('.status');
  if (inUse) status.textContent = 'Classifying…';
  else {
    status.textContent = waitText();
    waiting.add(status);
  }
  ready
    .then(() => {
      waiting.delete(status);
      status.textContent = 'Classifying…';
      return engine.classify(blob, { cam: true });
    })
    .then((r) => {
      status.textContent = '';
      renderTop(card.querySelector('.top5'), r.top);
      const canvas = card.querySelector('canvas');
      card.querySelector('.crop').hidden = false;
      if (r.crop) drawCrop(canvas, r.crop);
      card.querySelector('.timing').textContent = timingLine(r.timings);
      showCAM(card, r, engine.info);
      reveal(card, card.querySelector('.top5 li')); // with the card's final layout
      card.dataset.top1 = r.top[0]?.label ?? '';
      card.dataset.top1Index = r.top[0]?.index ?? '';
      timings.add(r.timings);
      if (r.top[0]) announce(`${name}: ${r.top[0].label}, ${pct(r.top[0].prob)}`);
    })
    .catch(async (e) => {
      waiting.delete(status);
      const head = await blob.slice(0, 32).arrayBuffer().then((b) => new Uint8Array(b), () => null);
      status.textContent = explain(e, name, head);
      status.classList.add('error');
      card.classList.add('failed');
      card.dataset.error = e.code || 'error';
    });
}

// reveal scrolls so that the card's top — and its first top-5 row, once
// there is one — is on screen: on a phone the answer must not need a scroll.
// No animation: a smooth scroll still under way would be overtaken by the
// next reveal (and some asked for less motion).
function reveal(card, row) {
  const c = card.getBoundingClientRect();
  const r = row ? row.getBoundingClientRect() : c;
  const want = row ? r.bottom : Math.min(c.bottom, c.top + 120);
  if (c.top < 0 || want > innerHeight) {
    if (row && r.bottom - c.top > innerHeight) row.scrollIntoView({ block: 'end' });
    else card.scrollIntoView({ block: 'start' });
  }
}

let lastLiveLabel = '';
let lastLiveAnnounce = 0;
function onLiveResult(r) {
  renderTop($('cam-top'), r.top);
  if (Number($('cam-card').dataset.frames || 0) <= 1) reveal($('cam-card'), $('cam-top li'));
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

// askFirst holds the first model's download until the visitor agrees
// (Data Saver is on): classifications given meanwhile wait for it.
let askingFirst = false;
function askFirst(url, api) {
  askingFirst = true;
  const total = downloads.parts.get('model')?.total;
  $('save-data-size').textContent = total ? formatBytes(total) : 'tens of MB';
  $('save-data').hidden = false;
  setProgress('Data Saver is on: the model is not downloaded yet.', 0, 1);
  ready = new Promise((resolve, reject) => {
    $('save-data-go').addEventListener(
      'click',
      () => {
        askingFirst = false;
        $('save-data').hidden = true;
        for (const status of waiting) status.textContent = waitText();
        api.loadModel(url).then(resolve, reject);
      },
      { once: true },
    );
  });
  ready.catch(() => {});
}

// showCredits shows the credits file in a dialog over the page, so that
// reading them loses no result; without <dialog> the link opens a new tab.
async function showCredits(ev, url) {
  const dialog = $('credits-dialog');
  if (typeof dialog.showModal !== 'function') return;
  ev.preventDefault();
  try {
    const res = await fetch(url);
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    $('credits-text').textContent = await res.text();
  } catch (e) {
    $('credits-text').textContent = `Could not load the credits (${e.message}). They are in ${url}.`;
  }
  dialog.showModal();
  $('credits-close').focus();
}

// expectDownloads tells the progress figure, before the first byte, what
// a first visit downloads: the engine and the first model when they are
// not in the cache (the loader's list of stored hashes says so).
function expectDownloads(manifest, modelURL) {
  let stored = '';
  try {
    stored = localStorage.getItem('resnet-stored') || '';
  } catch {
    // no storage: expect everything
  }
  if (manifest.wasm && !stored.includes(manifest.wasm.sha256)) downloads.expect('wasm', manifest.wasm.bytes);
  const path = modelURL && new URL(modelURL, location.href).pathname;
  const listed = manifest.models.find((m) => new URL(m.url, location.href).pathname === path);
  if (listed && !stored.includes(listed.sha256)) downloads.expect('model', listed.bytes);
}

// listModels offers the server's models to pick from (name and size).
function listModels(pick, models, choose) {
  const opts = models.map((m) => {
    const o = document.createElement('option');
    o.value = m.url.replace(/\?v=[0-9a-f]+$/, '');
    o.textContent = `${m.name} (${formatBytes(m.bytes)})`;
    return o;
  });
  const other = document.createElement('option');
  other.value = '';
  other.textContent = 'Another URL…';
  pick.replaceChildren(...opts, other);
  pick.addEventListener('change', () => {
    if (pick.value) choose(pick.value);
    else $('model-url').focus();
  });
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
  // On a phone the model's details would push the inputs and results below
  // the first screen: they start folded there.
  $('model-details').open = matchMedia('(min-width: 700px)').matches;

  const api = {
    get ready() {
      return ready;
    },
    classify: (input, options) => ready.then(() => engine.classify(input, options)),
    // A load that fails leaves the model in use in place: ready stays it.
    loadModel: (url) => {
      const load = loadModel(url);
      const prev = inUse;
      ready = prev ? load.catch(() => prev) : load;
      ready.catch(() => {});
      return load;
    },
  };
  Object.defineProperty(window, 'resnet', { value: Object.freeze(api), enumerable: true });

  // boot.js has started this load already: loadModel shares it.
  const modelURL = boot.firstModel(manifest);
  expectDownloads(manifest, modelURL);
  if (!modelURL) {
    showLoadError(`No model to load: ${(manifest.missing || ['no model listed']).join('; ')}.`);
    document.body.dataset.ready = 'error';
    ready = Promise.reject(new Error('no model'));
    ready.catch(() => {});
  } else if (boot.asksFirst(manifest)) {
    askFirst(modelURL, api);
  } else {
    api.loadModel(modelURL);
  }

  const chooseModel = (url) => {
    const u = new URL(location.href);
    u.searchParams.set('model', url);
    history.replaceState(null, '', u);
    api.loadModel(url).catch(() => {}); // shown by loadModel
  };
  $('model-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const url = $('model-url').value.trim();
    if (!url) return;
    // Same-site paths (/models/x.rnm) as well as full URLs.
    try {
      new URL(url, location.href);
    } catch {
      showLoadError(`“${url}” is not a URL or a path on this site.`);
      return;
    }
    chooseModel(url);
  });
  listModels($('model-pick'), manifest.models, chooseModel);
  pickListed($('model-url').value);
  wireInputs({ submit, showError: showInputError });
  renderGallery($('gallery'), manifest.samples, submit, showInputError);
  if (manifest.credits) {
    $('credits-link').href = manifest.credits;
    $('credits').hidden = false;
    $('credits-link').addEventListener('click', (ev) => showCredits(ev, manifest.credits));
    $('credits-close').addEventListener('click', () => $('credits-dialog').close());
  }
  $('clear').addEventListener('click', () => {
    $('results').replaceChildren();
    for (const u of objectURLs) URL.revokeObjectURL(u);
    objectURLs.clear();
    $('results-empty').hidden = false;
  });
  // Offline after one visit (web/sw.js), registered once the first model is
  // in and the engine idle: its own downloads then take nothing from them.
  if ('serviceWorker' in navigator) {
    ready
      .catch(() => {})
      .then(() => engine.quiet())
      .then(() => navigator.serviceWorker.register(serviceWorkerURL()))
      .catch(() => {}); // e.g. a private window: the page works, just not offline
  }
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
