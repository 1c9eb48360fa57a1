package preprocess

import (
	"fmt"
	"image"

	"github.com/inbrowser-ai/resnet/engine/modelfile"
)

// Normalize writes img as H×W×3 float32 (HWC) into dst in the model's
// channel order: dst[(y*W+x)*3+c] = (pixel[order[c]] - Mean[c]) / Std[c],
// where order is R,G,B for "RGB" and B,G,R for "BGR" (Mean and Std are
// already in that order, in 0–255 units). dst must hold at least W·H·3
// values. It does not allocate.
func Normalize(img *image.RGBA, pre modelfile.Preprocess, dst []float32) error {
	if img == nil {
		return fmt.Errorf("normalize: nil image")
	}
	var order [3]int
	switch pre.ChannelOrder {
	case "RGB":
		order = [3]int{0, 1, 2}
	case "BGR":
		order = [3]int{2, 1, 0}
	default:
		return fmt.Errorf("normalize: unknown channel order %q", pre.ChannelOrder)
	}
	for _, s := range pre.Std {
		if !(s > 0) {
			return fmt.Errorf("normalize: std %v must be positive", pre.Std)
		}
	}
	w, h := img.Rect.Dx(), img.Rect.Dy()
	if len(dst) < w*h*3 {
		return fmt.Errorf("normalize: dst holds %d values, %d×%d×3 needs %d", len(dst), w, h, w*h*3)
	}
	// A pixel has only 256 values per channel: one table per channel does
	// the subtraction and the division (exactly as written) once each.
	var lut [3][256]float32
	for c := range lut {
		for v := range lut[c] {
			lut[c][v] = (float32(v) - pre.Mean[c]) / pre.Std[c]
		}
	}
	l0, l1, l2 := &lut[0], &lut[1], &lut[2]
	o0, o1, o2 := order[0], order[1], order[2]
	for y := 0; y < h; y++ {
		row := img.Pix[img.PixOffset(img.Rect.Min.X, img.Rect.Min.Y+y):][:4*w]
		out := dst[y*w*3 : (y+1)*w*3]
		for x := 0; x < w; x++ {
			p := row[4*x : 4*x+4]
			out[3*x] = l0[p[o0]]
			out[3*x+1] = l1[p[o1]]
			out[3*x+2] = l2[p[o2]]
		}
	}
	return nil
}
