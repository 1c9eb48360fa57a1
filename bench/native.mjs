// Native rows of `make bench`: the engine's command-line path (bench/native,
// a Go program around engine.Load + Model.Logits) against onnxruntime-node
// (its binaries ship inside the npm package), on the same seeded input, 1
// and 2 threads; plus the logits of each, checked against PyTorch's.

import { execFileSync } from 'node:child_process';
import { readFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { summary } from './stats.mjs';

const require = createRequire(import.meta.url);

const PIXELS = 3 * 224 * 224;

function firstImage(path) {
  const b = readFileSync(path);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + 4 * PIXELS));
}

function floats(path, n) {
  const b = readFileSync(path);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + 4 * n));
}

const argmax = (v) => v.reduce((best, x, i) => (x > v[best] ? i : best), 0);

// relErr is max |a-b| over the logits' spread: how far two frameworks
// disagree, in units the top-k order cares about.
function relErr(a, b) {
  let d = 0;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    lo = Math.min(lo, b[i]);
    hi = Math.max(hi, b[i]);
  }
  return d / (hi - lo);
}

// goRows runs bench/native per model, quantisation and thread count.
export function goRows({ bin, dir, models, threads, runs, warmup, log }) {
  const out = [];
  for (const m of models) {
    for (const q of ['int8', 'f32']) {
      for (const t of threads) {
        const logits = join(dir, 'logits', `${m}-${q}-go-${t}.f32`);
        mkdirSync(join(dir, 'logits'), { recursive: true });
        const r = JSON.parse(execFileSync(bin, ['-threads', String(t), '-model', join(dir, 'rnm', `${m}-${q}.rnm`), '-tensor', join(dir, 'models', `${m}.in.f32`), '-runs', String(runs), '-warmup', String(warmup), '-logits', logits], { encoding: 'utf8' }));
        const ref = floats(join(dir, 'models', `${m}.logits.f32`), 1000);
        const got = floats(logits, 1000);
        const row = { model: m, quant: q, threads: t, ms: summary(r.runsMs), top1: r.top1, refTop1: argmax(ref), relErr: relErr(got, ref) };
        log(`native go   ${m} ${q} ${t}t: ${row.ms.median.toFixed(1)} ms`);
        out.push(row);
      }
    }
  }
  return out;
}

// ortRows runs onnxruntime-node on the fp32 export and the int8 QDQ model.
export async function ortRows({ dir, models, threads, runs, warmup, log }) {
  const ort = require('onnxruntime-node');
  const out = [];
  for (const m of models) {
    const x = firstImage(join(dir, 'models', `${m}.in.f32`));
    const ref = floats(join(dir, 'models', `${m}.logits.f32`), 1000);
    for (const q of ['int8', 'fp32']) {
      for (const t of threads) {
        const s = await ort.InferenceSession.create(join(dir, 'onnx', `${m}-${q}.onnx`), {
          intraOpNumThreads: t,
          interOpNumThreads: 1,
          executionMode: 'sequential',
          graphOptimizationLevel: 'all',
        });
        const feed = { [s.inputNames[0]]: new ort.Tensor('float32', x, [1, 3, 224, 224]) };
        let r;
        for (let i = 0; i < warmup; i++) r = await s.run(feed);
        const ts = [];
        for (let i = 0; i < runs; i++) {
          const t0 = performance.now();
          r = await s.run(feed);
          ts.push(performance.now() - t0);
        }
        const got = r[s.outputNames[0]].data;
        await s.release();
        const row = { model: m, quant: q, threads: t, ms: summary(ts), top1: argmax(got), refTop1: argmax(ref), relErr: relErr(got, ref) };
        log(`native ort  ${m} ${q} ${t}t: ${row.ms.median.toFixed(1)} ms`);
        out.push(row);
      }
    }
  }
  return out;
}

// fusedOps asks ORT (native, same graph optimiser as its wasm build) for
// the optimised int8 graph and counts its op types: QLinearConv there means
// the QDQ model really runs as int8.
export async function fusedOps({ dir, models, python }) {
  const ort = require('onnxruntime-node');
  const out = {};
  for (const m of models) {
    mkdirSync(join(dir, 'onnx-optimized'), { recursive: true });
    const opt = join(dir, 'onnx-optimized', `${m}-int8.onnx`);
    const s = await ort.InferenceSession.create(join(dir, 'onnx', `${m}-int8.onnx`), {
      intraOpNumThreads: 1,
      graphOptimizationLevel: 'all',
      optimizedModelFilePath: opt,
      logSeverityLevel: 3,
    });
    await s.release();
    out[m] = JSON.parse(execFileSync(python, ['bench/qdq.py', '--ops', opt], { encoding: 'utf8' }));
  }
  return out;
}
