// A Y4M clip for Chromium's fake camera (--use-file-for-fake-video-capture)
// from a photo: ImageMagick fits it to W×H, then 4:2:0 BT.601 limited range,
// what Chromium's capture pipeline assumes (as in web/test/camera.test.mjs).

import { execFileSync } from 'node:child_process';

export function y4mFromPhoto(photo, { width: W = 640, height: H = 480, fps = 30, frames = 3 } = {}) {
  const rgb = execFileSync('convert', [photo, '-resize', `${W}x${H}^`, '-gravity', 'center', '-extent', `${W}x${H}`, '-depth', '8', 'rgb:-'], { maxBuffer: 1 << 26 });
  if (rgb.length !== W * H * 3) throw new Error(`convert gave ${rgb.length} bytes, want ${W * H * 3}`);
  const ySize = W * H;
  const c = (W / 2) * (H / 2);
  const plane = Buffer.alloc(ySize + 2 * c);
  const at = (x, y, k) => rgb[3 * (y * W + x) + k];
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      plane[y * W + x] = Math.round(16 + (65.481 * at(x, y, 0) + 128.553 * at(x, y, 1) + 24.966 * at(x, y, 2)) / 255);
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
  const parts = [Buffer.from(`YUV4MPEG2 W${W} H${H} F${fps}:1 Ip A1:1 C420jpeg\n`)];
  for (let i = 0; i < frames; i++) parts.push(Buffer.from('FRAME\n'), plane);
  return Buffer.concat(parts);
}
