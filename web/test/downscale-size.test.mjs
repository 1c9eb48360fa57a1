// web/downscale.js's arithmetic, in Node (no browser): the intermediate
// size keeps the command line's final size, the centre cut stays inside it,
// and the DCT hint picks the scale it means to under Chromium's rule.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FACTOR, checkFactor, downscaleSize, centreCut, centreOffset, dctHint } from '../downscale.js';

// The command line's resize rule (engine/preprocess resizedSize), in integers.
const final = (w, h, resize) => (w <= h ? [resize, Math.floor((resize * h) / w)] : [Math.floor((resize * w) / h), resize]);

describe('downscale.js', () => {
  it('leaves images no larger than factor × resize to Go', () => {
    assert.equal(downscaleSize(512, 900, 256), null);
    assert.equal(downscaleSize(900, 512, 256), null);
    assert.deepEqual(downscaleSize(1280, 720, 256), { width: 910, height: 512 });
    assert.deepEqual(downscaleSize(3024, 4032, 256), { width: 512, height: 682 });
    assert.equal(downscaleSize(4000, 3000, 256, 0), null, 'factor 0: off');
    assert.equal(downscaleSize(4000, 3000, undefined), null, 'no model loaded');
  });

  it('keeps the command line\'s final size for every shape', () => {
    let n = 0;
    for (const factor of [1, 1.5, 2, 3, 4]) {
      for (let w = 520; w < 5000; w += 97) {
        for (let h = 600; h < 4500; h += 131) {
          const s = downscaleSize(w, h, 256, factor);
          if (!s) continue;
          n++;
          assert.equal(Math.min(s.width, s.height), Math.round(factor * 256));
          if (s.width !== s.height) assert.equal(s.width < s.height, w < h, `${w}×${h}: orientation kept`);
          assert.deepEqual(final(s.width, s.height, 256), final(w, h, 256), `${w}×${h} at ${factor}: via ${s.width}×${s.height}`);
        }
      }
    }
    assert.ok(n > 1000, `only ${n} shapes tried`);
  });

  it('cuts the centred square, at a multiple of the factor, only where exact', () => {
    assert.deepEqual(centreCut(910, 512, 256, 224), { x: 200, y: 0, width: 512, height: 512 });
    assert.deepEqual(centreCut(512, 682, 256, 224), { x: 0, y: 84, width: 512, height: 512 });
    assert.deepEqual(centreCut(512, 512, 256, 224), { x: 0, y: 0, width: 512, height: 512 });
    assert.equal(centreCut(683, 384, 256, 224, 1.5), null, 'fractional factor');
    assert.equal(centreCut(910, 512, 256, 254), null, 'crop too close to the resize');
    for (let w = 520; w < 5000; w += 37) {
      const s = downscaleSize(w, 700, 256, FACTOR);
      const c = centreCut(s.width, s.height, 256, 224);
      assert.equal(c.x % FACTOR, 0);
      assert.ok(c.x >= 0 && c.x + c.width <= s.width, `${w}×700: cut ${c.x}+${c.width} outside ${s.width}`);
    }
  });

  it('rounds crop offsets half to even, as torchvision', () => {
    assert.equal(centreOffset(256, 224), 16);
    assert.equal(centreOffset(455, 224), 116); // 115.5 → 116
    assert.equal(centreOffset(257, 224), 16); // 16.5 → 16
    assert.equal(centreOffset(259, 224), 18); // 17.5 → 18
  });

  it('asks Chromium\'s JPEG decoder for the smallest DCT scale that is large enough', () => {
    // Chromium: numerator = floor(sqrt(budget·64 / original)), budget in
    // pixels here (both sides ×4 bytes); output side = ceil(side·m/8).
    const chromium = (w, h, hint) => Math.max(1, Math.floor(Math.sqrt((hint.desiredWidth * hint.desiredHeight * 64) / (w * h))));
    for (const [w, h] of [[4032, 3024], [4242, 2828], [3750, 3200], [1100, 1000], [8000, 600]]) {
      const hint = dctHint(w, h, 512);
      if (!hint.desiredWidth) {
        assert.ok(Math.min(w, h) * 7 < 8 * 512, `${w}×${h}: no hint, yet 7/8 would do`);
        continue;
      }
      const m = chromium(w, h, hint);
      assert.ok(Math.ceil((Math.min(w, h) * m) / 8) >= 512, `${w}×${h}: m = ${m} is too small`);
      assert.ok(m === 1 || Math.ceil((Math.min(w, h) * (m - 1)) / 8) < 512, `${w}×${h}: m = ${m} is larger than needed`);
    }
  });

  it('validates the factor option', () => {
    assert.equal(checkFactor(false), 0);
    assert.equal(checkFactor(2), 2);
    for (const bad of [0.5, '2', NaN, Infinity, null, 17]) assert.throws(() => checkFactor(bad), /downscale must be/);
  });
});
