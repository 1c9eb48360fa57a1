// Model loading: ?model=URL and window.resnet.loadModel switch to a
// ResNet-18 converted from the parity fixtures (and agree with the command
// line on it); the cache is keyed by content, not by URL; a tampered model,
// a failed download and a browser without WebAssembly each give a clear
// error.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, copyFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, PHOTOS, startServer, launch, openDemo, nativeTops } from './harness.mjs';

describe('model loading', () => {
  let dir, srv, browser, page, r18, native;
  const requests = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'resnet-models-'));
    r18 = join(dir, 'resnet18-w8.rnm');
    const c = spawnSync('go', ['run', './tools/convert', '-in', 'testdata/parity/resnet18-w8.pth', '-out', r18], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(c.status, 0, `convert: ${c.stderr}`);
    copyFileSync(r18, join(dir, 'same-bytes.rnm'));
    copyFileSync(r18, join(dir, 'resnet18.rnm')); // replaced by the README's steps below
    const bad = readFileSync(r18);
    bad[bad.length - 100] ^= 0x01; // one weight bit: only the checksum can tell
    writeFileSync(join(dir, 'tampered.rnm'), bad);
    srv = await startServer(['-models', dir, '-default', 'resnet18-w8.rnm']);
    browser = await launch();
    browser.ctx.on('request', (r) => requests.push(r.url()));
  });

  after(async () => {
    await browser?.close();
    await srv?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('?model=URL loads a converted ResNet-18 that agrees with the command line', async () => {
    native = nativeTops([join(PHOTOS, 'coffee.jpg'), join(PHOTOS, 'squirrel.jpg')], r18);
    ({ page } = await openDemo(browser.ctx, `${srv.origin}/?model=/models/resnet18-w8.rnm`));
    const info = await page.evaluate(() => window.resnet.ready);
    assert.equal(info.depth, 18);
    assert.equal(info.bytes, readFileSync(r18).length);
    const top = await page.evaluate(async () => {
      const blob = await (await fetch('/samples/coffee.jpg')).blob();
      return (await window.resnet.classify(blob)).top;
    });
    const want = (await native).get(join(PHOTOS, 'coffee.jpg'));
    // Random weights: no meaningful class, but the same computation.
    assert.equal(top[0].index, want[0].index, `page ${top[0].label}, command line ${want[0].label}`);
    assert.ok(Math.abs(top[0].prob - want[0].prob) < 1e-4, `prob ${top[0].prob} vs ${want[0].prob}`);
  });

  it('takes an image URL, and every input type of window.resnet.classify', async () => {
    await page.locator('#image-url').fill(`${srv.origin}/samples/squirrel.jpg`);
    await page.locator('#image-url').press('Enter');
    await page.waitForFunction(() => document.querySelector('#results .card')?.dataset.top1Index, null, { timeout: 60000 });
    const got = await page.evaluate(() => [document.querySelector('#results .card .name').textContent, Number(document.querySelector('#results .card').dataset.top1Index)]);
    assert.deepEqual(got, ['squirrel.jpg', (await native).get(join(PHOTOS, 'squirrel.jpg'))[0].index]);

    const r = await page.evaluate(async () => {
      const blob = await (await fetch('/samples/coffee.jpg')).blob();
      const img = new Image();
      img.src = URL.createObjectURL(blob);
      await img.decode();
      const bitmap = await createImageBitmap(blob);
      const canvas = document.createElement('canvas');
      canvas.width = bitmap.width;
      canvas.height = bitmap.height;
      canvas.getContext('2d').drawImage(bitmap, 0, 0);
      const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
      const top = {};
      for (const [k, v] of Object.entries({ img, bitmap, canvas, data })) top[k] = (await window.resnet.classify(v)).top[0].index;
      // The caller's bitmap and pixels are still theirs afterwards.
      return { top, bitmapOpen: bitmap.width > 0, dataIntact: data.data.length === canvas.width * canvas.height * 4 };
    });
    // The same decoded pixels by four routes: the same answer.
    assert.equal(new Set(Object.values(r.top)).size, 1, JSON.stringify(r.top));
    assert.ok(r.bitmapOpen && r.dataIntact, JSON.stringify(r));
  });

  it('finds a model in the cache by content, whatever its URL', async () => {
    const before = requests.length;
    const info = await page.evaluate(() => window.resnet.loadModel('/models/same-bytes.rnm'));
    assert.equal(info.depth, 18);
    assert.ok(!requests.slice(before).some((u) => u.includes('/models/')), `downloaded again: ${requests.slice(before)}`);
    assert.match(await page.locator('#progress-label').textContent(), /from cache/);
  });

  it('refuses a tampered model with a clear message', async () => {
    // A fresh profile: this browser's cache already holds the genuine bytes
    // under the checksum the tampered header still declares, and a lookup by
    // that checksum would (rightly) load those instead.
    const fresh = await launch();
    try {
      const p = fresh.ctx.pages()[0];
      await p.goto(`${srv.origin}/?model=/models/tampered.rnm`);
      await p.waitForFunction(() => document.body.dataset.ready, null, { timeout: 60000 });
      assert.equal(await p.evaluate(() => document.body.dataset.ready), 'error');
      const msg = await p.evaluate(() => window.resnet.ready.then(() => 'loaded', (e) => e.message));
      assert.match(msg, /checksum.*(corrupted|tampered)/i);
      assert.match(await p.locator('#load-error').textContent(), /tampered/);
      assert.equal(await p.locator('#load-error').getAttribute('role'), 'alert');
      // Verified before anything is cached: the bytes are not kept under the
      // checksum their header declares.
      const declared = readFileSync(r18).subarray(24, 56).toString('hex');
      const kept = await p.evaluate(async (h) => {
        await new Promise((r) => setTimeout(r, 1500)); // a write would have begun
        const c = await caches.open('resnet-v1');
        return { cached: !!(await c.match(`/__sha256/${h}`)), hinted: (localStorage.getItem('resnet-stored') || '').includes(h) };
      }, declared);
      assert.deepEqual(kept, { cached: false, hinted: false });
    } finally {
      await fresh.close();
    }
  });

  it('reports a failed download, and keeps the model in use working and shown', async () => {
    const msg = await page.evaluate(() => window.resnet.loadModel('/models/missing.rnm').then(() => 'loaded', (e) => e.message));
    assert.match(msg, /HTTP 404/);
    // The ResNet-18 loaded before is still the one in use, and says so.
    const still = await page.evaluate(async () => {
      const info = await window.resnet.ready;
      const blob = await (await fetch('/samples/coffee.jpg')).blob();
      const r = await window.resnet.classify(blob);
      return { depth: info.depth, top: r.top.length, shown: document.getElementById('mi-depth').textContent, ready: document.body.dataset.ready, error: document.getElementById('load-error').textContent };
    });
    assert.deepEqual({ ...still, error: undefined }, { depth: 18, top: 5, shown: 'ResNet-18', ready: 'true', error: undefined });
    assert.match(still.error, /missing\.rnm.*HTTP 404.*Still using resnet/);
    const notModel = await page.evaluate(() => window.resnet.loadModel('/index.html').then(() => 'loaded', (e) => e.message));
    assert.match(notModel, /not a model file/);
    // And recovers: a good model loads again afterwards.
    const info = await page.evaluate(() => window.resnet.loadModel('/models/resnet18-w8.rnm'));
    assert.equal(info.depth, 18);
  });

  it('lists the server\'s models to pick from, and takes a same-site path in the Model URL field', async () => {
    const options = await page.evaluate(() => [...document.querySelectorAll('#model-pick option')].map((o) => [o.value, o.textContent]));
    for (const name of ['resnet18-w8', 'same-bytes', 'resnet18']) {
      assert.ok(options.some(([v, t]) => v === `/models/${name}.rnm` && t.startsWith(`${name} (`)), `${name} not offered: ${JSON.stringify(options)}`);
    }
    // Choosing starts the load at once: window.resnet.ready is then that load.
    await page.locator('#model-pick').selectOption('/models/same-bytes.rnm');
    assert.equal((await page.evaluate(() => window.resnet.ready)).url.endsWith('/models/same-bytes.rnm'), true);
    assert.match(await page.evaluate(() => location.search), /same-bytes/);
    // A relative path typed in the field (what its placeholder shows).
    await page.locator('#model-details').evaluate((d) => (d.open = true));
    await page.locator('#model-url').fill('/models/resnet18-w8.rnm');
    await page.locator('#model-url').press('Enter');
    assert.equal((await page.evaluate(() => window.resnet.ready)).url.endsWith('/models/resnet18-w8.rnm'), true);
    assert.equal(await page.locator('#load-error').isHidden(), true, await page.locator('#load-error').textContent());
    assert.equal(await page.locator('#model-pick').inputValue(), '/models/resnet18-w8.rnm');
  });

  it('follows the README\'s custom-model steps as written', async () => {
    // The README converts a torchvision checkpoint into weights/ (served
    // under the page's models) and opens ?model=…; the parity fixture is a
    // real torchvision ResNet-18 checkpoint (seeded weights), converted by
    // the README's own command.
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const convert = readme.match(/^go run \.\/tools\/convert -in resnet18-f37072fd\.pth -out weights\/(\S+\.rnm) *(#.*)?$/m);
    assert.ok(convert, 'the README has no convert step for resnet18-f37072fd.pth');
    const open = readme.match(/http:\/\/127\.0\.0\.1:8080(\/\?model=(\S+?))`/);
    assert.ok(open, 'the README opens no ?model= URL');
    const out = join(dir, convert[1]);
    // A first-time user has no such file yet: convert refuses to replace one
    // without -force, so the placeholder the server started with goes first.
    rmSync(out, { force: true });
    const c = spawnSync('go', ['run', './tools/convert', '-in', 'testdata/parity/resnet18-w8.pth', '-out', out], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(c.status, 0, c.stderr);
    const cl = spawnSync('go', ['run', './cmd/classify', '-model', out, join(PHOTOS, 'coffee.jpg')], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(cl.status, 0, cl.stderr);
    const fresh = await launch();
    try {
      const { page: p } = await openDemo(fresh.ctx, `${srv.origin}${open[1]}`);
      const info = await p.evaluate(() => window.resnet.ready);
      assert.equal(info.bytes, readFileSync(out).length, `${open[2]} is not the converted file`);
    } finally {
      await fresh.close();
    }
  });

  it('explains when the browser has no WebAssembly', async () => {
    const nowasm = await launch();
    try {
      // Chromium has no switch that removes WebAssembly; removing the global
      // before the page's scripts run is what such a browser looks like.
      await nowasm.ctx.addInitScript(() => delete globalThis.WebAssembly);
      const p = nowasm.ctx.pages()[0];
      await p.goto(`${srv.origin}/`);
      await p.waitForFunction(() => document.body.dataset.ready === 'error', null, { timeout: 30000 });
      assert.match(await p.locator('#load-error').textContent(), /cannot run WebAssembly/);
    } finally {
      await nowasm.close();
    }
  });
});
