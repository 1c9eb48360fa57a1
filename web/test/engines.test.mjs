// The page in the two engines besides Chromium (page.test.mjs): Firefox ESR
// over WebDriver BiDi and WebKit (the engine behind Safari) through
// WebKitWebDriver, with the default ResNet-50. In each: the page loads; the
// file input, a drop and a paste give the command line's top-1 on a subset
// of the test photos (a JPEG, a PNG through the browser's decoder, one with
// EXIF orientation 6: the paths that differ between engines; page.test.mjs
// covers every photo in Chromium); a text file named .jpg gets a plain
// error; the fake camera gives live results;
// the manifest is fetched once, and nothing is logged as an error.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, nativeTops, artifactsDir, PHOTOS, MODELS, skipWithoutModel } from './harness.mjs';
import { launchFirefox, launchWebKit, recorderProxy, waitFor } from './browsers.mjs';

const FILES = ['coffee.jpg', 'squirrel.jpg'];
const DROPPED = 'chelsea.png';
const PASTED = 'grace_hopper_exif6.jpg';
const photo = (n) => join(PHOTOS, n);

const ENGINES = [
  // Firefox's fake camera is a generated pattern: it proves the live loop,
  // not a class.
  // Firefox's ClipboardEvent constructor drops the DataTransfer it is given
  // (its own dataType/data members carry one string), so a synthetic paste
  // there carries the photo's address (which the page fetches), not a file.
  { name: 'Firefox ESR', launch: () => launchFirefox({ prefs: { 'media.navigator.streams.fake': true, 'media.navigator.permission.disabled': true } }), camera: true, paste: 'url' },
  // WebKit's mock camera (a WebKitSettings switch of MiniBrowser) films a
  // generated pattern too. Safari shares memory in a cross-origin-isolated
  // page; Debian's WebKitGTK builds JavaScriptCore with SharedArrayBuffer
  // off (crossOriginIsolated is true, the constructor missing), so the
  // engine's option turns it on as Safari has it, for the thread pool.
  {
    name: 'WebKit',
    launch: () => launchWebKit({ args: ['--enable-media-stream=true', '--enable-mock-capture-devices=true'], env: { JSC_useSharedArrayBuffer: 'true' } }),
    camera: true,
    paste: 'file',
  },
];

// cards reads every result card: name, top-1, error text.
const cards = () =>
  [...document.querySelectorAll('#results .card')].map((c) => ({
    name: c.querySelector('.name').textContent,
    top1: c.dataset.top1 || '',
    error: c.dataset.error || '',
    status: c.querySelector('.status').textContent,
  }));

