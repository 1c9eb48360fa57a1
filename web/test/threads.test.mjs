// The thread pool in the page (engine/kernels/wat/pool.mjs): with the
// default int8 ResNet-50, ?threads=2 and ?threads=4 (on this 2-core machine,
// the overhead case) give the single thread's answer bit for bit —
// probabilities are float64 copies of float32 values, compared exactly —
// the default takes one thread per core, and the page says how many threads
// run and, when only one, why (pure-Go kernels, a shared memory the browser
// refuses, as iOS may).

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, openDemo, MODELS, skipWithoutModel } from './harness.mjs';

const PHOTOS = ['/samples/coffee.jpg', '/samples/grace_hopper.jpg'];

describe('threads: the kernels on a shared memory (ResNet-50 int8)', { skip: skipWithoutModel() }, () => {
  let srv, browser;

  before(async () => {
    srv = await startServer(['-models', MODELS, '-q']);
    browser = await launch();
  });

  after(async () => {
    await browser?.close();
    await srv?.stop();
  });

  // run opens the page with a query and classifies each photo twice (the
  // second warm): the model info, the top-5s, warm inference times, what
  // the page shows as threads, and the worker's memory.
  async function run(query) {
    const { page, consoleLines } = await openDemo(browser.ctx, `${srv.origin}/${query}`, { page: await browser.ctx.newPage() });
    try {
      const r = await page.evaluate(async (urls) => {
        const info = await window.resnet.ready;
        const tops = [];
        const inference = [];
        for (const url of urls) {
          const blob = await (await fetch(url)).blob();
          const a = await window.resnet.classify(blob);
          const b = await window.resnet.classify(blob);
          tops.push(a.top, b.top);
          inference.push(b.timings.inference);
        }
        return { info, tops, inference, isolated: self.crossOriginIsolated };
      }, PHOTOS);
      r.shown = await page.locator('#mi-threads').textContent();
      r.errors = consoleLines.filter((l) => /^(error|pageerror)/.test(l));
      return r;
    } finally {
      await page.close();
    }
  }

  it('gives the same bits on 1, 2 and 4 threads, and one per core by default', async () => {
    const one = await run('?threads=1');
    const two = await run('?threads=2');
    const four = await run('?threads=4');
    const auto = await run('');
    assert.equal(one.isolated, true, 'cmd/serve sends COOP/COEP');
    assert.deepEqual([one.errors, two.errors, four.errors, auto.errors], [[], [], [], []]);
    assert.equal(one.info.threads.threads, 1);
    assert.equal(one.shown, '1 (asked for 1 thread)');
    assert.equal(two.info.threads.threads, 2, two.shown);
    assert.equal(two.shown, '2');
    assert.equal(four.info.threads.threads, 4);
    const cores = await (await browser.ctx.newPage()).evaluate(() => navigator.hardwareConcurrency);
    assert.equal(auto.info.threads.threads, Math.min(32, cores));
    assert.equal(one.tops[0][0].index, 967, `top-1 ${one.tops[0][0].label}, want espresso`);
    for (const r of [two, four, auto]) assert.deepEqual(r.tops, one.tops);
    console.log(`# warm inference (ms), coffee / grace_hopper: 1 thread ${one.inference.map((x) => x.toFixed(0))}, 2 threads ${two.inference.map((x) => x.toFixed(0))}, 4 threads ${four.inference.map((x) => x.toFixed(0))}`);
  });

  it('runs single-threaded, and says why, with the pure-Go kernels', async () => {
    const r = await run('?threads=2&kernels=go');
    assert.deepEqual(r.errors, []);
    assert.equal(r.info.threads.threads, 1);
    assert.equal(r.shown, '1 (the pure-Go kernels run on one thread)');
  });

  it('runs single-threaded, and says why, where the browser refuses the shared memory', async () => {
    // As iOS may: a shared memory of the size the model needs is refused.
    const { ctx, close } = await launch();
    try {
      await ctx.addInitScript(() => {
        const Memory = WebAssembly.Memory;
        WebAssembly.Memory = function (d) {
          if (d && d.shared) throw new RangeError('WebAssembly.Memory(): could not allocate memory');
          return new Memory(d);
        };
        WebAssembly.Memory.prototype = Memory.prototype;
      });
      const { page, consoleLines } = await openDemo(ctx, `${srv.origin}/?threads=2`);
      const info = await page.evaluate(() => window.resnet.ready);
      const top = await page.evaluate(async () => (await window.resnet.classify(await (await fetch('/samples/coffee.jpg')).blob())).top[0].index);
      assert.equal(info.threads.threads, 1);
      assert.equal(await page.locator('#mi-threads').textContent(), '1 (this browser would not allocate the shared memory)');
      assert.equal(top, 967);
      assert.deepEqual(consoleLines.filter((l) => /^(error|pageerror)/.test(l)), []);
    } finally {
      await close();
    }
  });

  it('refuses a bad ?threads= value with a clear message', async () => {
    const page = await browser.ctx.newPage();
    try {
      await page.goto(`${srv.origin}/?threads=0`);
      await page.waitForFunction(() => document.body.dataset.ready, null, { timeout: 30000 });
      assert.equal(await page.evaluate(() => document.body.dataset.ready), 'error');
      assert.match(await page.locator('#load-error').textContent(), /threads must be a whole number from 1 to 32/);
    } finally {
      await page.close();
    }
  });
});
