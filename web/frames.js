// Live video frames (the camera's live mode, through Engine.classifyFrame).
// A camera frame has no EXIF and no encoded bytes whose decode the command
// line would reproduce, so the browser scales it straight to the model's
// resize size — shorter side 256 for the ImageNet models, the longer side
// what the command line's resize gives — and Go does the rest of the
// command line's preprocessing on exactly that: the centre crop and the
// normalisation (its resize at scale 1 changes nothing and is skipped,
// engine/preprocess ResizeCrop). Only the centred square Go crops from is
// read back (downscale.js centreCut, at factor 1).
//
// This runs on the page's thread, not the worker's: the live mode scales
// and reads the next frame while the worker runs the forward pass on this
// one (camera.js).

import { centreCut, downscaleSize } from './downscale.js';

// One canvas for every frame: a live mode reads ten or more a second.
let canvas = null;
let ctx = null;

// captureFrame resolves with {pix, width, height, ms}: the RGBA bytes of
// the frame of src (a video element, VideoFrame, canvas or bitmap) scaled
// for a model preprocessing with {resize, crop}, an ArrayBuffer to transfer.
export async function captureFrame(src, { resize, crop }) {
  const t = performance.now();
  const w = src.videoWidth ?? src.displayWidth ?? src.width;
  const h = src.videoHeight ?? src.displayHeight ?? src.height;
  if (!w || !h) throw new Error('classify: the video has no frame yet');
  // Factor 1: the intermediate is the resized image itself. A frame whose
  // shorter side is smaller than that is read as it is (Go upscales it, as
  // the command line would).
  const size = downscaleSize(w, h, resize, 1);
  const bitmap = await createImageBitmap(src, size ? { resizeWidth: size.width, resizeHeight: size.height, resizeQuality: 'high' } : {});
  try {
    const cut = (size && centreCut(size.width, size.height, resize, crop, 1)) || { x: 0, y: 0, width: bitmap.width, height: bitmap.height };
    if (!canvas || canvas.width !== cut.width || canvas.height !== cut.height) {
      canvas = new OffscreenCanvas(cut.width, cut.height);
      ctx = canvas.getContext('2d', { willReadFrequently: true });
    }
    ctx.drawImage(bitmap, -cut.x, -cut.y);
    const data = ctx.getImageData(0, 0, cut.width, cut.height);
    return { pix: data.data.buffer, width: cut.width, height: cut.height, ms: performance.now() - t };
  } finally {
    bitmap.close();
  }
}
