// The cold start alone, with its breakdown: this engine's page against ONNX
// Runtime Web int8 (1 thread) on the same full-size ResNet, alternating one
// cold start of each so that both sides see the same machine load. Each run
// is a new browser context (empty HTTP cache, Cache Storage and code cache):
// navigation → first top-5 of coffee.jpg, as `make bench` measures it.
// Prints the medians, their ratio, and the median time of each start-up mark
// the engine's page sets (web/app.js, web/worker.js), in order.
//
//   node bench/cold.mjs            (after make bench-models wasm)
//
// Environment: COLD_RUNS (10), BENCH_MODELS ("resnet18"), COLD_JSON (a file
// to write every run to).

import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startStatic, startServe } from './server.mjs';
import { launch, coldStart } from './browser.mjs';
import { summary } from './stats.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(ROOT);
const DIR = 'build/bench';
const RUNS = Number(process.env.COLD_RUNS || 10);
const MODELS = (process.env.BENCH_MODELS || 'resnet18').split(/\s+/).filter(Boolean);
const ORT_FILES = ['ort.wasm.min.mjs', 'ort-wasm-simd-threaded.mjs', 'ort-wasm-simd-threaded.wasm'];

// The server under test is this tree's cmd/serve, whatever build/bench holds.
const built = spawnSync('go', ['build', '-o', join(DIR, 'serve'), './cmd/serve'], { stdio: 'inherit' });
if (built.status !== 0) throw new Error('go build ./cmd/serve failed');
mkdirSync(join(DIR, 'ort'), { recursive: true });
for (const f of ORT_FILES) copyFileSync(join('bench/node_modules/onnxruntime-web/dist', f), join(DIR, 'ort', f));

const ortSrv = await startStatic({ '/': 'bench/page', '/ort/': join(DIR, 'ort'), '/models/': join(DIR, 'onnx'), '/samples/': 'testdata/photos' }, { cacheDir: join(DIR, 'cache') });
const serve = await startServe(join(DIR, 'serve'), join(DIR, 'rnm'));
const [engineBrowser, ortBrowser] = [await launch(), await launch()];
const all = {};
try {
  for (const m of MODELS) {
    const sides = {
      engine: { browser: engineBrowser, kind: 'engine', url: `${serve.origin}/?model=/models/${m}-int8.rnm`, runs: [] },
      ort: { browser: ortBrowser, kind: 'ort', url: `${ortSrv.origin}/ort.html?model=/models/${m}-int8.onnx&threads=1`, runs: [] },
    };
    for (let i = 0; i < RUNS; i++) {
      for (const s of Object.values(sides)) s.runs.push(await coldStart(s.browser, s));
    }
    const med = (side) => summary(sides[side].runs.map((r) => r.firstTop5)).median;
    console.log(`${m}: cold start, median of ${RUNS}: engine int8 ${med('engine').toFixed(0)} ms, ORT Web int8 ${med('ort').toFixed(0)} ms, ratio ${(med('engine') / med('ort')).toFixed(2)}`);
    console.log(`  engine: ${sides.engine.runs.map((r) => r.firstTop5.toFixed(0)).join(' ')}`);
    console.log(`  ORT:    ${sides.ort.runs.map((r) => r.firstTop5.toFixed(0)).join(' ')}`);
    for (const side of ['engine', 'ort']) {
      console.log(`  ${side} marks (median ms after navigation start):`);
      const names = Object.keys(sides[side].runs[0].marks);
      const rows = names.map((n) => [n, summary(sides[side].runs.map((r) => r.marks[n]).filter((v) => v != null)).median]);
      rows.sort((a, b) => a[1] - b[1]);
      for (const [n, v] of rows) console.log(`    ${v.toFixed(0).padStart(6)}  ${n}`);
    }
    const t = sides.engine.runs.map((r) => r.timings);
    const stages = Object.keys(t[0]).filter((k) => typeof t[0][k] === 'number');
    console.log(`  engine first classify: ${stages.map((k) => `${k} ${summary(t.map((x) => x[k])).median.toFixed(1)}`).join(', ')}`);
    all[m] = Object.fromEntries(Object.entries(sides).map(([k, s]) => [k, s.runs.map(({ firstTop5, marks, timings, bytes }) => ({ firstTop5, marks, timings, bytes }))]));
  }
} finally {
  await engineBrowser.close();
  await ortBrowser.close();
  serve.stop();
  await ortSrv.stop();
}
if (process.env.COLD_JSON) writeFileSync(process.env.COLD_JSON, JSON.stringify(all, null, 2));
