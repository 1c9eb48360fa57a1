// Browser rows of `make bench`, all in Debian's Chromium (headless, the
// flags web/test/harness.mjs uses, a fresh temporary profile per launch; playwright-core
// never downloads a browser). One launch per configuration:
//
//   cold start  × COLD   each in a new browser context (empty HTTP cache,
//                         Cache Storage and code cache): navigation → first
//                         top-5 of coffee.jpg, and the bytes it downloaded;
//   warm        × RUNS   in one more context, after WARMUP runs: inference
//                         latency (same 224×224 input) and end-to-end latency
//                         (encoded photo → top-5); then the renderer's peak RSS.
//
// The engine is driven through its real page (window.resnet); the peer through
// bench/page/ort.html (window.bench), which mirrors that API.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { summary } from './stats.mjs';

const { chromium } = createRequire(import.meta.url)('playwright-core');

export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
export const FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

export function launch(args = []) {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...FLAGS, ...args] });
}

// The page-side halves. Each runs inside the page (page.evaluate), so they
// may only use what the page has: window.resnet (engine) or window.bench (ORT).
const api = (kind) => (kind === 'engine' ? 'resnet' : 'bench');

// coldInPage also returns the page's performance marks (the engine's page
// puts its worker's start-up stages there too, see web/worker.js mark) and
// the navigation's own milestones: the start-up breakdown.
function coldInPage(name) {
  return (async () => {
    const api = window[name];
    const info = await api.ready;
    performance.mark('bench:ready');
    const blob = await (await fetch('/samples/coffee.jpg')).blob();
    performance.mark('bench:image');
    const r = await api.classify(blob);
    const firstTop5 = performance.now();
    const nav = performance.getEntriesByType('navigation')[0];
    const marks = { responseEnd: nav.responseEnd, domContentLoaded: nav.domContentLoadedEventEnd };
    for (const m of performance.getEntriesByType('mark')) marks[m.name] = m.startTime;
    const image = performance.getEntriesByName(new URL('/samples/coffee.jpg', location.href).href).pop();
    if (image) Object.assign(marks, { 'image:fetchStart': image.fetchStart, 'image:responseStart': image.responseStart, 'image:responseEnd': image.responseEnd });
    marks.firstTop5 = firstTop5;
    return { firstTop5, top1: r.top[0].index, info, marks, timings: r.timings };
  })();
}

function warmInPage({ name, runs, warmup, e2e }) {
  return (async () => {
    const api = window[name];
    const info = await api.ready;
    const blob = await (await fetch('/samples/coffee.jpg')).blob();
    // The same 224×224 input for every inference run: for the engine an
    // ImageData (its timings.inference is the forward pass alone), for ORT
    // the tensor its own preprocessing made (timed around session.run).
    let infer;
    if (name === 'resnet') {
      const bmp = await createImageBitmap(blob);
      const c = new OffscreenCanvas(224, 224).getContext('2d');
      c.drawImage(bmp, 0, 0, 224, 224);
      const img = c.getImageData(0, 0, 224, 224);
      infer = async () => (await api.classify(img)).timings.inference;
    } else {
      const x = await api.preprocess(blob);
      infer = async () => (await api.infer(x)).ms;
    }
    const inference = [];
    for (let i = 0; i < warmup + runs; i++) {
      const ms = await infer();
      if (i >= warmup) inference.push(ms);
    }
    const endToEnd = [];
    let top1 = null;
    if (e2e) {
      for (let i = 0; i < warmup + runs; i++) {
        const t0 = performance.now();
        const r = await api.classify(blob);
        const ms = performance.now() - t0;
        top1 = r.top[0].index;
        if (i >= warmup) endToEnd.push(ms);
      }
    }
    return { inference, endToEnd, top1, info };
  })();
}

// open navigates and waits for the page's API object (not for the model):
// what the cold start measures is the page's own work.
async function open(ctx, url, kind) {
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  await page.goto(url, { waitUntil: 'commit' });
  await page.waitForFunction((n) => !!window[n], api(kind), { timeout: 60000 });
  return { page, errors };
}

// countBytes sums what the context received: response bodies as sent
// (compressed where the server compressed) plus headers, grouped by kind.
function countBytes(ctx) {
  const pending = [];
  ctx.on('requestfinished', (r) => {
    pending.push(
      r.sizes().then(
        (s) => ({ url: r.url(), bytes: s.responseBodySize + s.responseHeadersSize, type: r.resourceType() }),
        () => null,
      ),
    );
  });
  return async () => {
    const all = (await Promise.all(pending)).filter(Boolean);
    const by = { model: 0, code: 0, images: 0, other: 0 };
    for (const { url, bytes } of all) {
      const p = new URL(url).pathname;
      if (/\.(rnm|onnx)$/.test(p)) by.model += bytes;
      else if (/\.(jpe?g|png|gif|webp|bmp)$/i.test(p)) by.images += bytes;
      else if (/(\.(wasm|m?js|html|css|json)|\/)$/.test(p)) by.code += bytes;
      else by.other += bytes;
    }
    return { total: by.model + by.code + by.images + by.other, ...by, requests: all.length };
  };
}

