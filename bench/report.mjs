// bench/RESULTS.md from the results object bench/run.mjs collects.

import { writeFileSync } from 'node:fs';
import { fmt, mb, ratio } from './stats.mjs';

const NAMES = { resnet18: 'ResNet-18', resnet50: 'ResNet-50' };

function table(head, rows) {
  return [`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i ? '---:' : '---')).join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

const find = (res, model, pred) => res.browser.find((r) => r.model === model && pred(r));
const ours = (res, m, t = 1) => find(res, m, (r) => r.engine === 'engine' && r.quant === 'int8' && r.kernels === 'auto' && (r.threads ?? 1) === t);
const ortInt8 = (res, m, t = 1) => find(res, m, (r) => r.engine === 'ort' && r.quant === 'int8' && r.threads === t);
const ortFp32 = (res, m, t = 1) => find(res, m, (r) => r.engine === 'ort' && r.quant === 'fp32' && r.threads === t);
const engineBytes = (d) => (d ? d.code + d.model : null); // without images: the photo both fetch, the demo's gallery

// ratios are the project's targets, measured in this run.
export function targetRatios(res) {
  const out = [];
  for (const m of res.settings.models) {
    const a = ours(res, m);
    const b = ortInt8(res, m);
    if (!a || !b) continue;
    out.push({ what: `${NAMES[m]} inference, 1 thread, vs ORT Web int8`, value: ratio(a.inference?.median, b.inference?.median), byMin: ratio(a.inference?.min, b.inference?.min), target: '≤ 0.65×', max: 0.65 });
    out.push({ what: `${NAMES[m]} cold start vs ORT Web int8`, value: ratio(a.coldStart?.median, b.coldStart?.median), byMin: ratio(a.coldStart?.min, b.coldStart?.min), target: '≤ 0.5×', max: 0.5 });
    out.push({ what: `${NAMES[m]} bytes downloaded (code + model) vs ORT Web int8`, value: ratio(engineBytes(a.download), engineBytes(b.download)), target: '≤ 0.3×', max: 0.3 });
  }
  for (const m of res.settings.models) {
    const a1 = ours(res, m, 1);
    const a2 = ours(res, m, 2);
    const b2 = ortInt8(res, m, 2);
    if (a2 && b2) out.push({ what: `${NAMES[m]} inference, 2 threads, vs ORT Web int8 with 2 threads`, value: ratio(a2.inference?.median, b2.inference?.median), byMin: ratio(a2.inference?.min, b2.inference?.min), target: '≤ 0.65×', max: 0.65 });
    if (a1 && a2) out.push({ what: `${NAMES[m]} inference, this engine's speed-up from 1 to 2 threads`, value: ratio(a1.inference?.median, a2.inference?.median), byMin: ratio(a1.inference?.min, a2.inference?.min), target: '≥ 1.7×', min: 1.7 });
  }
  for (const r of out) r.met = r.value == null ? null : r.min != null ? r.value >= r.min : r.value <= r.max;
  if (res.webcam) out.push({ what: 'ResNet-18 webcam, headless Chromium', value: null, fps: res.webcam.fps?.median, target: '≥ 10 frames/s', met: res.webcam.fps ? res.webcam.fps.median >= 10 : null });
  return out;
}

