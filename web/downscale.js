// The browser's share of preprocessing a large image. Go's JPEG
// decoder has no DCT-domain scaling and bild's antialiased resize costs in
// proportion to the source pixels: a 12-megapixel photo spent ~1 s in Go
// before the model saw it. So when an image is larger than the model needs,
// the browser decodes and downscales it (native code, JPEG DCT scaling)
// to an intermediate whose shorter side is FACTOR × the model's resize, and
// Go then runs the command line's own resize and crop (bild, antialiased
// bilinear) from there. Smaller images keep Go's exact path.
//
// Why 2 (web/test/agreement.mjs; the 11 committed photos upscaled to 12 MP,
// ResNet-50 int8, against the command line on the same file): top-1 agrees
// 11/11 at every factor tried (1, 1.5, 2, 3, 4). The top-1 probability moves
// by 0.024 on average (max 0.068) at 2, 0.005 (max 0.020) at 3, against a
// floor of 0.008 (max 0.033) that the two JPEG decoders' differences alone
// cause (the browser's full decode, then Go's resize). 1.5 is worst (0.034):
// the final ratio is not an integer. 2 is the largest integer factor below a
// 720p frame's 720/256, so webcam frames gain too; at 3 they would keep Go's
// path, and a 12 MP upload would cost ~75 ms before the model instead of
// ~50. At 2 the final resize is an exact 2:1 reduction by the command line's
// filter.
export const FACTOR = 2;

// checkFactor validates the classify option: a number ≥ 1, or false/0 to
// keep Go's path for every size (measurements, comparisons).
export function checkFactor(f) {
  if (f === false || f === 0) return 0;
  if (typeof f !== 'number' || !Number.isFinite(f) || f < 1 || f > 16) {
    throw new TypeError(`classify: downscale must be false or a factor in [1, 16], not ${JSON.stringify(f)}`);
  }
  return f;
}

// downscaleSize is the intermediate size for an upright w×h image, or null
// when its shorter side is already at most factor × resize (nothing to gain:
// Go's path, bit for bit the command line's).
//
// The longer side is chosen so that Go's resize of the intermediate lands on
// the same size as the command line's resize of the original (torchvision's
// int(resize·long/short)): the centre crop then covers the same part of the
// photo, and with factor 2 every final pixel maps onto exactly 2×2
// intermediate pixels.
export function downscaleSize(w, h, resize, factor = FACTOR) {
  if (!factor || !(resize > 0)) return null;
  const short = Math.min(w, h);
  const long = Math.max(w, h);
  const s = Math.round(factor * resize);
  if (short <= s) return null;
  const final = Math.floor((resize * long) / short); // the command line's long side
  // Smallest l with floor(resize·l/s) = final (engine/preprocess resizedSize).
  const l = Math.ceil((final * s) / resize);
  return w <= h ? { width: s, height: l } : { width: l, height: s };
}

// centreCut is the part of an intermediate (w×h, from downscaleSize with
// an integer factor) that Go needs: the centred square of its shorter side.
// Go's resize and crop of that square give, bit for bit, the crop they give
// of the whole intermediate — bild's resize of each row (or column) depends
// only on the scale, which is still exactly the factor, and on positions
// relative to the source, which the cut shifts by a multiple of the factor —
// as long as the crop's filter windows stay inside the square (margins of
// ≥ 2 output pixels; wasm/cut_test.go checks the claim on bild itself). Go
// then resizes 512×512 instead of, for 16:9 video, 910×512. null when
// the cut would change the result (a fractional factor, a crop almost as
// large as the resize).
export function centreCut(w, h, resize, crop, factor = FACTOR) {
  const short = Math.min(w, h);
  const long = Math.max(w, h);
  if (!Number.isInteger(factor) || short !== factor * resize || long % factor !== 0) return null;
  const inner = centreOffset(resize, crop);
  if (inner < 2 || resize - crop - inner < 2) return null;
  const at = factor * (centreOffset(long / factor, crop) - inner);
  return w >= h ? { x: at, y: 0, width: short, height: short } : { x: 0, y: at, width: short, height: short };
}

// centreOffset is torchvision CenterCrop's int(round((n - crop) / 2)),
// Python rounding half to even (engine/preprocess centreOffset).
export function centreOffset(n, crop) {
  const d = n - crop;
  let q = Math.floor(d / 2);
  if (d % 2 !== 0 && q % 2 !== 0) q++;
  return q;
}

// dctHint asks a JPEG decoder for the smallest DCT scale m/8 whose shorter
// side is still at least `short` pixels: decoding at 1/8 touches a
// sixty-fourth of the pixels, and the scaled IDCT is a proper low-pass (at
// 1/8 it is the exact 8×8 block mean). Chromium's ImageDecoder treats
// desiredWidth×desiredHeight as a pixel budget and takes the largest m/8
// within it, so the hint asks for (m + ½)/8 of each side: safely between m
// and m + 1 whatever the rounding. Other engines may scale to the hint
// itself, which is still at least `short`. Dimensions are the stored ones
// (before EXIF orientation): the budget does not depend on orientation.
export function dctHint(w, h, short) {
  const m = Math.ceil((8 * short) / Math.min(w, h));
  if (m >= 8) return {};
  return { desiredWidth: Math.ceil((w * (m + 0.5)) / 8), desiredHeight: Math.ceil((h * (m + 0.5)) / 8) };
}
