// Baseline measurements of the browser demo (not a test): page weight per
// encoding, cold start (unthrottled, cached, and a first visit on a 10 Mbit/s,
// 40 ms link), warm latency (median of 10) per model, and
// preprocessing of a 12-megapixel photo and 720p/1080p frames, with the
// browser's downscale and with Go's path alone (median of 7). Writes
// artifacts/web/measurements.json (measurements-$KERNELS.json with KERNELS).
//
//   node web/test/measure.mjs [model.rnm ...]   (default: the ResNet-50 in weights/)
//
// KERNELS=go measures the pure-Go kernels (the page's ?kernels=go); the
// default is the page's own choice (WebAssembly SIMD in Chromium).

import http from 'node:http';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, basename } from 'node:path';
import { startServer, launch, artifactsDir, PHOTOS, MODEL } from './harness.mjs';

const models = process.argv.slice(2).length ? process.argv.slice(2) : [MODEL];
const query = process.env.KERNELS ? `?kernels=${encodeURIComponent(process.env.KERNELS)}` : '';
const dir = mkdtempSync(join(tmpdir(), 'resnet-measure-'));
for (const m of models) copyFileSync(m, join(dir, basename(m)));
const big = join(dir, '12mp.jpg');
execFileSync('convert', [join(PHOTOS, 'coffee.jpg'), '-resize', '4032x3024!', '-quality', '90', big]);

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const round = (x) => Math.round(x * 10) / 10;

function size(origin, path, enc) {
  return new Promise((resolve, reject) => {
    http.get(origin + path, { headers: enc ? { 'accept-encoding': enc } : {} }, (res) => {
      let n = 0;
      res.on('data', (d) => (n += d.length));
      res.on('end', () => resolve({ bytes: n, encoding: res.headers['content-encoding'] || 'identity' }));
    }).on('error', reject);
  });
}

// SLOW is the link of the slow first visit: 10 Mbit/s down and up, 40 ms
// latency (Chromium's own throttling through CDP), with an empty cache.
const SLOW = { offline: false, latency: 40, downloadThroughput: 10e6 / 8, uploadThroughput: 10e6 / 8 };

// slowFirstVisit measures, in a fresh profile on the SLOW link: when the
// sample thumbnails are all shown, when the first top-5 is there (the same
// navigation → first top-5 as coldStart), and what the progress line said.
async function slowFirstVisit(origin) {
  const b = await launch();
  try {
    const page = b.ctx.pages()[0];
    const cdp = await b.ctx.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', SLOW);
    await b.ctx.addInitScript(() => {
      window.__labels = [];
      document.addEventListener('DOMContentLoaded', () => {
        const label = document.getElementById('progress-label');
        new MutationObserver(() => window.__labels.push([Math.round(performance.now()), label.textContent])).observe(label, { childList: true, characterData: true, subtree: true });
      });
    });
    await page.goto(`${origin}/${query}`);
    await page.waitForFunction(() => window.resnet);
    const thumbs = await page.waitForFunction(() => {
      const imgs = [...document.querySelectorAll('#gallery img')];
      return imgs.length && imgs.every((i) => i.complete && i.naturalWidth) && performance.now();
    }, null, { timeout: 120000, polling: 50 });
    const r = await page.evaluate(async () => {
      const blob = await (await fetch('/samples/coffee.jpg')).blob();
      await window.resnet.ready;
      const res = await window.resnet.classify(blob);
      return { firstTop5: performance.now(), top1: res.top[0].label };
    });
    const labels = await page.evaluate(() => window.__labels);
    return {
      link: '10 Mbit/s, 40 ms',
      thumbnailsShown: Math.round(await thumbs.jsonValue()),
      firstTop5: Math.round(r.firstTop5),
      top1: r.top1,
      progress: labels.filter((_, i) => i % Math.max(1, Math.floor(labels.length / 8)) === 0 || i === labels.length - 1),
    };
  } finally {
    await b.close();
  }
}