export function writeResults(res, path) {
  const models = res.settings.models;
  const ratios = targetRatios(res);
  const rowsBy = (metric, f = fmt) => {
    const labels = [...new Set(res.browser.map((r) => r.label))];
    return labels.map((l) => [l, ...models.map((m) => f(find(res, m, (r) => r.label === l)?.[metric]))]);
  };
  const head = ['', ...models.map((m) => NAMES[m])];
  const mach = res.machine;
  const s = [];
  s.push('# Benchmark results');
  s.push('');
  s.push('Written by `make bench` (bench/run.mjs); do not edit by hand. Reproduce with `make bench` (several minutes; not part of `make test`).');
  s.push('');
  s.push(`- Date: ${res.date}`);
  s.push(`- Machine: ${mach.cpu}, ${mach.nproc} CPUs (nproc), ${mach.memGB?.toFixed(1)} GB; x86 SIMD: ${mach.simd.join(', ') || 'none'}; load average before ${mach.load}, after ${mach.loadAfter}`);
  s.push(`- Browser: ${res.chromium ? `Chromium ${res.chromium}` : '—'} (Debian, headless, fresh profile per launch); Node ${res.node}; onnxruntime-web / onnxruntime-node 1.30.0`);
  s.push(`- Models: full-size torchvision ResNet-18 and ResNet-50 with seeded random weights (testdata/parity/gen.py --full), 224×224. Engine: tools/convert from the .pth (int8 per-channel weights, or f32). ORT: the fp32 ONNX export (BatchNorm folded) and a static int8 QDQ model from it (bench/qdq.py).`);
  const busy = Math.max(...[mach.load, mach.loadAfter].map((l) => parseFloat(l) || 0));
  // The bench itself keeps both CPUs busy in its 2-thread rows: more than
  // that means someone else was running.
  if (busy > mach.nproc + 0.5) s.push(`- **The machine was shared with other jobs during this run** (1-minute load average up to ${busy.toFixed(2)} on ${mach.nproc} CPUs): medians are disturbed, 2-thread rows most; compare the minima too, or rerun on a quiet machine.`);
  s.push(`- Each figure: median (min–max) of ${res.settings.runs} runs after ${res.settings.warmup} warm-up runs; cold start: ${res.settings.cold} runs, each in a new browser context.`);
  s.push('');
  s.push('## Targets (ratios in this run)');
  s.push('');
  s.push(table(['', 'measured (medians)', 'from the fastest runs', 'target', ''], ratios.map((r) => [r.what, r.fps != null ? `${r.fps.toFixed(1)} frames/s` : r.value == null ? '—' : `${r.value.toFixed(2)}×`, r.byMin == null ? '' : `${r.byMin.toFixed(2)}×`, r.target, r.met == null ? '' : r.met ? 'met' : '**not met**'])));
  s.push('');
  s.push('Engine: int8 model, WebAssembly SIMD kernels, one Web Worker (one thread) unless the row says threads (the kernels split over that many workers on a shared memory). Bytes: code + model as sent (compressed where the server compresses), without images. "From the fastest runs" divides the minima: on a shared machine the least disturbed run of each side; the verdict uses the medians.');
  s.push('');
  s.push('## Chromium: inference latency, ms');
  s.push('');
  s.push('The same 224×224 input each run. Engine: `timings.inference` of `window.resnet.classify` (the forward pass in the worker). ORT: around `session.run`.');
  s.push('');
  s.push(table(head, rowsBy('inference')));
  s.push('');
  s.push('## Chromium: end to end, ms');
  s.push('');
  s.push('From the encoded photo (testdata/photos/coffee.jpg, 72 KB JPEG, in memory as a Blob) to the top-5. Engine: `window.resnet.classify(blob)` — decode, resize 256 / crop 224 and normalise in Go, forward pass, top-5, worker round trip. ORT: `createImageBitmap` + one canvas draw (resize 256 / crop 224) + normalise in JavaScript, `session.run`, softmax and top-5.');
  s.push('');
  s.push(table(head, rowsBy('endToEnd')));
  s.push('');
  const tops = models.map((m) => `${NAMES[m]}: ${[...new Set(res.browser.filter((r) => r.model === m && r.top1 != null).map((r) => r.top1))].join(', ')}`);
  s.push(`Top-1 class index of coffee.jpg over all configurations (one index per model means every row ran the same network): ${tops.join('; ')}.`);
  s.push('');
  s.push('## Chromium: cold start, ms');
  s.push('');
  s.push('Navigation → first top-5 of coffee.jpg in a new browser context (empty HTTP cache, Cache Storage and code cache), from `performance.now()` in the page.');
  s.push('');
  s.push(table(head, rowsBy('coldStart').filter((r) => r.slice(1).some((c) => c !== '—'))));
  s.push('');
  s.push('## Chromium: bytes downloaded in a cold start');
  s.push('');
  s.push('Response bodies as sent plus headers (playwright `request.sizes()`, which includes the worker\'s requests). Both servers compress the same way: brotli q11 for code where precompressed, gzip 9 otherwise, only where it saves ≥ 10 % (random weights barely compress; trained ones compress better). "Images" is coffee.jpg, which both fetch, plus the demo\'s sample gallery.');
  s.push('');
  const bytesRows = [];
  for (const r of res.browser.filter((x) => x.download)) {
    const d = r.download;
    bytesRows.push([`${NAMES[r.model]}: ${r.label}`, mb(engineBytes(d)), mb(d.code), mb(d.model), mb(d.images), mb(d.total), String(d.requests)]);
  }
  s.push(table(['', 'code + model', 'code', 'model', 'images', 'total', 'requests'], bytesRows));
  s.push('');
  s.push('## Chromium: peak memory');
  s.push('');
  s.push('Peak resident set (VmHWM) of the renderer process — the page, its workers and their WebAssembly memory — after the cold start, warm-up and all runs of that configuration.');
  s.push('');
  s.push(table(head, rowsBy('peakRSS', (x) => mb(x))));
  s.push('');
  if (res.webcams?.length) {
    s.push('## Chromium: webcam');
    s.push('');
    s.push(`Live mode of the demo page (int8) with Chromium's fake camera fed a ${res.webcams[0].clip} Y4M clip of testdata/photos/chelsea.png; results shown per second (the live card's count, read once a second). Threads: the page's \`?threads=\`; live frames run with one kernel thread fewer than that (web/startup.js, withLiveThreads), so that the page's frame pipeline keeps a core: on this 2-core machine both rows classify live frames on one thread.`);
    s.push('');
    s.push(table(['', 'frames/s', 'over the whole span', 'last timing line'], res.webcams.map((w) => [`${NAMES[w.model]}, ${w.threads} thread${w.threads > 1 ? 's' : ''}`, fmt(w.fps), w.overall ? w.overall.toFixed(1) : '—', (w.timing || '').trim()])));
    s.push('');
  } else if (res.webcam) {
    s.push('## Chromium: webcam');
    s.push('');
    s.push(`Live mode of the demo page (ResNet-18 int8) with Chromium's fake camera fed a ${res.webcam.clip} Y4M clip of testdata/photos/chelsea.png; results shown per second (the live card's count, read once a second): **${fmt(res.webcam.fps, ' frames/s')}**${res.webcam.overall ? `, ${res.webcam.overall.toFixed(1)} frames/s over the whole span` : ''}. Last timing line: "${(res.webcam.timing || '').trim()}".`);
    s.push('');
  }
  s.push('## Native');
  s.push('');
  s.push('Forward pass on the first image of the seeded input tensor (build/bench/models/*.in.f32), ms. Engine: bench/native (engine.Load + Model.Logits, the `classify -tensor` path; GOMAXPROCS set in the program because bild resets it at init). ORT: onnxruntime-node, intra-op threads as given. Fidelity: top-1 against PyTorch\'s logits for the same input, and max |Δlogit| over the logits\' range.');
  s.push('');
  const nat = [];
  for (const [who, rows] of [['engine', res.native.go || []], ['onnxruntime-node', res.native.ort || []]]) {
    const keys = [...new Set(rows.map((r) => `${r.quant}|${r.threads}`))];
    for (const k of keys) {
      const [q, t] = k.split('|');
      const cells = models.map((m) => {
        const r = rows.find((x) => x.model === m && x.quant === q && String(x.threads) === t);
        return r ? `${fmt(r.ms)} · top-1 ${r.top1 === r.refTop1 ? '=' : '≠'} · ${r.relErr.toExponential(1)}` : '—';
      });
      nat.push([`${who} ${q}, ${t} thread${t === '1' ? '' : 's'}`, ...cells]);
    }
  }
  s.push(table(head, nat));
  s.push('');
  if (res.native.fusedOps) {
    s.push('## ORT int8: does the QDQ model run as int8?');
    s.push('');
    s.push('Op types of the int8 QDQ model after ORT\'s graph optimiser (onnxruntime-node `optimizedModelFilePath`; the wasm build runs the same QDQ transformers). QLinearConv / QLinearAdd mean the convolutions and residual adds run in int8:');
    s.push('');
    for (const [m, ops] of Object.entries(res.native.fusedOps)) s.push(`- ${NAMES[m]}: ${Object.entries(ops).map(([k, v]) => `${k} ${v}`).join(', ')}`);
    s.push('');
  }
  s.push('Raw numbers: build/bench/results.json (not committed).');
  s.push('');
  writeFileSync(path, s.join('\n'));
  return ratios;
}
