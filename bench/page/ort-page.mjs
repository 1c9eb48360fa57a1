// The peer's page for `make bench`: ONNX Runtime Web's wasm backend (SIMD,
// 1 or 2 threads) with the same ResNet, and the same preprocessing as the
// engine done in JavaScript — decode with createImageBitmap, shorter side
// to 256 and centre crop 224 in one canvas draw, torchvision normalisation.
// window.bench mirrors window.resnet: {ready, classify(blob), infer(tensor)}.

import * as ort from '/ort/ort.wasm.min.mjs';

const q = new URLSearchParams(location.search);
const modelURL = q.get('model');
const threads = Number(q.get('threads') || '1');
const profile = q.get('profile') === '1';

const SIZE = 224;
const RESIZE = 256;
const MEAN = [0.485, 0.456, 0.406];
const STD = [0.229, 0.224, 0.225];

ort.env.wasm.numThreads = threads;
ort.env.wasm.proxy = false;
ort.env.wasm.wasmPaths = '/ort/';

async function start() {
  if (!modelURL) throw new Error('no ?model= in the page URL');
  const t0 = performance.now();
  const session = await ort.InferenceSession.create(modelURL, {
    executionProviders: ['wasm'],
    graphOptimizationLevel: 'all',
    enableProfiling: profile,
  });
  return { session, ms: performance.now() - t0, crossOriginIsolated: self.crossOriginIsolated, threads: ort.env.wasm.numThreads };
}

const ready = start();

// preprocess turns an encoded image into a 1×3×224×224 NCHW tensor.
async function preprocess(blob) {
  const bmp = await createImageBitmap(blob, { imageOrientation: 'from-image' });
  const s = RESIZE / Math.min(bmp.width, bmp.height);
  // The 224 crop of the resized image is a (224/s)-sized square of the source.
  const side = SIZE / s;
  const sx = (bmp.width - side) / 2;
  const sy = (bmp.height - side) / 2;
  const c = new OffscreenCanvas(SIZE, SIZE).getContext('2d', { willReadFrequently: true });
  c.imageSmoothingEnabled = true;
  c.imageSmoothingQuality = 'high';
  c.drawImage(bmp, sx, sy, side, side, 0, 0, SIZE, SIZE);
  bmp.close();
  const px = c.getImageData(0, 0, SIZE, SIZE).data;
  const plane = SIZE * SIZE;
  const x = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) {
    for (let k = 0; k < 3; k++) x[k * plane + i] = (px[4 * i + k] / 255 - MEAN[k]) / STD[k];
  }
  return x;
}

async function run(x) {
  const { session } = await ready;
  const out = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', x, [1, 3, SIZE, SIZE]) });
  return out[session.outputNames[0]].data;
}

function top5(logits) {
  let mx = -Infinity;
  for (const v of logits) mx = Math.max(mx, v);
  const p = Array.from(logits, (v) => Math.exp(v - mx));
  const sum = p.reduce((a, b) => a + b, 0);
  return p
    .map((v, index) => ({ index, prob: v / sum }))
    .sort((a, b) => b.prob - a.prob)
    .slice(0, 5);
}

window.bench = {
  ready: ready.then(({ session, ...info }) => ({ ...info, inputs: session.inputNames, outputs: session.outputNames })),
  // classify: encoded image → top-5, with stage timings like the engine's.
  async classify(blob) {
    const t0 = performance.now();
    const x = await preprocess(blob);
    const t1 = performance.now();
    const logits = await run(x);
    const t2 = performance.now();
    return { top: top5(logits), timings: { preprocess: t1 - t0, inference: t2 - t1, total: performance.now() - t0 } };
  },
  preprocess,
  // infer: one forward pass on a preprocessed tensor; ms of session.run.
  async infer(x) {
    const t0 = performance.now();
    const logits = await run(x);
    return { ms: performance.now() - t0, top1: top5(logits)[0].index };
  },
  async endProfiling() {
    (await ready).session.endProfiling();
  },
};

ready.then(
  (r) => (document.getElementById('out').textContent = `ready in ${r.ms.toFixed(0)} ms, ${r.threads} thread(s)`),
  (e) => (document.getElementById('out').textContent = `error: ${e.message}`),
);
