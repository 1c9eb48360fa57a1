// Test harness: the real demo server (cmd/serve, built once) and Debian's
// Chromium through playwright-core, each in a fresh temporary directory, and
// both always stopped — after each test file and on any exit path.

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, mkdirSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { chromium } = require('playwright-core');

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const PHOTOS = join(ROOT, 'testdata', 'photos');
export const ARTIFACTS = join(ROOT, 'artifacts', 'web');
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

// Headless Chromium without GPU, network side traffic or a sandbox (these
// machines run it as root); bench/browser.mjs uses the same.
export const FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

const cleanups = [];
function onExit() {
  while (cleanups.length) {
    try {
      cleanups.pop()();
    } catch {
      // best effort on the way out
    }
  }
}
process.on('exit', onExit);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130));

let serveBin = null;
function buildServe() {
  if (serveBin) return serveBin;
  const dir = mkdtempSync(join(tmpdir(), 'resnet-serve-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const bin = join(dir, 'serve');
  const r = spawnSync('go', ['build', '-o', bin, './cmd/serve'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('go build ./cmd/serve failed');
  serveBin = bin;
  return bin;
}

// startServer runs cmd/serve on a free port and resolves with its origin.
// extra: more flags (e.g. -models DIR).
export async function startServer(extra = []) {
  const bin = buildServe();
  const proc = spawn(bin, ['-addr', '127.0.0.1:0', ...extra], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const kill = () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
  };
  cleanups.push(kill);
  let log = '';
  proc.stderr.on('data', (d) => (log += d));
  const origin = await new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`server did not start:\n${log}`)), 15000);
    let out = '';
    proc.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/http:\/\/127\.0\.0\.1:\d+/);
      if (m) {
        clearTimeout(t);
        resolve(m[0]);
      }
    });
    proc.on('exit', (code) => reject(new Error(`server exited (${code}):\n${log}`)));
  });
  return {
    origin,
    log: () => log,
    stop: async () => {
      kill();
      if (proc.exitCode === null && proc.signalCode === null) await new Promise((r) => proc.once('exit', r));
    },
  };
}

// launch starts Chromium with a fresh profile. args: extra flags (fake
// camera); permissions: e.g. ['camera'] or [] to deny.
// mobile: a phone's touch screen at density 2.
export async function launch({ args = [], permissions, viewport = { width: 1280, height: 900 }, reducedMotion, mobile = false } = {}) {
  const profile = mkdtempSync(join(tmpdir(), 'resnet-chromium-'));
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [...FLAGS, ...args],
    viewport,
    reducedMotion,
    ...(mobile ? { isMobile: true, hasTouch: true, deviceScaleFactor: 2 } : {}),
  });
  const close = async () => {
    try {
      await ctx.close();
    } catch {
      // already gone
    }
    rmSync(profile, { recursive: true, force: true });
  };
  // On a crash path the process must still die: playwright's own exit hook
  // kills the browser; the profile is removed here.
  cleanups.push(() => rmSync(profile, { recursive: true, force: true }));
  if (permissions) {
    await ctx.clearPermissions();
    if (permissions.length) await ctx.grantPermissions(permissions);
  }
  return { ctx, close };
}

