// The page's start-up (web/boot.js, web/assets.js, web/startup.js) in a
// fresh Chromium profile with the default model: the model downloads while
// the engine's wasm compiles and Go starts; the sample thumbnails (small)
// load at once; the Cache Storage writes wait until the engine is idle, and then the wasm and
// the model are cached under their hashes; an engine download that does
// not match its published hash is refused and not cached.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, startServer, launch, openDemo, MODELS, skipWithoutModel } from './harness.mjs';

describe('start-up', { skip: skipWithoutModel() }, () => {
  let srv;

  before(async () => {
    srv = await startServer(['-models', MODELS, '-q']);
  });

  after(async () => {
    await srv?.stop();
  });

  it('downloads the model while the engine starts, and caches both once idle', async () => {
    const { ctx, close } = await launch();
    try {
      const { page, consoleLines } = await openDemo(ctx, `${srv.origin}/`);
      const t = await page.evaluate(() => {
        const marks = Object.fromEntries(performance.getEntriesByType('mark').map((m) => [m.name, m.startTime]));
        const res = performance.getEntriesByType('resource').map((r) => ({ path: new URL(r.name).pathname, start: r.startTime, size: r.encodedBodySize }));
        return { marks, res };
      });
      const start = (re) => t.res.find((r) => re.test(r.path))?.start;
      const model = start(/^\/models\/.*\.rnm$/);
      const wasm = start(/^\/wasm\/resnet(-shared)?\.wasm$/);
      assert.ok(model !== undefined && wasm !== undefined, `no model or wasm request: ${JSON.stringify(t.res.map((r) => r.path))}`);
      for (const m of ['resnet:boot', 'resnet:wasm-compiled', 'resnet:go-started', 'resnet:model-verified', 'resnet:model-loaded']) {
        assert.equal(typeof t.marks[m], 'number', `no ${m} mark: ${JSON.stringify(t.marks)}`);
      }
      // Both downloads begin before the compiled engine exists, let alone
      // runs: nothing waits for the other.
      assert.ok(model < t.marks['resnet:wasm-compiled'] && wasm < t.marks['resnet:wasm-compiled'], `model at ${model}, wasm at ${wasm}, compiled at ${t.marks['resnet:wasm-compiled']}`);
      assert.ok(model < t.marks['resnet:go-started'], `the model download (${model}) waited for Go (${t.marks['resnet:go-started']})`);
      // The gallery shows at once, from small thumbnails (not the photos):
      // requested before the model is in, and a few kB each.
      const thumbs = t.res.filter((r) => r.path.startsWith('/thumbs/'));
      assert.ok(thumbs.length >= 5, `thumbnails requested: ${JSON.stringify(t.res.map((r) => r.path))}`);
      for (const r of thumbs) {
        assert.ok(r.start < t.marks['resnet:model-loaded'], `${r.path} requested at ${r.start}, after the model was loaded (${t.marks['resnet:model-loaded']})`);
        assert.ok(r.size > 0 && r.size < 24 << 10, `${r.path}: ${r.size} bytes`);
      }
      assert.ok(!t.res.some((r) => r.path.startsWith('/samples/')), 'the full-size samples were downloaded for the gallery');

      // Then the cache writes: both files under their hashes, and listed.
      const mf = await page.evaluate(async () => (await fetch('/manifest.json')).json());
      // The engine build the page ran: the threaded one where it could share memory.
      const built = (await page.evaluate(() => window.resnet.ready)).threads.threads > 1 ? mf.wasmShared : mf.wasm;
      const want = [built.sha256, mf.models.find((m) => m.url === mf.defaultModel).sha256];
      await page.waitForFunction((w) => w.every((h) => (localStorage.getItem('resnet-stored') || '').includes(h)), want, { timeout: 30000 });
      const cached = await page.evaluate(async (w) => {
        const c = await caches.open('resnet-v1');
        return Promise.all(w.map(async (h) => !!(await c.match(`/__sha256/${h}`))));
      }, want);
      assert.deepEqual(cached, [true, true]);
      assert.deepEqual(consoleLines.filter((l) => /^(error|pageerror)/.test(l)), []);
    } finally {
      await close();
    }
  });

  it('on a slow link, shows one figure with time left, and a card given early waits for the download, then classifies', async () => {
    const { ctx, close } = await launch();
    try {
      const page = ctx.pages()[0];
      const cdp = await ctx.newCDPSession(page);
      await cdp.send('Network.enable');
      // 20 Mbit/s, 40 ms: the model takes about 10 s, time for the page to
      // say what it is waiting for.
      await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 40, downloadThroughput: 20e6 / 8, uploadThroughput: 20e6 / 8 });
      await page.goto(`${srv.origin}/`);
      await page.waitForFunction(() => /^Downloading: \d+% .* about .+ left$/.test(document.getElementById('progress-label').textContent), null, { timeout: 60000 });
      await page.setInputFiles('#files', [join(ROOT, 'testdata', 'photos', 'coffee.jpg')]);
      const early = await page.locator('#results .card .status').textContent();
      assert.match(early, /^Waiting for the model download: [\d.]+ MB left/);
      // The gallery is there before the model.
      await page.waitForFunction(() => [...document.querySelectorAll('#gallery img')].every((i) => i.complete && i.naturalWidth > 0), null, { timeout: 30000 });
      assert.notEqual(await page.evaluate(() => document.body.dataset.ready), 'true', 'the model was in before the thumbnails');
      await page.waitForFunction(() => document.querySelector('#results .card').dataset.top1, null, { timeout: 120000 });
      assert.equal(await page.evaluate(() => Number(document.querySelector('#results .card').dataset.top1Index)), 967);
    } finally {
      await close();
    }
  });

  it('with Data Saver on, asks before downloading the model', async () => {
    const { ctx, close } = await launch();
    try {
      await ctx.addInitScript(() => Object.defineProperty(Navigator.prototype, 'connection', { get: () => ({ saveData: true, effectiveType: '3g' }) }));
      const page = ctx.pages()[0];
      const models = [];
      page.on('request', (r) => /\/models\//.test(r.url()) && models.push(r.url()));
      await page.goto(`${srv.origin}/`);
      await page.locator('#save-data-go').waitFor({ state: 'visible', timeout: 30000 });
      assert.match(await page.locator('#save-data').textContent(), /2\d\.\d MB/);
      await page.setInputFiles('#files', [join(ROOT, 'testdata', 'photos', 'coffee.jpg')]);
      await page.waitForTimeout(1500); // time enough for a download to begin
      assert.deepEqual(models, [], 'the model was requested before the visitor agreed');
      assert.match(await page.locator('#results .card .status').textContent(), /Download the model/);
      await page.locator('#save-data-go').click();
      await page.waitForFunction(() => document.querySelector('#results .card').dataset.top1, null, { timeout: 120000 });
      assert.equal(models.length, 1);
      assert.equal(await page.locator('#save-data').isHidden(), true);
    } finally {
      await close();
    }
  });

  it('refuses an engine download that does not match its published hash, and caches nothing of it', async () => {
    // A valid module with one byte changed (the last, in a custom section):
    // it compiles, and only the hash can tell.
    // Both builds: the page picks the threaded one where it may share memory.
    const damaged = (name) => {
      const b = readFileSync(join(ROOT, 'build', 'web', name));
      b[b.length - 1] ^= 0x01;
      return b;
    };
    const wasm = { 'resnet.wasm': damaged('resnet.wasm'), 'resnet-shared.wasm': damaged('resnet-shared.wasm') };
    const { ctx, close } = await launch();
    try {
      await ctx.route(/\/wasm\/resnet(-shared)?\.wasm\?/, (route) => route.fulfill({ body: wasm[new URL(route.request().url()).pathname.split('/').pop()], contentType: 'application/wasm' }));
      const page = ctx.pages()[0];
      await page.goto(`${srv.origin}/`);
      await page.waitForFunction(() => document.body.dataset.ready, null, { timeout: 60000 });
      assert.equal(await page.evaluate(() => document.body.dataset.ready), 'error');
      assert.match(await page.locator('#load-error').textContent(), /does not match its published hash/);
      const stored = await page.evaluate(async () => {
        const mf = await (await fetch('/manifest.json')).json();
        await new Promise((r) => setTimeout(r, 1500)); // any write there would be would have begun
        const c = await caches.open('resnet-v1');
        const stored = localStorage.getItem('resnet-stored') || '';
        const hashes = [mf.wasm.sha256, mf.wasmShared.sha256];
        return { hinted: hashes.some((h) => stored.includes(h)), cached: (await Promise.all(hashes.map((h) => c.match(`/__sha256/${h}`)))).some(Boolean) };
      });
      assert.deepEqual(stored, { hinted: false, cached: false });
    } finally {
      await close();
    }
  });
});