for (const engine of ENGINES) {
  describe(`demo page in ${engine.name}`, { skip: skipWithoutModel() }, () => {
    let srv, proxy, b, native, dir;

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'resnet-engines-'));
      native = nativeTops([...FILES, DROPPED, PASTED].map(photo));
      native.catch(() => {});
      srv = await startServer(['-models', MODELS]);
      proxy = await recorderProxy(srv.origin);
      b = await engine.launch();
      await b.goto(`${proxy.origin}/`);
      await waitFor(b, () => document.body.dataset.ready, null, { timeout: 180000, what: 'the model' });
    });

    after(async () => {
      await b?.close();
      await proxy?.close();
      await srv?.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    async function card(name) {
      const all = await waitFor(b, (n) => {
        const c = [...document.querySelectorAll('#results .card')].find((c) => c.querySelector('.name').textContent === n);
        return c && (c.dataset.top1 || c.dataset.error) ? true : false;
      }, name, { timeout: 180000, what: `the result for ${name}` }).then(() => b.evaluate(cards));
      return all.find((c) => c.name === name);
    }

    async function expectTop1(name) {
      const got = await card(name);
      assert.equal(got.error, '', `${name}: ${got.status}`);
      const nat = (await native).get(photo(name));
      assert.equal(got.top1, nat[0].label, `${b.name}: page says ${got.top1} for ${name}, command line ${nat[0].label}`);
    }

    it('loads the default model', async () => {
      assert.equal(await b.evaluate(() => document.body.dataset.ready), 'true', await b.evaluate(() => document.getElementById('load-error').textContent));
      const info = await b.evaluate(() => window.resnet.ready.then((i) => ({ depth: i.depth, classes: i.classes, kernels: i.kernels, threads: i.threads, cores: navigator.hardwareConcurrency })));
      assert.equal(info.depth, 50);
      assert.equal(info.classes, 1000);
      // Both engines have WebAssembly SIMD: the kernels must be linked.
      assert.equal(info.kernels, 'simd');
      // One thread per core by default: the pool, in this engine too.
      assert.equal(info.threads.threads, Math.min(info.cores, 32), `${b.name}: ${info.threads.threads} thread(s) on ${info.cores} cores (${info.threads.why})`);
    });

    it('classifies files from the file input with the command line\'s top-1', async () => {
      await b.setFiles('#files', FILES.map(photo));
      for (const n of FILES) await expectTop1(n);
    });

    it(`classifies a dropped PNG and a pasted JPEG with EXIF orientation (pasted as a ${engine.paste})`, async () => {
      const put = (name, type) => ({ name, type, b64: readFileSync(photo(name)).toString('base64') });
      const how = await b.evaluate(({ drop, paste, asURL }) => {
        const file = (f) => new File([Uint8Array.from(atob(f.b64), (c) => c.charCodeAt(0))], f.name, { type: f.type });
        const dt = new DataTransfer();
        dt.items.add(file(drop));
        for (const type of ['dragenter', 'dragover', 'drop']) {
          document.querySelector('footer').dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: dt }));
        }
        const pt = new DataTransfer();
        if (!asURL) pt.items.add(file(paste));
        // Firefox's own init members for a string on the clipboard.
        const init = asURL ? { dataType: 'text/plain', data: new URL(`/samples/${paste.name}`, location.href).href } : { clipboardData: pt };
        let pasteCarried = false;
        const look = (ev) => (pasteCarried = !!ev.clipboardData && (asURL ? /^http/.test(ev.clipboardData.getData('text/plain')) : ev.clipboardData.files.length === 1));
        document.addEventListener('paste', look, { capture: true, once: true });
        document.body.dispatchEvent(new ClipboardEvent('paste', { ...init, bubbles: true, cancelable: true }));
        return { pasteCarried };
      }, { drop: put(DROPPED, 'image/png'), paste: put(PASTED, 'image/jpeg'), asURL: engine.paste === 'url' });
      await expectTop1(DROPPED);
      // A synthetic paste carries its DataTransfer in both engines; if one
      // ever drops it, this says so rather than timing out.
      assert.ok(how.pasteCarried, `${b.name} dropped the clipboardData of a synthetic paste`);
      await expectTop1(PASTED);
    });

    it('says plainly that a text file named .jpg is not an image', async () => {
      const f = join(dir, 'notes.jpg');
      writeFileSync(f, 'These are my holiday notes, not a photo.\n');
      await b.setFiles('#files', [f]);
      const got = await card('notes.jpg');
      assert.equal(got.top1, '');
      assert.match(got.status, /notes\.jpg.* not an image/);
    });

    it('runs the live camera where the engine has a fake one', { skip: !engine.camera && `${engine.name} under WebKitWebDriver offers no fake camera` }, async () => {
      await b.evaluate(() => document.getElementById('cam-start').click());
      await waitFor(b, () => Number(document.getElementById('cam-card').dataset.frames || 0) >= 3, null, { what: 'three live results' });
      const live = await b.evaluate(() => ({ bars: document.querySelectorAll('#cam-top li').length, state: document.getElementById('cam-status').dataset.state }));
      assert.deepEqual(live, { bars: 5, state: 'live' });
      await b.evaluate(() => document.getElementById('cam-start').click());
      assert.equal(await b.evaluate(() => document.getElementById('cam-status').dataset.state), 'off');
    });

    // Firefox hands clients.claim() to every client, kernel helpers too:
    // helpers that never left Atomics.wait kept the service worker
    // "activating", and it held every later fetch of the page (a pasted
    // address never answered).
    it('lets its service worker take control while the thread pool runs', async () => {
      await waitFor(b, () => navigator.serviceWorker.controller?.state === 'activated', null, { timeout: 60000, what: 'an activated service worker in control' });
      const got = await b.evaluate(() => fetch('/samples/coffee.jpg?after-claim').then((r) => `${r.status} ${r.headers.get('content-type')}`));
      assert.equal(got, '200 image/jpeg');
    });

    it('fetches the manifest once, breaks no CSP rule and logs no error; screenshots', async () => {
      const dirA = artifactsDir();
      const tag = engine.name.split(' ')[0].toLowerCase();
      await b.screenshot(join(dirA, `${tag}-1280.png`));
      await b.setViewport(375, 812);
      await b.screenshot(join(dirA, `${tag}-375.png`));
      const overflow = await b.evaluate(() => document.documentElement.scrollWidth - innerWidth);
      assert.ok(overflow <= 0, `${b.name}: the page is ${overflow}px wider than 375 px`);
      await b.setViewport(1280, 900);
      const errors = [...(await b.evaluate(() => window.__errors)), ...b.consoleErrors()];
      assert.deepEqual(errors, [], `${b.name} (${b.version})`);
      // The page's own fetches (the service worker's install names itself).
      const manifests = proxy.paths.filter((p) => p === '/manifest.json').length;
      assert.equal(manifests, 1, `${b.name} fetched manifest.json ${manifests} times`);
    });
  });
}
