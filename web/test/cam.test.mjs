// "Where the model looked" in real Chromium with the default ResNet-50:
// window.resnet.classify(input, {cam: true}) returns the command line's cam
// object (classify -cam); a result card draws the heatmap over the crop and
// the photo, with a legend and a sentence for screen readers; each top-5
// label switches the map to its class. Prints what the maps cost (computing
// them in the worker, drawing them on the page) and writes docs/cam.png.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, launch, openDemo, ROOT, PHOTOS, MODEL, MODELS, skipWithoutModel } from './harness.mjs';

const photo = (name) => join(PHOTOS, name);
const PHOTO = 'squirrel.jpg';

// nativeCAM is the command line's JSON report for a file with -cam.
function nativeCAM(file) {
  return new Promise((resolve, reject) => {
    const p = spawn('go', ['run', './cmd/classify', '-model', MODEL, '-json', '-cam', file], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`classify -cam ${file}: ${err}`))));
  });
}

const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

describe('where the model looked (ResNet-50)', { skip: skipWithoutModel() }, () => {
  let srv, browser, page, native;

  before(async () => {
    native = nativeCAM(photo(PHOTO));
    native.catch(() => {}); // awaited in the tests
    srv = await startServer(['-models', MODELS]);
    browser = await launch();
    ({ page } = await openDemo(browser.ctx, `${srv.origin}/`));
  });

  after(async () => {
    await browser?.close();
    await srv?.stop();
  });

  it("classify(input, {cam: true}) returns the command line's cam", async () => {
    const b64 = readFileSync(photo(PHOTO)).toString('base64');
    const runs = await page.evaluate(async (b64) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const blob = new Blob([bytes], { type: 'image/jpeg' });
      const out = [];
      // Alternate with and without maps: the difference in inference is
      // the maps' cost inside the forward pass (none: they are computed
      // after it, timings.cam).
      for (let i = 0; i < 11; i++) {
        const withCAM = await window.resnet.classify(blob, { cam: true });
        const without = await window.resnet.classify(blob);
        out.push({ withCAM, without: { top: without.top, cam: without.cam, timings: without.timings } });
      }
      return out;
    }, b64);
    const want = (await native).cam;
    assert.ok(want && want.map.length === want.size[0] * want.size[1], 'the command line printed a cam');
    for (const { withCAM, without } of runs) {
      const cam = withCAM.cam;
      assert.equal(without.cam, undefined, 'no cam unless asked for');
      assert.ok(cam, 'cam in the result');
      assert.deepEqual(Object.keys(cam).sort(), ['index', 'map', 'size'], 'the command line’s fields, no others');
      assert.equal(cam.index, withCAM.top[0].index, 'the map of the top-1');
      assert.equal(cam.index, want.index, 'same class as the command line');
      assert.deepEqual(cam.size, want.size, 'same size');
      assert.ok(Array.isArray(cam.map) && cam.map.length === want.map.length);
      const scale = Math.max(...want.map.map(Math.abs));
      const err = Math.max(...cam.map.map((v, i) => Math.abs(v - want.map[i])));
      assert.ok(err <= 1e-4 * scale, `map differs from the command line's by ${err} (largest |value| ${scale})`);
      assert.equal(withCAM.cams.length, withCAM.top.length, 'one map per top-k class');
      withCAM.cams.forEach((c, i) => assert.equal(c.index, withCAM.top[i].index));
    }
    const warm = runs.slice(1);
    const camMs = median(warm.map((r) => r.withCAM.timings.cam));
    const inf = median(warm.map((r) => r.withCAM.timings.inference));
    const infPlain = median(warm.map((r) => r.without.timings.inference));
    const ratio = median(warm.map((r) => r.withCAM.timings.cam / r.withCAM.timings.inference));
    console.log(
      `# CAM cost in the worker: ${camMs.toFixed(2)} ms for the ${runs[0].withCAM.cams.length} maps of the top-5 (median of ${warm.length} warm runs, min ${Math.min(...warm.map((r) => r.withCAM.timings.cam)).toFixed(2)}), ` +
        `${(100 * ratio).toFixed(2)} % of that run's inference; inference ${inf.toFixed(1)} ms with maps asked for, ${infPlain.toFixed(1)} ms without`,
    );
    assert.equal(typeof camMs, 'number');
  });

  it('draws the heatmap with a legend and a text alternative; top-5 labels switch the class', async () => {
    await page.setInputFiles('#files', [photo(PHOTO)]);
    // Both overlays are drawn: the photo's is an image made off screen.
    const drawn = (n) => [...document.querySelectorAll('#results .card')].some((c) => c.querySelector('.name').textContent === n && ((c.dataset.camIndex && c.dataset.camPhotoMs) || c.dataset.error));
    await page.waitForFunction(drawn, PHOTO, { timeout: 180000 });
    const state = () =>
      page.evaluate((n) => {
        const c = [...document.querySelectorAll('#results .card')].find((c) => c.querySelector('.name').textContent === n);
        const over = c.querySelectorAll('.cam-over');
        const px = [...over].map((o) => {
          const cv = o instanceof HTMLCanvasElement ? o : new OffscreenCanvas(o.naturalWidth, o.naturalHeight);
          if (o instanceof HTMLImageElement) cv.getContext('2d').drawImage(o, 0, 0);
          return Array.from(cv.getContext('2d').getImageData(0, 0, cv.width, cv.height).data);
        });
        return {
          photoMs: Number(c.dataset.camPhotoMs),
          error: c.dataset.error,
          index: c.dataset.camIndex,
          top1Index: c.dataset.top1Index,
          drawMs: Number(c.dataset.camDrawMs),
          where: c.querySelector('.cam-where')?.textContent,
          labels: [...over].map((cv) => cv.getAttribute('aria-label')),
          roles: [...over].map((cv) => cv.getAttribute('role')),
          legend: !!c.querySelector('.cam-legend canvas') && !c.querySelector('.cam-legend').hidden,
          rows: [...c.querySelectorAll('.top5 li')].map((li) => ({ text: li.querySelector('.label').textContent, on: li.classList.contains('cam-on') })),
          select: c.querySelector('select.cam-select')?.value,
          options: [...(c.querySelector('select.cam-select')?.options ?? [])].map((o) => o.textContent),
          visible: [...over].every((o) => !o.hidden),
          px,
          cropFirst: c.querySelector('canvas') === c.querySelector('.crop canvas:not(.cam-over)'),
        };
      }, PHOTO);
    const s = await state();
    assert.equal(s.error, undefined, 'the card classified');
    assert.equal(s.index, s.top1Index, 'the map of the top-1 first');
    assert.ok(s.cropFirst, 'the crop canvas stays the first canvas of the card');
    assert.equal(s.px.length, 2, 'a heatmap over the crop and one over the photo');
    for (const px of s.px) {
      const colours = new Set();
      let opaque = 0;
      for (let i = 0; i < px.length; i += 4) {
        if (px[i + 3] > 0) opaque++;
        colours.add(`${px[i] >> 4},${px[i + 1] >> 4},${px[i + 2] >> 4}`);
      }
      assert.ok(opaque > px.length / 8, `the heatmap is drawn (${opaque} of ${px.length / 4} pixels)`);
      assert.ok(colours.size > 8, `the heatmap has a range of colours (${colours.size})`);
    }
    assert.ok(s.legend, 'a colour legend');
    assert.deepEqual(s.roles, ['img', 'img']);
    assert.match(s.where, /^Where the model looked for “.+”: (mostly the |the .+ most \(\d+% of the evidence\), then the |spread over the whole image)/, `text alternative: ${s.where}`);
    for (const l of s.labels) assert.equal(l, s.where, 'the heatmaps carry the sentence as their accessible name');
    assert.equal(s.rows.length, 5);
    assert.ok(s.rows[0].on && s.select === '0', 'the top-1 is the class shown');
    assert.deepEqual(s.options.slice(0, 5), s.rows.map((r) => r.text), 'the chooser lists the top-5');

    const draws = [s.drawMs];
    const photoDraws = [s.photoMs];
    const card = page.locator('#results .card', { has: page.locator('.name', { hasText: PHOTO }) });
    // A click on a top-5 row, then the keyboard's way: the chooser.
    for (let round = 0; round < 2; round++) {
      for (let i = 1; i < 5; i++) {
        if (round === 0) await card.locator('.top5 li').nth(i).click();
        else await card.locator('select.cam-select').selectOption(String(i));
        await page.waitForFunction(drawn, PHOTO);
        const t = await state();
        assert.ok(t.rows[i].on && t.select === String(i), `row ${i} shown (round ${round})`);
        assert.ok(t.where.includes(`“${t.rows[i].text}”`), `the sentence names ${t.rows[i].text}: ${t.where}`);
        assert.notEqual(t.index, s.index, 'another class’s map');
        draws.push(t.drawMs);
        photoDraws.push(t.photoMs);
      }
    }
    await card.locator('select.cam-select').selectOption('none');
    assert.ok(!(await state()).visible, 'the heatmaps hide');
    await card.locator('.top5 li').nth(0).click();
    await page.waitForFunction(drawn, PHOTO);
    assert.ok((await state()).visible, 'and show again');
    console.log(
      `# CAM drawing on the page (both overlays, on the main thread): median ${median(draws).toFixed(2)} ms, max ${Math.max(...draws).toFixed(2)} ms over ${draws.length} draws; ` +
        `until the photo's overlay image is decoded: median ${median(photoDraws).toFixed(2)} ms`,
    );
    await card.scrollIntoViewIfNeeded();
    await card.screenshot({ path: join(ROOT, 'docs', 'cam.png') });
  });
});
