// The WebAssembly SIMD kernels against their pure-Go twins, in the page:
// ?kernels=go forces the twins, and with the int8 ResNet-50 both paths must
// give the same answer bit for bit (engine/kernels/wat/README.md: the int8
// kernels are bit-identical to the twins). Probabilities travel from Go as
// float64 copies of float32 values, so they are compared exactly.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, openDemo, MODELS, skipWithoutModel } from './harness.mjs';

const PHOTO = '/samples/coffee.jpg';

describe('kernels: WebAssembly SIMD vs pure Go (ResNet-50 int8)', { skip: skipWithoutModel() }, () => {
  let srv, browser;

  before(async () => {
    srv = await startServer(['-models', MODELS, '-q']);
    browser = await launch();
  });

  after(async () => {
    await browser?.close();
    await srv?.stop();
  });

  // run opens the page with a query, and classifies the photo twice (the
  // second run is warm): the model info, the top-5 and the inference times.
  async function run(query) {
    const { page, consoleLines } = await openDemo(browser.ctx, `${srv.origin}/${query}`, { page: await browser.ctx.newPage() });
    try {
      const r = await page.evaluate(async (url) => {
        const info = await window.resnet.ready;
        const blob = await (await fetch(url)).blob();
        const runs = [await window.resnet.classify(blob), await window.resnet.classify(blob)];
        return { info, tops: runs.map((x) => x.top), inference: runs.map((x) => x.timings.inference) };
      }, PHOTO);
      r.shown = await page.locator('#mi-kernels').textContent();
      r.errors = consoleLines.filter((l) => /^(error|pageerror)/.test(l));
      return r;
    } finally {
      await page.close();
    }
  }

  it('?kernels=go runs the pure-Go twins and agrees exactly with SIMD (relaxed and plain)', async () => {
    const simd = await run('');
    const plain = await run('?kernels=simd');
    const go = await run('?kernels=go');
    // Chromium validates relaxed SIMD, so the page picks that build; its
    // int8 kernels are the plain build's, so the answers are identical.
    assert.equal(simd.info.kernels, 'simd');
    assert.equal(simd.info.relaxedSIMD, true);
    assert.equal(simd.shown, 'WebAssembly SIMD (relaxed)');
    assert.equal(plain.info.kernels, 'simd');
    assert.equal(plain.info.relaxedSIMD, false);
    assert.equal(plain.shown, 'WebAssembly SIMD');
    assert.equal(go.info.kernels, 'go');
    assert.equal(go.shown, 'pure Go');
    assert.deepEqual([simd.errors, plain.errors, go.errors], [[], [], []]);
    assert.deepEqual(plain.tops[0], simd.tops[0]);
    assert.equal(simd.info.quant, 'int8', 'the exact comparison below holds for int8 models');
    assert.equal(simd.tops[0][0].index, 967, `top-1 ${simd.tops[0][0].label}, want espresso`);
    // Same path twice: deterministic. SIMD vs twins: identical bits.
    assert.deepEqual(simd.tops[1], simd.tops[0]);
    assert.deepEqual(go.tops[0], simd.tops[0]);
    console.log(`# warm inference: SIMD ${simd.inference[1].toFixed(0)} ms, pure Go ${go.inference[1].toFixed(0)} ms`);
  });

  it('refuses an unknown ?kernels= value with a clear message', async () => {
    const page = await browser.ctx.newPage();
    try {
      await page.goto(`${srv.origin}/?kernels=fast`);
      await page.waitForFunction(() => document.body.dataset.ready, null, { timeout: 30000 });
      assert.equal(await page.evaluate(() => document.body.dataset.ready), 'error');
      assert.match(await page.locator('#load-error').textContent(), /kernels must be one of auto, go, simd/);
    } finally {
      await page.close();
    }
  });
});
