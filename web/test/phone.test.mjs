// The page on a phone-sized screen (375×812, touch, density 2) in Chromium:
// after every input the first row of the new result's top-5 is on screen
// without the visitor scrolling; the model details start folded; nothing —
// not even a long URL in an error — makes the page wider than the screen.
// Screenshots of the first screen at 375 and 1280 px go to the artifacts.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, launch, openDemo, artifactsDir, PHOTOS, MODELS, skipWithoutModel } from './harness.mjs';

describe('the page on a phone', { skip: skipWithoutModel() }, () => {
  let srv, browser, page;

  before(async () => {
    srv = await startServer(['-models', MODELS, '-q']);
    browser = await launch({ viewport: { width: 375, height: 812 }, mobile: true });
    ({ page } = await openDemo(browser.ctx, `${srv.origin}/`));
  });

  after(async () => {
    await browser?.close();
    await srv?.stop();
  });

  // answerOnScreen waits for the newest card's top-5 and says where its
  // first row is relative to the screen.
  async function answerOnScreen(name) {
    await page.waitForFunction((n) => {
      const c = document.querySelector('#results .card');
      return c && c.querySelector('.name').textContent === n && (c.dataset.top1 || c.dataset.error);
    }, name, { timeout: 120000 });
    await page.waitForTimeout(100); // a scroll started by the result has landed
    return page.evaluate(() => {
      const c = document.querySelector('#results .card');
      const row = c.querySelector('.top5 li');
      const r = row ? row.getBoundingClientRect() : null;
      return { error: c.dataset.error || '', top: r?.top, bottom: r?.bottom, height: innerHeight, width: document.documentElement.scrollWidth };
    });
  }

  function assertVisible(what, s) {
    assert.equal(s.error, '', what);
    assert.ok(s.top >= 0 && s.bottom <= s.height, `${what}: the first top-5 row is at ${s.top}–${s.bottom} px, the screen is ${s.height} px tall`);
    assert.ok(s.width <= 375, `${what}: the page is ${s.width} px wide`);
  }

  it('folds the model details', async () => {
    assert.equal(await page.locator('#model-details').evaluate((d) => d.open), false);
    assert.equal(await page.locator('#model-info').isVisible(), false);
    // The progress line stays visible.
    assert.match(await page.locator('#progress-label').textContent(), /^Ready/);
  });

  it('shows the answer without scrolling, for a file, a sample, a paste, a drop and a URL', async () => {
    await page.evaluate(() => scrollTo(0, 0));
    await page.setInputFiles('#files', [join(PHOTOS, 'coffee.jpg')]);
    assertVisible('file picker', await answerOnScreen('coffee.jpg'));
    await page.screenshot({ path: join(artifactsDir(), 'phone-375-result.png') });

    await page.evaluate(() => scrollTo(0, 0));
    await page.locator('#gallery button[title="squirrel"]').tap();
    assertVisible('sample', await answerOnScreen('squirrel.jpg'));

    await page.evaluate(() => scrollTo(0, 0));
    const b64 = readFileSync(join(PHOTOS, 'chelsea.png')).toString('base64');
    await page.evaluate(({ b64 }) => {
      const dt = new DataTransfer();
      dt.items.add(new File([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], 'chelsea.png', { type: 'image/png' }));
      document.body.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
    }, { b64 });
    assertVisible('paste', await answerOnScreen('chelsea.png'));

    await page.evaluate(() => scrollTo(0, document.body.scrollHeight));
    await page.evaluate(({ b64 }) => {
      const dt = new DataTransfer();
      dt.items.add(new File([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], 'dropped.png', { type: 'image/png' }));
      for (const type of ['dragenter', 'dragover', 'drop']) document.body.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: dt }));
    }, { b64 });
    assertVisible('drop (from the bottom of the page)', await answerOnScreen('dropped.png'));

    await page.evaluate(() => scrollTo(0, 0));
    await page.locator('#image-url').fill(`${srv.origin}/samples/grace_hopper.jpg`);
    await page.locator('#image-url').press('Enter');
    assertVisible('image URL', await answerOnScreen('grace_hopper.jpg'));
  });

  it('wraps a long URL in an error instead of widening the page', async () => {
    const long = `${srv.origin}/samples/${'a-very-long-name-without-spaces-'.repeat(7)}.jpg`;
    await page.locator('#image-url').fill(long);
    await page.locator('#image-url').press('Enter');
    await page.waitForFunction(() => !document.getElementById('input-error').hidden);
    assert.match(await page.locator('#input-error').textContent(), /HTTP 404/);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 375, `the page is ${width} px wide with the error shown`);
    await page.screenshot({ path: join(artifactsDir(), 'phone-375-error.png') });
  });

  it('writes the first screen at 1280 px', async () => {
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.evaluate(() => scrollTo(0, 0));
    await page.screenshot({ path: join(artifactsDir(), 'desktop-1280-first-screen.png') });
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 1280, `${width} px`);
  });
});
