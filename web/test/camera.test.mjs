// Webcam live mode through Chromium's fake camera, fed a committed photo as
// a Y4M clip: the live top-5 shows the photo's class and a frame rate; and
// the clear messages when the camera is denied or absent.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, launch, openDemo, y4m, PHOTOS, MODELS, skipWithoutModel } from './harness.mjs';

const W = 640;
const H = 480;

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
    writeFileSync(clip, y4m(rgb, W, H));
    const { ctx, close } = await launch({
      args: ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', `--use-file-for-fake-video-capture=${clip}`],
      permissions: ['camera'],
    });
    try {
      const { page, consoleLines } = await openDemo(ctx, `${srv.origin}/`);
      // From the keyboard: focus must stay on the button while the camera starts.
      await page.locator('#cam-start').focus();
      await page.keyboard.press('Enter');
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
        focus: document.activeElement.id,
      }));
      assert.ok([281, 282, 283, 284, 285].includes(state.index), `live top-1 ${state.label} (${state.index}), want a cat`);
      assert.equal(state.bars, 5);
      assert.equal(state.status, 'live');
      assert.equal(state.playsinline, true);
      assert.equal(state.mirrored, true, 'mirrored by default');
      assert.equal(state.pressed, 'true');
      assert.equal(state.crop, 224);
      assert.equal(state.focus, 'cam-start', 'keyboard focus left the camera button');
      // Live frames take the browser's scale straight to the resize size
      // (web/frames.js), and agree with Go's own path on the same frame.
      assert.equal(await page.evaluate(() => document.getElementById('cam-card').dataset.path), 'browser-resize');
      const goPath = await page.evaluate(async () => (await window.resnet.classify(document.getElementById('cam-video'), { downscale: false })).top[0].index);
      assert.equal(state.index, goPath, `live top-1 ${state.index}, Go's path on the same frame ${goPath}`);
      // A second result gives a frame rate; results keep coming.
      await page.waitForFunction(() => /frames\/s/.test(document.getElementById('cam-fps').textContent), null, { timeout: 120000 });
      const frames = Number(await page.evaluate(() => document.getElementById('cam-card').dataset.frames));
      await page.waitForFunction((n) => Number(document.getElementById('cam-card').dataset.frames) >= n + 3, frames, { timeout: 60000 });
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