// rendererPeak is the largest peak RSS (VmHWM) among the browser's renderer
// processes: the page, its workers and its WebAssembly memory live there.
async function rendererPeak(browser) {
  const cdp = await browser.newBrowserCDPSession();
  try {
    const { processInfo } = await cdp.send('SystemInfo.getProcessInfo');
    let peak = 0;
    for (const p of processInfo) {
      if (p.type !== 'renderer') continue;
      try {
        const m = readFileSync(`/proc/${p.id}/status`, 'utf8').match(/VmHWM:\s+(\d+) kB/);
        if (m) peak = Math.max(peak, Number(m[1]) * 1024);
      } catch {
        // the process ended meanwhile
      }
    }
    return peak || null;
  } finally {
    await cdp.detach();
  }
}

// coldStart opens url in a new browser context (empty HTTP cache, Cache
// Storage and code cache) and classifies coffee.jpg: navigation → first
// top-5, the bytes received, and the page's marks.
export async function coldStart(browser, { kind, url }) {
  const ctx = await browser.newContext();
  try {
    const bytes = countBytes(ctx);
    const { page, errors } = await open(ctx, url, kind);
    const r = await page.evaluate(coldInPage, api(kind)).catch((e) => {
      throw new Error(`${url}: ${e.message}\n${errors.join('\n')}`);
    });
    await page.waitForTimeout(300); // late responses (thumbnails) still count
    return { ...r, bytes: await bytes() };
  } finally {
    await ctx.close();
  }
}

// measure runs one configuration: {kind: 'engine'|'ort', url, cold, runs,
// warmup, e2e}. url is absolute.
export async function measure({ kind, url, cold, runs, warmup, e2e = true }) {
  const browser = await launch();
  try {
    const out = { version: browser.version(), cold: [], bytes: [] };
    out.marks = [];
    for (let i = 0; i < cold; i++) {
      const r = await coldStart(browser, { kind, url });
      out.cold.push(r.firstTop5);
      out.bytes.push(r.bytes);
      out.marks.push(r.marks);
      out.top1 = r.top1;
      out.info = r.info;
    }
    const ctx = await browser.newContext();
    try {
      const { page, errors } = await open(ctx, url, kind);
      const r = await page.evaluate(warmInPage, { name: api(kind), runs, warmup, e2e }).catch((e) => {
        throw new Error(`${url}: ${e.message}\n${errors.join('\n')}`);
      });
      out.info = r.info;
      out.inference = summary(r.inference);
      out.endToEnd = summary(r.endToEnd);
      out.top1 = r.top1 ?? out.top1;
      out.peakRSS = await rendererPeak(browser);
    } finally {
      await ctx.close();
    }
    out.coldStart = summary(out.cold);
    out.download = out.bytes.length ? out.bytes[out.bytes.length - 1] : null;
    out.downloadTotal = summary(out.bytes.map((b) => b.total));
    return out;
  } finally {
    await browser.close();
  }
}

// webcamFPS drives the page's live mode with Chromium's fake camera fed a
// Y4M clip, and counts the results it shows (the live card's
// data-frames) once a second: the rate of each second, and over the whole
// span.
export async function webcamFPS({ url, clip, seconds }) {
  const browser = await launch(['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', `--use-file-for-fake-video-capture=${clip}`]);
  try {
    const ctx = await browser.newContext({ permissions: ['camera'] });
    const page = await ctx.newPage();
    await page.goto(url);
    await page.waitForFunction(() => document.body.dataset.ready, null, { timeout: 120000 });
    if ((await page.evaluate(() => document.body.dataset.ready)) !== 'true') throw new Error('page not ready');
    await page.locator('#cam-start').click();
    await page.waitForFunction(() => document.getElementById('cam-card').dataset.top1Index, null, { timeout: 120000 });
    await page.waitForTimeout(3000); // let the rate settle past the first frames
    const count = () => page.evaluate(() => [Number(document.getElementById('cam-card').dataset.frames), performance.now()]);
    const samples = [];
    const [first, start] = await count();
    let [n0, t0] = [first, start];
    for (let i = 0; i < seconds; i++) {
      await page.waitForTimeout(1000);
      const [n, t] = await count();
      samples.push(((n - n0) * 1000) / (t - t0));
      [n0, t0] = [n, t];
    }
    const timing = await page.locator('#cam-timing').textContent();
    return { fps: summary(samples), overall: ((n0 - first) * 1000) / (t0 - start), timing };
  } finally {
    await browser.close();
  }
}
