package preprocess

import (
	"image"
	"testing"

	"github.com/inbrowser-ai/resnet/engine/modelfile"
)

func TestNormalize(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 2, 1))
	copy(img.Pix, []uint8{10, 20, 30, 255, 255, 0, 128, 255})
	for _, tc := range []struct {
		pre   modelfile.Preprocess
		order [3]int // pixel channel feeding output channel c
	}{
		{modelfile.TorchvisionPreprocess, [3]int{0, 1, 2}},
		{modelfile.CaffePreprocess, [3]int{2, 1, 0}},
	} {
		dst := make([]float32, 2*1*3+1)
		dst[6] = 42 // guard: must not be written
		if err := Normalize(img, tc.pre, dst); err != nil {
			t.Fatal(err)
		}
		for x := 0; x < 2; x++ {
			for c := 0; c < 3; c++ {
				v := float32(img.Pix[4*x+tc.order[c]])
				want := (v - tc.pre.Mean[c]) / tc.pre.Std[c]
				if got := dst[x*3+c]; got != want {
					t.Errorf("%s x=%d c=%d: %v, want %v", tc.pre.ChannelOrder, x, c, got, want)
				}
			}
		}
		if dst[6] != 42 {
			t.Errorf("%s: wrote past W·H·3", tc.pre.ChannelOrder)
		}
	}
	// Caffe, first pixel (R 10, G 20, B 30): channel 0 is blue.
	dst := make([]float32, 6)
	_ = Normalize(img, modelfile.CaffePreprocess, dst)
	if want := float32(30 - 103.939); dst[0] != want {
		t.Errorf("BGR channel 0 = %v, want blue − mean = %v", dst[0], want)
	}
}

// A sub-image (non-zero origin, stride wider than the row) reads its own pixels.
func TestNormalizeSubImage(t *testing.T) {
	big := image.NewRGBA(image.Rect(0, 0, 4, 4))
	for i := range big.Pix {
		big.Pix[i] = uint8(i)
	}
	sub := big.SubImage(image.Rect(1, 2, 3, 4)).(*image.RGBA)
	dst := make([]float32, 12)
	pre := modelfile.Preprocess{ChannelOrder: "RGB", Std: [3]float32{1, 1, 1}}
	if err := Normalize(sub, pre, dst); err != nil {
		t.Fatal(err)
	}
	for y := 0; y < 2; y++ {
		for x := 0; x < 2; x++ {
			for c := 0; c < 3; c++ {
				want := float32(big.Pix[big.PixOffset(1+x, 2+y)+c])
				if got := dst[(y*2+x)*3+c]; got != want {
					t.Errorf("(%d,%d,%d) = %v, want %v", x, y, c, got, want)
				}
			}
		}
	}
}

func TestNormalizeErrors(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 2, 2))
	ok := modelfile.TorchvisionPreprocess
	bgrx := ok
	bgrx.ChannelOrder = "RGBX"
	zero := ok
	zero.Std[1] = 0
	for name, tc := range map[string]struct {
		img *image.RGBA
		pre modelfile.Preprocess
		n   int
	}{
		"short dst":     {img, ok, 11},
		"channel order": {img, bgrx, 12},
		"zero std":      {img, zero, 12},
		"nil image":     {nil, ok, 12},
	} {
		if err := Normalize(tc.img, tc.pre, make([]float32, tc.n)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestNormalizeNoAlloc(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 224, 224))
	dst := make([]float32, 224*224*3)
	allocs := testing.AllocsPerRun(5, func() {
		_ = Normalize(img, modelfile.TorchvisionPreprocess, dst)
	})
	if allocs != 0 {
		t.Errorf("Normalize allocated %v times per call", allocs)
	}
}
