// Webcam live mode through Chromium's fake camera, fed a committed photo as
// a Y4M clip: the live top-5 shows the photo's class and a frame rate; and
// the clear messages when the camera is denied or absent.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, launch, openDemo, PHOTOS, MODELS, skipWithoutModel } from './harness.mjs';

const W = 640;
const H = 480;

// y4m writes a few identical 4:2:0 frames (BT.601 limited range, what
// Chromium's capture pipeline assumes) from raw RGB.
function y4m(rgb, frames = 3) {
  const ySize = W * H;
  const c = (W / 2) * (H / 2);
  const plane = Buffer.alloc(ySize + 2 * c);
  const at = (x, y, k) => rgb[3 * (y * W + x) + k];
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const r = at(x, y, 0), g = at(x, y, 1), b = at(x, y, 2);
      plane[y * W + x] = Math.round(16 + (65.481 * r + 128.553 * g + 24.966 * b) / 255);
    }
  }
  for (let y = 0; y < H / 2; y++) {
    for (let x = 0; x < W / 2; x++) {
      let r = 0, g = 0, b = 0;
      for (const [dx, dy] of [[0, 0], [1, 0], [0, 1], [1, 1]]) {
        r += at(2 * x + dx, 2 * y + dy, 0) / 4;
        g += at(2 * x + dx, 2 * y + dy, 1) / 4;
        b += at(2 * x + dx, 2 * y + dy, 2) / 4;
      }
      plane[ySize + y * (W / 2) + x] = Math.round(128 + (-37.797 * r - 74.203 * g + 112 * b) / 255);
      plane[ySize + c + y * (W / 2) + x] = Math.round(128 + (112 * r - 93.786 * g - 18.214 * b) / 255);
    }
  }
  const parts = [Buffer.from(`YUV4MPEG2 W${W} H${H} F10:1 Ip A1:1 C420jpeg\n`)];
  for (let i = 0; i < frames; i++) parts.push(Buffer.from('FRAME\n'), plane);
  return Buffer.concat(parts);
}

describe('webcam', () => {
  let srv, dir;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'resnet-cam-'));
    srv = await startServer(['-models', MODELS, '-q']);
  });
  after(async () => {
    await srv?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('live mode shows the photo the fake camera films', { skip: skipWithoutModel() }, async () => {
    // ImageMagick (Debian) decodes and fits the photo; the clip is 640×480.
    const rgb = execFileSync('convert', [join(PHOTOS, 'chelsea.png'), '-resize', `${W}x${H}^`, '-gravity', 'center', '-extent', `${W}x${H}`, '-depth', '8', 'rgb:-'], { maxBuffer: 1 << 24 });
    assert.equal(rgb.length, W * H * 3);
    const clip = join(dir, 'chelsea.y4m');
    writeFileSync(clip, y4m(rgb));
    const { ctx, close } = await launch({
      args: ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', `--use-file-for-fake-video-capture=${clip}`],
      permissions: ['camera'],
    });
    try {
      const { page, consoleLines } = await openDemo(ctx, `${srv.origin}/`);
      await page.locator('#cam-start').click();
      await page.waitForFunction(() => document.getElementById('cam-card').dataset.top1Index, null, { timeout: 120000 }).catch(async (e) => {
        const why = await page.evaluate(() => [document.getElementById('cam-status').textContent, document.getElementById('cam-timing').textContent]);
        throw new Error(`no live result: ${why.join(' / ')}\n${consoleLines.join('\n')}`, { cause: e });
      });
      const state = await page.evaluate(() => ({
        index: Number(document.getElementById('cam-card').dataset.top1Index),
        label: document.getElementById('cam-card').dataset.top1,
        bars: document.querySelectorAll('#cam-top li').length,
        status: document.getElementById('cam-status').dataset.state,
        playsinline: document.getElementById('cam-video').playsInline,
        mirrored: document.getElementById('cam-video').classList.contains('mirror'),
        pressed: document.getElementById('cam-start').getAttribute('aria-pressed'),
        crop: document.getElementById('cam-crop').width,
      }));
      assert.ok([281, 282, 283, 284, 285].includes(state.index), `live top-1 ${state.label} (${state.index}), want a cat`);
      assert.equal(state.bars, 5);
      assert.equal(state.status, 'live');
      assert.equal(state.playsinline, true);
      assert.equal(state.mirrored, true, 'mirrored by default');
      assert.equal(state.pressed, 'true');
      assert.equal(state.crop, 224);
      // A second result gives a frame rate.
      await page.waitForFunction(() => /frames\/s/.test(document.getElementById('cam-fps').textContent), null, { timeout: 120000 });
      await page.locator('#cam-mirror').uncheck();
      assert.equal(await page.evaluate(() => document.getElementById('cam-video').classList.contains('mirror')), false);
      // Stopping releases the camera.
      await page.locator('#cam-start').click();
      const stopped = await page.evaluate(() => ({
        src: document.getElementById('cam-video').srcObject,
        hidden: document.getElementById('cam-card').hidden,
        state: document.getElementById('cam-status').dataset.state,
      }));
      assert.deepEqual(stopped, { src: null, hidden: true, state: 'off' });
    } finally {
      await close();
    }
  });

  it('says so clearly when the camera is denied', async () => {
    const { ctx, close } = await launch({ args: ['--use-fake-device-for-media-stream'], permissions: [] });
    try {
      const page = ctx.pages()[0];
      await page.goto(`${srv.origin}/`);
      await page.locator('#cam-start').click();
      await page.waitForFunction(() => document.getElementById('cam-status').dataset.state === 'denied', null, { timeout: 30000 });
      assert.match(await page.locator('#cam-status').textContent(), /denied/i);
      assert.equal(await page.locator('#cam-card').isHidden(), true);
      assert.equal(await page.locator('#cam-start').isEnabled(), true, 'can try again');
    } finally {
      await close();
    }
  });

  it('says so clearly when there is no camera', async () => {
    const { ctx, close } = await launch({ permissions: ['camera'] });
    try {
      const page = ctx.pages()[0];
      await page.goto(`${srv.origin}/`);
      await page.locator('#cam-start').click();
      await page.waitForFunction(() => ['none', 'busy'].includes(document.getElementById('cam-status').dataset.state), null, { timeout: 30000 });
      const s = await page.evaluate(() => [document.getElementById('cam-status').dataset.state, document.getElementById('cam-status').textContent]);
      assert.equal(s[0], 'none', `state ${s[0]}: ${s[1]}`);
      assert.match(s[1], /No camera was found/);
    } finally {
      await close();
    }
  });
});