const srv = await startServer(['-models', dir, '-q', '-default', basename(models[0])]);
const out = { models: {}, weight: {} };
try {
  const mf = JSON.parse(await new Promise((r) => http.get(srv.origin + '/manifest.json', (res) => { let s = ''; res.on('data', (d) => (s += d)); res.on('end', () => r(s)); })));
  await new Promise((r) => setTimeout(r, 200));
  const js = ['/app.js', '/resnet.js', '/worker.js', '/loader.js', '/inputs.js', '/camera.js', '/results.js', mf.wasmExec];
  const k = mf.kernels;
  const parts = { wasm: [mf.wasm.url, k.forwarder.url, k.kernels.url, ...(k.relaxed ? [k.relaxed.url] : [])], js: [...js, k.loader], css: ['/style.css'], html: ['/'], model: [mf.defaultModel] };
  // Compression of the model happens in the background at start: wait for it.
  for (let i = 0; i < 60 && (await size(srv.origin, mf.defaultModel, 'gzip')).encoding === 'identity'; i++) await new Promise((r) => setTimeout(r, 1000));
  for (const [k, urls] of Object.entries(parts)) {
    const w = { identity: 0, gzip: 0, br: 0 };
    for (const u of urls) {
      w.identity += (await size(srv.origin, u, '')).bytes;
      w.gzip += (await size(srv.origin, u, 'gzip')).bytes;
      w.br += (await size(srv.origin, u, 'br, gzip')).bytes;
    }
    out.weight[k] = w;
  }

  const b = await launch();
  try {
    const page = b.ctx.pages()[0];
    const coldStart = async () => {
      await page.goto(`${srv.origin}/${query}`);
      await page.waitForFunction(() => window.resnet); // defined once the manifest is in
      return page.evaluate(async () => {
        const blob = await (await fetch('/samples/coffee.jpg')).blob();
        const info = await window.resnet.ready;
        const ready = performance.now();
        const r = await window.resnet.classify(blob);
        return { kernels: info.kernels, ready: ready, firstTop5: performance.now(), top1: r.top[0].label, timings: r.timings };
      });
    };
    const emptyCache = await coldStart();
    // The page writes the wasm and the model to Cache Storage once it is
    // idle (web/resnet.js quiet): the second start is measured after that.
    const stored = [mf.wasm.sha256, mf.models.find((m) => m.url === mf.defaultModel).sha256];
    await page.waitForFunction((want) => want.every((h) => (localStorage.getItem('resnet-stored') || '').includes(h)), stored, { timeout: 30000 });
    out.coldStart = { emptyCache, cached: await coldStart(), slow: await slowFirstVisit(srv.origin) };
    out.kernels = out.coldStart.cached.kernels;

    for (const m of models) {
      const name = basename(m);
      const r = await page.evaluate(async (url) => {
        await window.resnet.loadModel(url);
        const blob = await (await fetch('/samples/coffee.jpg')).blob();
        await window.resnet.classify(blob); // first run, not counted
        const runs = [];
        for (let i = 0; i < 10; i++) runs.push((await window.resnet.classify(blob)).timings);
        return runs;
      }, `/models/${name}`);
      out.models[name] = {
        runs: r.length,
        inference: round(median(r.map((t) => t.inference))),
        total: round(median(r.map((t) => t.roundtrip))),
      };
    }

    // Preprocessing: a 12 MP JPEG upload and 720p/1080p frames, with the
    // browser's downscale (the default) and with Go's path alone
    // (downscale: false). toModel is everything but the forward pass, page
    // to page: roundtrip − inference.
    const bigB64 = readFileSync(big).toString('base64');
    const raw = await page.evaluate(async ({ b64, runs }) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const blob = new Blob([bytes], { type: 'image/jpeg' });
      const photo = await createImageBitmap(await (await fetch('/samples/coffee.jpg')).blob());
      const frame = (w, h) => {
        const c = new OffscreenCanvas(w, h).getContext('2d');
        c.drawImage(photo, 0, 0, w, h);
        return c.getImageData(0, 0, w, h);
      };
      const canvas = (w, h) => {
        const c = document.createElement('canvas');
        c.width = w;
        c.height = h;
        c.getContext('2d').drawImage(photo, 0, 0, w, h);
        return c;
      };
      const inputs = { photo12MP: blob, frame720p: frame(1280, 720), frame1080p: frame(1920, 1080), canvas720p: canvas(1280, 720) };
      const out = {};
      for (const [name, input] of Object.entries(inputs)) {
        for (const [mode, downscale] of [['fast', undefined], ['go', false]]) {
          await window.resnet.classify(input, { downscale }); // warm-up, not counted
          const ts = [];
          for (let i = 0; i < runs; i++) ts.push((await window.resnet.classify(input, { downscale })).timings);
          out[`${name}.${mode}`] = ts;
        }
      }
      return out;
    }, { b64: bigB64, runs: 7 });
    const STAGES = ['probe', 'capture', 'browserDecode', 'downscale', 'readback', 'decode', 'preprocess', 'inference'];
    out.preprocess = { runs: 7, note: 'medians; toModel = roundtrip − inference (every stage before the forward pass, page to page)' };
    for (const [key, ts] of Object.entries(raw)) {
      const m = { path: ts[0].path };
      for (const k of STAGES) if (ts.some((t) => t[k] !== undefined)) m[k] = round(median(ts.map((t) => t[k] ?? 0)));
      m.toModel = round(median(ts.map((t) => t.roundtrip - t.inference)));
      const [input, mode] = key.split('.');
      (out.preprocess[input] ??= {})[mode] = m;
    }
  } finally {
    await b.close();
  }
} finally {
  await srv.stop();
  rmSync(dir, { recursive: true, force: true });
}
const path = join(artifactsDir(), process.env.KERNELS ? `measurements-${process.env.KERNELS}.json` : 'measurements.json');
writeFileSync(path, JSON.stringify(out, null, 2));
console.log(JSON.stringify(out, null, 2));
