// `make bench`: this engine against ONNX Runtime 1.30 on the same full-size
// ResNet-18 and ResNet-50 (seeded random weights), in headless Chromium and
// natively. Expects the models bench/Makefile.inc prepares in build/bench/;
// writes build/bench/results.json and bench/RESULTS.md and prints the
// ratios the project targets.
//
//   node bench/run.mjs            measure everything (several minutes)
//   node bench/run.mjs --report   rewrite RESULTS.md from build/bench/results.json
//
// Environment: BENCH_RUNS (10), BENCH_WARMUP (3), BENCH_COLD (10),
// BENCH_MODELS ("resnet18 resnet50"), BENCH_SKIP (words among: native
// browser go webcam threads2).

import { copyFileSync, mkdirSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startStatic, startServe } from './server.mjs';
import { measure, webcamFPS } from './browser.mjs';
import { goRows, ortRows, fusedOps } from './native.mjs';
import { y4mFromPhoto } from './y4m.mjs';
import { writeResults } from './report.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(ROOT);
const DIR = 'build/bench';
const PYTHON = '/usr/bin/python3';
const env = (k, d) => (process.env[k] ? Number(process.env[k]) : d);
const RUNS = env('BENCH_RUNS', 10);
const WARMUP = env('BENCH_WARMUP', 3);
const COLD = env('BENCH_COLD', 10);
const MODELS = (process.env.BENCH_MODELS || 'resnet18 resnet50').split(/\s+/).filter(Boolean);
const SKIP = new Set((process.env.BENCH_SKIP || '').split(/\s+/).filter(Boolean));
const ORT_FILES = ['ort.wasm.min.mjs', 'ort-wasm-simd-threaded.mjs', 'ort-wasm-simd-threaded.wasm'];

const log = (s) => console.log(`bench: ${s}`);

function printRatios(ratios) {
  for (const r of ratios) {
    const v = r.fps != null ? `${r.fps.toFixed(1)} frames/s` : r.value == null ? '—' : `${r.value.toFixed(2)}×`;
    log(`${r.what}: ${v} (target ${r.target})${r.met == null ? '' : r.met ? ' met' : ' NOT met'}`);
  }
}

// --report rewrites bench/RESULTS.md from the last run's results.json.
if (process.argv.includes('--report')) {
  printRatios(writeResults(JSON.parse(readFileSync(join(DIR, 'results.json'), 'utf8')), 'bench/RESULTS.md'));
  process.exit(0);
}

for (const m of MODELS) {
  for (const f of [`rnm/${m}-int8.rnm`, `rnm/${m}-f32.rnm`, `onnx/${m}-int8.onnx`, `onnx/${m}-fp32.onnx`, `models/${m}.in.f32`]) {
    if (!existsSync(join(DIR, f))) throw new Error(`missing ${DIR}/${f}: run make bench (bench/Makefile.inc prepares the models)`);
  }
}

function machine() {
  const cpu = readFileSync('/proc/cpuinfo', 'utf8');
  const model = cpu.match(/^model name\s*:\s*(.*)$/m)?.[1] ?? 'unknown';
  const flags = cpu.match(/^flags\s*:\s*(.*)$/m)?.[1].split(' ') ?? [];
  const mem = readFileSync('/proc/meminfo', 'utf8').match(/MemTotal:\s+(\d+)/)?.[1];
  return {
    cpu: model,
    simd: ['sse4_1', 'avx', 'avx2', 'fma', 'avx512f', 'avx512_vnni', 'avx_vnni'].filter((f) => flags.includes(f)),
    nproc: Number(process.env.NPROC || 0) || (cpu.match(/^processor\s*:/gm) || []).length,
    memGB: mem ? Number(mem) / 1048576 : null,
    load: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
  };
}

const results = {
  date: new Date().toISOString(),
  machine: machine(),
  node: process.version,
  settings: { runs: RUNS, warmup: WARMUP, cold: COLD, models: MODELS },
  browser: [],
  native: { go: [], ort: [] },
};
log(`${results.machine.cpu}, ${results.machine.nproc} CPUs, load ${results.machine.load}`);

if (!SKIP.has('native')) {
  results.native.fusedOps = await fusedOps({ dir: DIR, models: MODELS, python: PYTHON });
  results.native.go = goRows({ bin: join(DIR, 'native'), dir: DIR, models: MODELS, threads: [1, 2], runs: RUNS, warmup: WARMUP, log });
  results.native.ort = await ortRows({ dir: DIR, models: MODELS, threads: [1, 2], runs: RUNS, warmup: WARMUP, log });
}

