package preprocess

import "image"

// vp8ToRGBA converts a lossy WebP's planes to RGBA. golang.org/x/image/webp
// returns them as image.YCbCr, whose conversion assumes JPEG's full-range
// YCbCr, but VP8 stores limited-range BT.601 (Y 16–235): through the
// standard path colours come out flat (measured on a test photo: R −4.4,
// B +3.0 on average against libwebp). Known upstream as golang/go#40173.
// This uses libwebp's own fixed-point formulas (src/dsp/yuv.h); chroma is
// upsampled by nearest neighbour, not libwebp's "fancy" bilinear, which
// leaves a smaller difference at colour edges. alpha (NYCbCrA) may be nil.
func vp8ToRGBA(src *image.YCbCr, alpha []uint8, alphaStride int) *image.RGBA {
	b := src.Rect
	w, h := b.Dx(), b.Dy()
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		d := dst.Pix[y*dst.Stride : y*dst.Stride+4*w]
		for x := 0; x < w; x++ {
			yi := src.YOffset(b.Min.X+x, b.Min.Y+y)
			ci := src.COffset(b.Min.X+x, b.Min.Y+y)
			yy, u, v := int32(src.Y[yi]), int32(src.Cb[ci]), int32(src.Cr[ci])
			r := clip8(mulHi(yy, 19077) + mulHi(v, 26149) - 14234)
			g := clip8(mulHi(yy, 19077) - mulHi(u, 6419) - mulHi(v, 13320) + 8708)
			bl := clip8(mulHi(yy, 19077) + mulHi(u, 33050) - 17685)
			if alpha != nil {
				a := alpha[y*alphaStride+x]
				r, g, bl = compositeWhite(r, a), compositeWhite(g, a), compositeWhite(bl, a)
			}
			d[4*x], d[4*x+1], d[4*x+2], d[4*x+3] = r, g, bl, 0xff
		}
	}
	return dst
}

func mulHi(v, coeff int32) int32 { return (v * coeff) >> 8 }

// clip8 maps libwebp's 14-bit intermediate (YUV_FIX2 = 6 fractional bits)
// to 0–255.
func clip8(v int32) uint8 {
	if v&^16383 == 0 {
		return uint8(v >> 6)
	}
	if v < 0 {
		return 0
	}
	return 255
}
