// Test harness: the real demo server (cmd/serve, built once) and Debian's
// Chromium through playwright-core, each in a fresh temporary directory, and
// both always stopped — after each test file and on any exit path.

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, mkdirSync, existsSync } from 'node:fs';
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

// The flags DESIGN.md pins for headless runs on these machines.
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
export async function launch({ args = [], permissions, viewport = { width: 1280, height: 900 }, reducedMotion } = {}) {
  const profile = mkdtempSync(join(tmpdir(), 'resnet-chromium-'));
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [...FLAGS, ...args],
    viewport,
    reducedMotion,
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
// reference the page must agree with) and resolves with file → top list.
export function nativeTops(files, model = MODEL) {
  return new Promise((resolve, reject) => {
    const p = spawn('go', ['run', './cmd/classify', '-model', model, '-json', ...files], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
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