if (!SKIP.has('browser')) {
  mkdirSync(join(DIR, 'ort'), { recursive: true });
  for (const f of ORT_FILES) copyFileSync(join('bench/node_modules/onnxruntime-web/dist', f), join(DIR, 'ort', f));
  const ortSrv = await startStatic({ '/': 'bench/page', '/ort/': join(DIR, 'ort'), '/models/': join(DIR, 'onnx'), '/samples/': 'testdata/photos' }, { cacheDir: join(DIR, 'cache') });
  const serve = await startServe(join(DIR, 'serve'), join(DIR, 'rnm'));
  try {
    const configs = [];
    for (const m of MODELS) {
      for (const q of ['int8', 'f32']) {
        configs.push({ engine: 'engine', label: `engine ${q}, SIMD kernels, 1 thread`, model: m, quant: q, threads: 1, kernels: 'auto', kind: 'engine', url: `${serve.origin}/?model=/models/${m}-${q}.rnm&threads=1` });
      }
      // The thread pool (engine/kernels/wat/pool.mjs): 2 threads, and 4 on
      // this 2-core machine, which shows what oversubscription costs.
      for (const t of SKIP.has('threads2') ? [] : [2, 4]) {
        configs.push({ engine: 'engine', label: `engine int8, SIMD kernels, ${t} threads`, model: m, quant: 'int8', threads: t, kernels: 'auto', kind: 'engine', url: `${serve.origin}/?model=/models/${m}-int8.rnm&threads=${t}`, cold: t === 2 ? COLD : 0 });
      }
      if (!SKIP.has('go')) {
        configs.push({ engine: 'engine', label: 'engine int8, pure-Go kernels (?kernels=go)', model: m, quant: 'int8', threads: 1, kernels: 'go', kind: 'engine', url: `${serve.origin}/?model=/models/${m}-int8.rnm&kernels=go`, cold: 0, e2e: false });
      }
      for (const q of ['int8', 'fp32']) {
        for (const t of SKIP.has('threads2') ? [1] : [1, 2]) {
          configs.push({ engine: 'ort', label: `ORT Web ${q}, ${t} thread${t > 1 ? 's' : ''}`, model: m, quant: q, threads: t, kind: 'ort', url: `${ortSrv.origin}/ort.html?model=/models/${m}-${q}.onnx&threads=${t}`, cold: t === 1 ? COLD : 0 });
        }
      }
    }
    for (const c of configs) {
      log(`${c.model}: ${c.label} …`);
      const r = await measure({ kind: c.kind, url: c.url, cold: c.cold ?? COLD, runs: RUNS, warmup: WARMUP, e2e: c.e2e ?? true });
      results.chromium = r.version;
      const { url, kind, ...rest } = c;
      results.browser.push({ ...rest, path: new URL(url).pathname + new URL(url).search, ...r, cold: undefined, bytes: undefined });
      log(`  inference ${r.inference?.median.toFixed(1)} ms, end-to-end ${r.endToEnd?.median.toFixed(1) ?? '—'} ms, cold ${r.coldStart?.median.toFixed(0) ?? '—'} ms, ${r.download ? (r.download.total / 1e6).toFixed(2) + ' MB' : '—'}, peak RSS ${r.peakRSS ? (r.peakRSS / 1e6).toFixed(0) + ' MB' : '—'}${r.info?.kernels ? ', kernels ' + r.info.kernels : ''}`);
    }
    if (!SKIP.has('webcam')) {
      const clip = join(DIR, 'webcam.y4m');
      writeFileSync(clip, y4mFromPhoto('testdata/photos/chelsea.png', { fps: 30 }));
      results.webcams = [];
      for (const m of MODELS) {
        for (const t of SKIP.has('threads2') ? [1] : [1, 2]) {
          log(`${m}: webcam live mode (fake camera, 640×480 at 30 frames/s), ${t} thread${t > 1 ? 's' : ''} …`);
          const r = { model: m, quant: 'int8', threads: t, clip: '640×480, 30 frames/s', ...(await webcamFPS({ url: `${serve.origin}/?model=/models/${m}-int8.rnm&threads=${t}`, clip, seconds: Math.max(RUNS, 10) })) };
          results.webcams.push(r);
          log(`  ${r.fps?.median} frames/s`);
        }
      }
      results.webcam = results.webcams.find((r) => r.model === 'resnet18' && r.threads === 1);
    }
  } finally {
    serve.stop();
    await ortSrv.stop();
  }
}

results.machine.loadAfter = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
writeFileSync(join(DIR, 'results.json'), JSON.stringify(results, null, 2));
const ratios = writeResults(results, 'bench/RESULTS.md');
log('wrote bench/RESULTS.md and build/bench/results.json');
printRatios(ratios);
