// Static hosting: `make dist` writes a folder that a plain static file
// server publishes as it is. Here Python's http.server (no COOP/COEP, no
// CSP, no compression, its own guesses of content types) serves it under a
// sub-path, as a GitHub Pages project site would (https://USER.github.io/
// REPO/), and the page works end to end in Chromium: the model loads, a
// file and a sample give the command line's top-1, nothing is logged as an
// error. Precompressed files sit beside the originals. The first visit runs
// on one thread (not cross-origin isolated) and says so; from the next on,
// the page's service worker adds COOP/COEP and the kernels use every core.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, brotliDecompressSync } from 'node:zlib';
import { ROOT, PHOTOS, launch, openDemo, nativeTops, skipWithoutModel } from './harness.mjs';

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

describe('make dist on a plain static server', { skip: skipWithoutModel() }, () => {
  let root, site, py, origin, browser, native;

  before(async () => {
    native = nativeTops([join(PHOTOS, 'coffee.jpg'), join(PHOTOS, 'squirrel.jpg')]);
    native.catch(() => {});
    root = mkdtempSync(join(tmpdir(), 'resnet-dist-'));
    site = join(root, 'demo');
    const m = spawnSync('make', ['--no-print-directory', 'dist', `DIST=${site}`], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(m.status, 0, `make dist: ${m.stdout}\n${m.stderr}`);
    const port = await freePort();
    py = spawn('/usr/bin/python3', ['-m', 'http.server', String(port), '--bind', '127.0.0.1', '--directory', root], { stdio: ['ignore', 'pipe', 'pipe'] });
    process.on('exit', () => py.exitCode === null && py.kill('SIGKILL'));
    origin = `http://127.0.0.1:${port}`;
    for (let i = 0; ; i++) {
      try {
        if ((await fetch(`${origin}/demo/manifest.json`)).ok) break;
      } catch {
        // not listening yet
      }
      if (i > 100) throw new Error('python3 -m http.server did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
    browser = await launch();
  });

  after(async () => {
    await browser?.close();
    if (py && py.exitCode === null) {
      py.kill('SIGKILL');
      await new Promise((r) => py.once('exit', r));
    }
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('writes precompressed files beside the originals', () => {
    const mf = JSON.parse(readFileSync(join(site, 'manifest.json'), 'utf8'));
    const wasm = join(site, mf.wasm.url.split('?')[0]);
    const model = join(site, mf.defaultModel.split('?')[0]);
    for (const f of [wasm, join(site, 'app.js'), join(site, 'index.html')]) {
      assert.deepEqual(brotliDecompressSync(readFileSync(`${f}.br`)), readFileSync(f), `${f}.br`);
      assert.deepEqual(gunzipSync(readFileSync(`${f}.gz`)), readFileSync(f), `${f}.gz`);
    }
    assert.ok(statSync(`${model}.gz`).size < statSync(model).size, 'the model has no smaller .gz');
    // Every URL in the manifest is relative, and there.
    for (const u of [mf.wasm.url, mf.wasmExec, mf.kernels.loader, mf.defaultModel, ...mf.samples.map((s) => s.thumb), ...mf.shell]) {
      assert.ok(!u.startsWith('/'), `absolute URL in the manifest: ${u}`);
      assert.ok(existsSync(join(site, u.split('?')[0])), `${u} is not in the folder`);
    }
  });

  it('works end to end under a sub-path, without any special header', async () => {
    const res = await fetch(`${origin}/demo/`);
    for (const h of ['cross-origin-opener-policy', 'cross-origin-embedder-policy', 'content-security-policy', 'content-encoding']) {
      assert.equal(res.headers.get(h), null, `the static server sent ${h}`);
    }
    const { page, consoleLines } = await openDemo(browser.ctx, `${origin}/demo/`);
    const info = await page.evaluate(() => window.resnet.ready);
    assert.equal(info.depth, 50);
    assert.equal(info.kernels, 'simd');
    await page.setInputFiles('#files', [join(PHOTOS, 'coffee.jpg')]);
    await page.locator('#gallery button[title="squirrel"]').click();
    for (const n of ['coffee.jpg', 'squirrel.jpg']) {
      await page.waitForFunction((n) => [...document.querySelectorAll('#results .card')].some((c) => c.querySelector('.name').textContent === n && (c.dataset.top1 || c.dataset.error)), n, { timeout: 120000 });
      const got = await page.evaluate((n) => {
        const c = [...document.querySelectorAll('#results .card')].find((c) => c.querySelector('.name').textContent === n);
        return { top1: c.dataset.top1, status: c.querySelector('.status').textContent };
      }, n);
      assert.equal(got.top1, (await native).get(join(PHOTOS, n))[0].label, `${n}: ${got.status}`);
    }
    assert.deepEqual(consoleLines.filter((l) => /^(error|pageerror)/.test(l)), []);
    // Without COOP/COEP the first visit cannot share memory: one thread,
    // and the page says why.
    assert.equal(await page.evaluate(() => self.crossOriginIsolated), false);
    assert.equal(info.threads.threads, 1);
    assert.equal(await page.locator('#mi-threads').textContent(), '1 (the page is not cross-origin isolated)');
  });

  it('gets threads from the next visit on: the service worker adds COOP/COEP', async () => {
    // The previous test's visit installed web/sw.js; once it controls the
    // page, what it serves carries the isolation headers (web/sw.js).
    const first = await browser.ctx.newPage();
    await first.goto(`${origin}/demo/`);
    await first.evaluate(() => navigator.serviceWorker.ready);
    await first.close();
    const { page, consoleLines } = await openDemo(browser.ctx, `${origin}/demo/`);
    assert.equal(await page.evaluate(() => !!navigator.serviceWorker.controller), true, 'the service worker controls the page');
    assert.equal(await page.evaluate(() => self.crossOriginIsolated), true, 'a page the service worker serves is cross-origin isolated');
    const info = await page.evaluate(() => window.resnet.ready);
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    assert.equal(info.threads.threads, Math.min(32, cores));
    const r = await page.evaluate(async () => (await window.resnet.classify(await (await fetch('samples/coffee.jpg')).blob())).top[0].label);
    assert.equal(r, (await native).get(join(PHOTOS, 'coffee.jpg'))[0].label);
    assert.deepEqual(consoleLines.filter((l) => /^(error|pageerror)/.test(l)), []);
  });
});
