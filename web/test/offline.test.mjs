// Offline and installable, in Chromium: after one visit, the page opens with
// the network off (Playwright's context.setOffline) and classifies a photo —
// the service worker (web/sw.js) serves the page's files, the page's own
// hash-keyed cache the engine, the kernels and the model. The web app
// manifest names icons that exist; a new version of a page file replaces
// the kept one on the next visit online.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, startServer, launch, openDemo, nativeTops, PHOTOS, MODELS, skipWithoutModel } from './harness.mjs';

describe('offline and installable', { skip: skipWithoutModel() }, () => {
  let srv, browser, page, consoleLines, web;

  before(async () => {
    // A copy of the page, so that a test can deploy a new version of it.
    web = mkdtempSync(join(tmpdir(), 'resnet-web-'));
    cpSync(join(ROOT, 'web'), web, { recursive: true });
    srv = await startServer(['-models', MODELS, '-web', web, '-q']);
    browser = await launch();
    ({ page, consoleLines } = await openDemo(browser.ctx, `${srv.origin}/`));
  });

  after(async () => {
    await browser?.close();
    await srv?.stop();
    if (web) rmSync(web, { recursive: true, force: true });
  });

  it('has a web app manifest with icons', async () => {
    const m = await page.evaluate(async () => {
      const link = document.querySelector('link[rel=manifest]');
      const res = await fetch(link.href);
      const json = await res.json();
      const icons = await Promise.all(
        json.icons.map(async (i) => {
          const r = await fetch(new URL(i.src, link.href));
          const bmp = await createImageBitmap(await r.blob());
          return { sizes: i.sizes, type: r.headers.get('content-type'), w: bmp.width, h: bmp.height };
        }),
      );
      return { type: res.headers.get('content-type'), name: json.name, start: json.start_url, display: json.display, icons };
    });
    assert.equal(m.type, 'application/manifest+json');
    assert.equal(m.display, 'standalone');
    assert.ok(m.name && m.start, JSON.stringify(m));
    for (const size of [192, 512]) {
      assert.ok(m.icons.some((i) => i.sizes === `${size}x${size}` && i.type === 'image/png' && i.w === size && i.h === size), `no ${size}px PNG icon: ${JSON.stringify(m.icons)}`);
    }
  });

  it('opens and classifies with the network off after one visit', async () => {
    const native = nativeTops([join(PHOTOS, 'coffee.jpg')]);
    // The service worker is registered once the model is in and the engine
    // idle; the page caches the engine and the model by hash meanwhile.
    // (waitForFunction takes a Promise for a truthy answer: poll in the page.)
    await page.evaluate(async () => {
      const ready = async () => {
        const r = await navigator.serviceWorker.getRegistration();
        const mf = await (await fetch('/manifest.json')).json();
        const stored = localStorage.getItem('resnet-stored') || '';
        const kept = await caches.open('resnet-shell-v1').then((c) => c.match('/'));
        // The engine build the page runs: the threaded one where it could share memory.
        const wasm = (await window.resnet.ready).threads.threads > 1 ? mf.wasmShared : mf.wasm;
        return r?.active?.state === 'activated' && !!navigator.serviceWorker.controller && !!kept && stored.includes(wasm.sha256) && stored.includes(mf.models.find((m) => m.url === mf.defaultModel).sha256);
      };
      for (let t0 = Date.now(); !(await ready()); await new Promise((r) => setTimeout(r, 500))) {
        if (Date.now() - t0 > 60000) throw new Error('the service worker and the caches were not ready within 60 s');
      }
    });
    await browser.ctx.setOffline(true);
    try {
      assert.equal(await page.evaluate(() => fetch('/manifest.json?nocache=' + Math.random()).then(() => 'online', () => 'offline')), 'offline');
      await page.reload();
      await page.waitForFunction(() => document.body.dataset.ready, null, { timeout: 60000 });
      assert.equal(await page.evaluate(() => document.body.dataset.ready), 'true', await page.locator('#load-error').textContent());
      await page.setInputFiles('#files', [join(PHOTOS, 'coffee.jpg')]);
      await page.waitForFunction(() => document.querySelector('#results .card')?.dataset.top1, null, { timeout: 60000 });
      const top1 = await page.evaluate(() => document.querySelector('#results .card').dataset.top1);
      assert.equal(top1, (await native).get(join(PHOTOS, 'coffee.jpg'))[0].label);
      // The gallery's thumbnails came from the cache too.
      const thumbs = await page.evaluate(() => [...document.querySelectorAll('#gallery img')].filter((i) => i.naturalWidth > 0).length);
      assert.ok(thumbs >= 5, `${thumbs} thumbnails shown offline`);
      // Offline at another address of the page (a model picked in the URL).
      await page.goto(`${srv.origin}/?model=${encodeURIComponent(new URL(await page.evaluate(() => window.resnet.ready.then((i) => i.url))).pathname)}`);
      await page.waitForFunction(() => document.body.dataset.ready, null, { timeout: 60000 });
      assert.equal(await page.evaluate(() => document.body.dataset.ready), 'true');
    } finally {
      await browser.ctx.setOffline(false);
    }
    assert.deepEqual(consoleLines.filter((l) => /^(error|pageerror)/.test(l) && !/ERR_INTERNET_DISCONNECTED|Failed to load resource/.test(l)), []);
  });

  it('replaces a kept page file with a newer one on the next visit online', async () => {
    const marker = `/* deployed ${Date.now()} */`;
    appendFileSync(join(web, 'style.css'), `\n${marker}\n`);
    await page.reload();
    await page.waitForFunction(() => document.body.dataset.ready === 'true', null, { timeout: 60000 });
    const kept = () => page.evaluate(async () => (await (await caches.open('resnet-shell-v1')).match('/style.css'))?.text());
    assert.ok((await kept())?.includes(marker), 'the kept style.css is the old one');
    // …and it is what the page gets offline now.
    await browser.ctx.setOffline(true);
    try {
      await page.reload();
      await page.waitForFunction(() => document.body.dataset.ready, null, { timeout: 60000 });
      const css = await page.evaluate(async () => (await fetch('/style.css')).text());
      assert.ok(css.includes(marker), 'offline, the page got the old style.css');
    } finally {
      await browser.ctx.setOffline(false);
    }
  });
});
