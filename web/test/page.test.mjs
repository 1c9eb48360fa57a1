// The demo page in real Chromium with the default ResNet-50: every still
// image input mode gives the expected top-1 on real photos and the same
// top-1 as the native command line; EXIF is applied exactly once; no
// request carries image data; a reload downloads neither model nor wasm;
// screenshots at desktop size and 375 px.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, launch, openDemo, nativeTops, artifactsDir, PHOTOS, MODELS, skipWithoutModel } from './harness.mjs';

// ImageNet indices the photos must come out as (top-1).
const CAT = [281, 282, 283, 284, 285]; // tabby, tiger cat, Persian, Siamese, Egyptian cat
const EXPECT = {
  'coffee.jpg': [967], // espresso
  'squirrel.jpg': [335], // fox squirrel
  'chelsea.png': CAT,
  'grace_hopper.jpg': [652], // military uniform
  'grace_hopper_exif6.jpg': [652], // the same photo, stored rotated, EXIF orientation 6
};
const photo = (name) => join(PHOTOS, name);

describe('demo page (ResNet-50)', { skip: skipWithoutModel() }, () => {
  let srv, browser, page, native, consoleLines;
  const requests = [];

  before(async () => {
    native = nativeTops(Object.keys(EXPECT).map(photo));
    native.catch(() => {}); // awaited in the tests
    srv = await startServer(['-models', MODELS]);
    browser = await launch();
    browser.ctx.on('request', (r) => requests.push({ url: r.url(), method: r.method(), post: r.postDataBuffer() }));
    await browser.ctx.addInitScript(() => {
      window.__csp = [];
      document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
      // Every text the progress label shows, to check byte-level progress.
      window.__progress = [];
      document.addEventListener('DOMContentLoaded', () => {
        const label = document.getElementById('progress-label');
        new MutationObserver(() => window.__progress.push(label.textContent)).observe(label, { childList: true, characterData: true, subtree: true });
      });
    });
    ({ page, consoleLines } = await openDemo(browser.ctx, `${srv.origin}/`));
  });

  after(async () => {
    await browser?.close();
    await srv?.stop();
  });

  // card waits for the result card of one file and returns its top-1 label
  // and the crop the model saw.
  async function card(name) {
    await page.waitForFunction(
      (n) => [...document.querySelectorAll('#results .card')].some((c) => c.querySelector('.name').textContent === n && (c.dataset.top1 || c.dataset.error)),
      name,
      { timeout: 180000 },
    );
    return page.evaluate((n) => {
      const c = [...document.querySelectorAll('#results .card')].find((c) => c.querySelector('.name').textContent === n);
      const canvas = c.querySelector('canvas');
      const px = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
      return { top1: c.dataset.top1, error: c.querySelector('.status').textContent, crop: Array.from(px), w: canvas.width, caption: c.querySelector('figcaption').textContent };
    }, name);
  }

  async function expectTop1(name, got) {
    assert.equal(got.error, '', `${name}: ${got.error}`);
    const nat = (await native).get(photo(name));
    const want = EXPECT[name];
    assert.ok(want.includes(nat[0].index), `${name}: the command line says ${nat[0].label}, want index ${want}`);
    assert.equal(got.top1, nat[0].label, `${name}: page says ${got.top1}, command line says ${nat[0].label}`);
  }

  function bytesOf(name) {
    return readFileSync(photo(name)).toString('base64');
  }

  it('reports the model through window.resnet.ready', async () => {
    const info = await page.evaluate(() => window.resnet.ready);
    assert.equal(info.depth, 50);
    assert.equal(info.classes, 1000);
    assert.equal(info.quant, 'int8');
    assert.ok(info.bytes > 20e6, `model size ${info.bytes}`);
    assert.match(await page.locator('#mi-depth').textContent(), /ResNet-50/);
    // Chromium has WebAssembly SIMD: the hand-written kernels must be linked
    // (this is Go's own answer, so a loader that silently fails shows here).
    assert.equal(info.kernels, 'simd');
    // …in their relaxed-SIMD build, which this Chromium validates.
    assert.equal(info.relaxedSIMD, true);
    assert.equal(await page.locator('#mi-kernels').textContent(), 'WebAssembly SIMD (relaxed)');
    // The download was shown byte by byte, as one figure for the engine and
    // the model together (never restarting at 0), against their full size.
    const progress = await page.evaluate(() => window.__progress);
    const steps = progress.map((t) => t.match(/^Downloading: (\d+)% · [\d.]+ [kM]?B of ([\d.]+) MB/)).filter(Boolean);
    assert.ok(steps.length >= 3, `progress steps: ${progress.join(' | ')}`);
    const pcts = steps.map((m) => Number(m[1]));
    assert.deepEqual(pcts, [...pcts].sort((a, b) => a - b), `the percentage went back: ${pcts}`);
    const wasm = await page.evaluate(async () => (await (await fetch('/manifest.json')).json()).wasm.bytes);
    const total = Number(steps.at(-1)[2]) * (1 << 20);
    assert.ok(Math.abs(total - (info.bytes + wasm)) < 0.1 * (1 << 20), `the figure's total ${total} is not engine ${wasm} + model ${info.bytes}`);
  });

  it('classifies several files from the file picker', async () => {
    await page.setInputFiles('#files', [photo('coffee.jpg'), photo('squirrel.jpg')]);
    for (const n of ['coffee.jpg', 'squirrel.jpg']) {
      const got = await card(n);
      await expectTop1(n, got);
      assert.equal(got.w, 224, 'the crop is 224×224');
      assert.equal(got.caption, 'What the model saw');
    }
    // The top prediction is announced to screen readers.
    await page.waitForFunction(() => /squirrel|espresso/.test(document.getElementById('announce').textContent));
  });

  it('classifies a file dropped anywhere on the page', async () => {
    await page.evaluate(({ name, b64 }) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const dt = new DataTransfer();
      dt.items.add(new File([bytes], name, { type: 'image/png' }));
      const target = document.querySelector('footer'); // not a drop zone: anywhere works
      for (const type of ['dragenter', 'dragover', 'drop']) {
        target.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: dt }));
      }
    }, { name: 'chelsea.png', b64: bytesOf('chelsea.png') });
    await expectTop1('chelsea.png', await card('chelsea.png'));
    assert.equal(await page.locator('#drop-overlay').isHidden(), true);
  });

  it('classifies a pasted image, honouring EXIF orientation exactly once', async () => {
    await page.evaluate(({ name, b64 }) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const dt = new DataTransfer();
      dt.items.add(new File([bytes], name, { type: 'image/jpeg' }));
      document.body.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
    }, { name: 'grace_hopper_exif6.jpg', b64: bytesOf('grace_hopper_exif6.jpg') });
    const rotated = await card('grace_hopper_exif6.jpg');
    await expectTop1('grace_hopper_exif6.jpg', rotated);

    // The upright original, through the sample gallery: the crops the model
    // saw must match (JPEG re-encoding aside), and must not match the same
    // crop turned a quarter (EXIF ignored) or a half (applied twice).
    await page.locator('#gallery button[title="grace_hopper"]').click();
    const upright = await card('grace_hopper.jpg');
    await expectTop1('grace_hopper.jpg', upright);
    const n = upright.w;
    const diff = (a, b, map) => {
      let s = 0;
      for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) {
        const [sx, sy] = map(x, y);
        for (let c = 0; c < 3; c++) s += Math.abs(a[4 * (y * n + x) + c] - b[4 * (sy * n + sx) + c]);
      }
      return s / (n * n * 3);
    };
    const same = diff(upright.crop, rotated.crop, (x, y) => [x, y]);
    const quarter = diff(upright.crop, rotated.crop, (x, y) => [n - 1 - y, x]);
    const half = diff(upright.crop, rotated.crop, (x, y) => [n - 1 - x, n - 1 - y]);
    assert.ok(same < 6, `upright vs EXIF-6 crop: mean abs diff ${same.toFixed(2)}`);
    assert.ok(quarter > 4 * same && half > 4 * same, `orientation not distinguishable: same ${same}, quarter ${quarter}, half ${half}`);
  });

  it('classifies through window.resnet.classify for pixels and elements', async () => {
    const r = await page.evaluate(async () => {
      const img = new Image();
      img.src = '/samples/coffee.jpg';
      await img.decode();
      const canvas = document.createElement('canvas');
      canvas.width = img.naturalWidth;
      canvas.height = img.naturalHeight;
      canvas.getContext('2d').drawImage(img, 0, 0);
      const fromCanvas = await window.resnet.classify(canvas);
      return { top: fromCanvas.top, keys: Object.keys(fromCanvas.timings), crop: fromCanvas.crop instanceof ImageData };
    });
    assert.equal(r.top[0].index, 967, `canvas: ${r.top[0].label}`);
    assert.equal(r.top.length, 5);
    for (const k of ['decode', 'preprocess', 'inference', 'total']) assert.ok(r.keys.includes(k), `timings lack ${k}: ${r.keys}`);
    assert.ok(r.crop);
    const bad = await page.evaluate(() => window.resnet.classify(42).then(() => 'resolved', (e) => e.message));
    assert.match(bad, /input must be/);
  });

  it('explains bad files in plain words with a clean placeholder, and names skipped ones', async () => {
    const bad = (n) => join(PHOTOS, '..', 'bad', n);
    const notes = join(PHOTOS, 'LICENSES.md'); // text/markdown: not offered to the engine at all
    await page.setInputFiles('#files', [bad('text.jpg'), bad('heic.heic'), notes]);
    assert.match(await page.locator('#input-error').textContent(), /^Skipped, not an image: “LICENSES\.md”\.$/);
    const text = await card('text.jpg');
    assert.match(text.error, /^“text\.jpg” is not an image: /);
    const heic = await card('heic.heic');
    assert.match(heic.error, /^“heic\.heic” is a HEIC photo.*JPEG/);
    // No broken-image icon and no empty "what the model saw" box.
    const look = await page.evaluate(() =>
      [...document.querySelectorAll('#results .card.failed')].map((c) => ({
        placeholder: c.classList.contains('no-preview'),
        thumbShown: getComputedStyle(c.querySelector('.thumb')).display !== 'none',
        cropShown: !c.querySelector('.crop').hidden,
      })),
    );
    assert.equal(look.length, 2);
    for (const l of look) assert.deepEqual(l, { placeholder: true, thumbShown: false, cropShown: false });
  });

  it('shows the credits over the results, and opens the chooser with Enter', async () => {
    const before = await page.locator('#results .card').count();
    await page.locator('#credits-link').click();
    await page.locator('#credits-dialog').waitFor({ state: 'visible' });
    assert.match(await page.locator('#credits-text').textContent(), /licen[cs]e/i);
    assert.equal(await page.evaluate(() => location.pathname), '/');
    await page.keyboard.press('Escape');
    assert.equal(await page.locator('#credits-dialog').isVisible(), false);
    assert.equal(await page.locator('#results .card').count(), before, 'results lost');
    // The modal dialog has closed (the page is no longer inert) and the file
    // input has the focus before Enter is pressed on it.
    await page.waitForFunction(() => !document.getElementById('credits-dialog').open);
    await page.locator('#files').focus();
    await page.waitForFunction(() => document.activeElement?.id === 'files');
    const [chooser] = await Promise.all([page.waitForEvent('filechooser', { timeout: 5000 }), page.locator('#files').press('Enter')]);
    assert.equal(chooser.isMultiple(), true);
  });

  it('sends no image data anywhere', () => {
    assert.ok(requests.length > 0, 'the network log is empty: not recording');
    for (const r of requests) {
      const u = new URL(r.url);
      if (u.protocol === 'blob:' || u.protocol === 'data:') continue;
      assert.equal(u.origin, srv.origin, `request to another origin: ${r.url}`);
      assert.equal(r.method, 'GET', `${r.method} ${r.url}`);
      assert.equal(r.post, null, `request with a body: ${r.url}`);
      assert.ok(r.url.length < 200, `long URL: ${r.url.slice(0, 80)}…`);
    }
    // The server saw the same: nothing but GETs.
    assert.doesNotMatch(srv.log(), /\] (POST|PUT|PATCH) |"(POST|PUT|PATCH) /);
  });

  it('is cross-origin isolated, breaks no CSP rule, logs no error, and respects reduced motion', async () => {
    assert.equal(await page.evaluate(() => self.crossOriginIsolated), true);
    assert.deepEqual(await page.evaluate(() => window.__csp), []);
    assert.deepEqual(consoleLines.filter((l) => /^(error|pageerror)/.test(l)), []);
    const duration = () => page.evaluate(() => getComputedStyle(document.querySelector('.top5 .bar span')).transitionDuration);
    assert.notEqual(await duration(), '0s');
    await page.emulateMedia({ reducedMotion: 'reduce' });
    assert.equal(await duration(), '0s');
    await page.emulateMedia({ reducedMotion: null });
  });

  it('is usable at 375 px and writes screenshots', async () => {
    const dir = artifactsDir();
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.screenshot({ path: join(dir, 'desktop.png'), fullPage: true });
    await page.setViewportSize({ width: 375, height: 812 });
    await page.screenshot({ path: join(dir, 'mobile-375.png'), fullPage: true });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `page is ${overflow}px wider than a 375px viewport`);
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('lets the keyboard reach every control, with a visible focus', async () => {
    await page.evaluate(() => document.activeElement?.blur());
    const seen = new Set();
    let outlined = 0;
    for (let i = 0; i < 40; i++) {
      await page.keyboard.press('Tab');
      const f = await page.evaluate(() => {
        const e = document.activeElement;
        const target = e.id === 'files' ? document.querySelector('label[for=files]') : e;
        const st = getComputedStyle(target);
        return { id: e.id || e.getAttribute('title') || e.tagName, outline: st.outlineStyle !== 'none' && parseFloat(st.outlineWidth) > 0 };
      });
      seen.add(f.id);
      if (f.outline) outlined++;
    }
    for (const id of ['model-url', 'files', 'clear', 'image-url', 'cam-start', 'cam-mirror', 'grace_hopper']) {
      assert.ok(seen.has(id), `Tab never reached #${id}: ${[...seen]}`);
    }
    assert.ok(outlined >= 35, `only ${outlined} of 40 focused controls show an outline`);
  });

  it('downloads neither the model nor the wasm (engine or kernels) on reload', async () => {
    const mark = srv.log().length;
    const before = requests.length;
    await page.reload();
    await page.waitForFunction(() => document.body.dataset.ready === 'true', null, { timeout: 60000 });
    const again = requests.slice(before).map((r) => r.url);
    const served = srv.log().slice(mark);
    for (const re of [/\/models\//, /\/wasm\/resnet\.wasm/, /\/wasm\/kernels\/\w+\.wasm/]) {
      assert.ok(!again.some((u) => re.test(u)), `reload requested ${again.filter((u) => re.test(u))}`);
      assert.doesNotMatch(served, re, 'the server served it again');
    }
    assert.match(await page.locator('#progress-label').textContent(), /from cache/);
  });
});