// openDemo opens the page (in the context's first tab, or in page) and
// waits for the model to be ready.
export async function openDemo(ctx, url, { timeout = 120000, page: tab } = {}) {
  const page = tab || ctx.pages()[0] || (await ctx.newPage());
  const consoleLines = [];
  page.on('console', (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => consoleLines.push(`pageerror: ${e.message}`));
  await page.goto(url);
  await page.waitForFunction(() => document.body.dataset.ready, null, { timeout });
  const state = await page.evaluate(() => document.body.dataset.ready);
  if (state !== 'true') {
    const err = await page.locator('#load-error').textContent();
    throw new Error(`page did not become ready: ${err}\n${consoleLines.join('\n')}`);
  }
  return { page, consoleLines };
}

// MODELS is the directory served under /models/ (make weights writes the
// default model there); MODEL the default ResNet-50 in it.
export const MODELS = process.env.RESNET_MODELS || join(ROOT, 'weights');
export const MODEL = join(MODELS, 'resnet50-keras.rnm');

// skipWithoutModel is a node:test skip reason when the default model is
// absent — unless RESNET_REQUIRE_WEIGHTS is set (make test), where a missing
// model must fail, not skip.
export function skipWithoutModel() {
  if (existsSync(MODEL) || process.env.RESNET_REQUIRE_WEIGHTS) return false;
  return `no model at ${MODEL} (make weights)`;
}

// nativeTops runs the command line once over several files (it is the
// reference the page must agree with) and resolves with file → top list
// (the top k, 5 unless told).
export function nativeTops(files, model = MODEL, { k = 5 } = {}) {
  return new Promise((resolve, reject) => {
    const p = spawn('go', ['run', './cmd/classify', '-model', model, '-k', String(k), '-json', ...files], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    cleanups.push(() => p.exitCode === null && p.kill('SIGKILL'));
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('exit', () => {
      const m = new Map();
      for (const line of out.trim().split('\n')) {
        if (!line) continue;
        const o = JSON.parse(line);
        if (o.error) return reject(new Error(`classify ${o.file}: ${o.error}`));
        m.set(o.file, o.top);
      }
      if (m.size !== files.length) return reject(new Error(`classify gave ${m.size} of ${files.length} results: ${err}`));
      resolve(m);
    });
  });
}

export function artifactsDir() {
  mkdirSync(ARTIFACTS, { recursive: true });
  return ARTIFACTS;
}

// bigPhotos writes ~12-megapixel JPEG versions of the committed photos into
// dir (ImageMagick, Debian, bilinear upscale; EXIF orientation is kept),
// two at a time, and resolves with name → path. Made at run time: large
// fixtures are not committed.
export async function bigPhotos(dir, names, megapixels = 12) {
  const out = new Map();
  const one = (n) =>
    new Promise((resolve, reject) => {
      const file = join(dir, `${n.replace(/\.[a-z]+$/, '')}-${megapixels}mp.jpg`);
      const p = spawn('convert', [join(PHOTOS, n), '-filter', 'Triangle', '-resize', `${megapixels * 1e6}@`, '-quality', '90', file], { stdio: ['ignore', 'ignore', 'pipe'] });
      cleanups.push(() => p.exitCode === null && p.kill('SIGKILL'));
      let err = '';
      p.stderr.on('data', (d) => (err += d));
      p.on('error', reject);
      p.on('exit', (code) => (code === 0 ? resolve(out.set(n, file)) : reject(new Error(`convert ${n}: ${err}`))));
    });
  const queue = [...names];
  const worker = async () => {
    while (queue.length) await one(queue.shift());
  };
  await Promise.all([worker(), worker()]);
  return new Map(names.map((n) => [n, out.get(n)]));
}

// PHOTO_NAMES are the committed photos (testdata/photos/*.jpg|png).
export const PHOTO_NAMES = readdirSync(PHOTOS).filter((n) => /\.(jpe?g|png)$/i.test(n)).sort();

// y4m makes a clip for Chromium's fake camera (--use-file-for-fake-video-
// capture): a few identical 4:2:0 frames (BT.601 limited range, what
// Chromium's capture pipeline assumes) from raw w×h RGB.
export function y4m(rgb, w, h, frames = 3) {
  const ySize = w * h;
  const c = (w / 2) * (h / 2);
  const plane = Buffer.alloc(ySize + 2 * c);
  const at = (x, y, k) => rgb[3 * (y * w + x) + k];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const r = at(x, y, 0), g = at(x, y, 1), b = at(x, y, 2);
      plane[y * w + x] = Math.round(16 + (65.481 * r + 128.553 * g + 24.966 * b) / 255);
    }
  }
  for (let y = 0; y < h / 2; y++) {
    for (let x = 0; x < w / 2; x++) {
      let r = 0, g = 0, b = 0;
      for (const [dx, dy] of [[0, 0], [1, 0], [0, 1], [1, 1]]) {
        r += at(2 * x + dx, 2 * y + dy, 0) / 4;
        g += at(2 * x + dx, 2 * y + dy, 1) / 4;
        b += at(2 * x + dx, 2 * y + dy, 2) / 4;
      }
      plane[ySize + y * (w / 2) + x] = Math.round(128 + (-37.797 * r - 74.203 * g + 112 * b) / 255);
      plane[ySize + c + y * (w / 2) + x] = Math.round(128 + (112 * r - 93.786 * g - 18.214 * b) / 255);
    }
  }
  const parts = [Buffer.from(`YUV4MPEG2 W${w} H${h} F10:1 Ip A1:1 C420jpeg\n`)];
  for (let i = 0; i < frames; i++) parts.push(Buffer.from('FRAME\n'), plane);
  return Buffer.concat(parts);
}
