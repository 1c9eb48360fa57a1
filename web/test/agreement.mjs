// The numbers behind downscale.js's FACTOR (not a test): every committed
// photo (testdata/photos), upscaled to ~12 MP at run time, classified by the
// page with the browser's downscale at several factors and with Go's path
// alone, against the command line on the same 12 MP file and on the
// original; and the originals through the page's default path. Writes
// artifacts/web/downscale-agreement.json and prints a table.
//
//   node web/test/agreement.mjs [model.rnm]   (default: the ResNet-50 in weights/)

import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, launch, openDemo, nativeTops, bigPhotos, artifactsDir, MODELS, MODEL, PHOTOS, PHOTO_NAMES } from './harness.mjs';

const model = process.argv[2] || MODEL;
const FACTORS = [1, 1.5, 2, 3, 4];
const dir = mkdtempSync(join(tmpdir(), 'resnet-agree-'));
const big = await bigPhotos(dir, PHOTO_NAMES);
const originals = new Map(PHOTO_NAMES.map((n) => [n, join(PHOTOS, n)]));
const all = await nativeTops([...originals.values(), ...big.values()], model, { k: 1000 });

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const r4 = (x) => Math.round(x * 1e4) / 1e4;
const r1 = (x) => Math.round(x * 10) / 10;

// compare: top-1 agreement, the reference top-1's probability difference,
// and the largest difference over all classes.
function compare(got, ref) {
  const p = new Map(got.map((e) => [e.index, e.prob]));
  const maxAbs = Math.max(...ref.map((e) => Math.abs((p.get(e.index) ?? 0) - e.prob)));
  return { same: got[0].index === ref[0].index, top1: got[0].label, ref: ref[0].label, dTop1: Math.abs((p.get(ref[0].index) ?? 0) - ref[0].prob), maxAbs };
}

const srv = await startServer(['-models', MODELS, '-q']);
const b = await launch();
const out = { model, photos: PHOTO_NAMES, factors: {}, goPath12MP: {}, originals: {} };
try {
  const { page } = await openDemo(b.ctx, `${srv.origin}/?model=${encodeURIComponent('/models/' + model.split('/').pop())}`);
  const run = (file, options) =>
    page.evaluate(
      async ({ b64, options }) => {
        const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
        const r = await window.resnet.classify(new Blob([bytes]), options);
        return { top: r.top, t: r.timings };
      },
      { b64: readFileSync(file).toString('base64'), options },
    );
  await run(big.get('coffee.jpg'), { k: 1 }); // warm-up, not counted
  const summarise = (rows) => ({
    top1Agree: rows.filter((r) => r.vsBig.same).length,
    top1AgreeOriginal: rows.filter((r) => r.vsOriginal.same).length,
    of: rows.length,
    maxDTop1: r4(Math.max(...rows.map((r) => r.vsBig.dTop1))),
    meanDTop1: r4(rows.reduce((s, r) => s + r.vsBig.dTop1, 0) / rows.length),
    maxAbsAnyClass: r4(Math.max(...rows.map((r) => r.vsBig.maxAbs))),
    maxDTop1Original: r4(Math.max(...rows.map((r) => r.vsOriginal.dTop1))),
    browserMs: r1(median(rows.map((r) => r.browser))),
    goMs: r1(median(rows.map((r) => r.go))),
    paths: [...new Set(rows.map((r) => r.path))],
  });
  const row = (n, r) => ({
    photo: n,
    path: r.t.path,
    vsBig: compare(r.top, all.get(big.get(n))),
    vsOriginal: compare(r.top, all.get(originals.get(n))),
    browser: (r.t.probe ?? 0) + (r.t.browserDecode ?? 0) + (r.t.downscale ?? 0) + (r.t.readback ?? 0),
    go: r.t.decode + r.t.preprocess,
  });
  for (const f of FACTORS) {
    const rows = [];
    for (const n of PHOTO_NAMES) rows.push(row(n, await run(big.get(n), { k: 1000, downscale: f })));
    out.factors[f] = { ...summarise(rows), rows };
  }
  const goRows = [];
  for (const n of PHOTO_NAMES) goRows.push(row(n, await run(big.get(n), { k: 1000, downscale: false })));
  out.goPath12MP = { ...summarise(goRows), rows: goRows };
  // The floor: the browser's full-size decode, then Go's resize of all of
  // it — what remains is the two JPEG decoders' difference (libjpeg-turbo's
  // IDCT and chroma upsampling vs Go's), which no factor can remove.
  const floorRows = [];
  for (const n of PHOTO_NAMES) {
    const r = await page.evaluate(async (b64) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const bm = await createImageBitmap(new Blob([bytes]), { imageOrientation: 'from-image', colorSpaceConversion: 'none' });
      const ctx = new OffscreenCanvas(bm.width, bm.height).getContext('2d');
      ctx.drawImage(bm, 0, 0);
      const img = ctx.getImageData(0, 0, bm.width, bm.height);
      bm.close();
      const r = await window.resnet.classify(img, { k: 1000, downscale: false });
      return { top: r.top, t: r.timings };
    }, readFileSync(big.get(n)).toString('base64'));
    floorRows.push(row(n, r));
  }
  out.browserDecodeGoResize12MP = { ...summarise(floorRows), rows: floorRows };
  const origRows = [];
  for (const n of PHOTO_NAMES) origRows.push(row(n, await run(originals.get(n), { k: 1000 })));
  out.originals = { ...summarise(origRows), rows: origRows };
} finally {
  await b.close();
  await srv.stop();
  rmSync(dir, { recursive: true, force: true });
}
writeFileSync(join(artifactsDir(), 'downscale-agreement.json'), JSON.stringify(out, null, 2));
const line = (name, s) =>
  `${name.padEnd(16)} top-1 ${s.top1Agree}/${s.of} (vs original ${s.top1AgreeOriginal}/${s.of})  |Δp top-1| max ${s.maxDTop1} mean ${s.meanDTop1}  max|Δp| ${s.maxAbsAnyClass}  browser ${s.browserMs} ms  Go ${s.goMs} ms  ${s.paths.join(',')}`;
for (const f of FACTORS) console.log(line(`12 MP, factor ${f}`, out.factors[f]));
console.log(line('12 MP, Go only', out.goPath12MP));
console.log(line('12 MP, floor', out.browserDecodeGoResize12MP));
const o = out.originals;
console.log(`originals: top-1 ${o.top1AgreeOriginal}/${o.of} with the command line, |Δp top-1| max ${o.maxDTop1Original}; ` + o.rows.map((r) => `${r.photo} ${r.path} ${r4(r.vsOriginal.dTop1)}`).join(', '));
