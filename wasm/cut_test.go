//go:build js && wasm

package main

import (
	"bytes"
	"fmt"
	"image"
	"math/rand/v2"
	"testing"

	"github.com/inbrowser-ai/resnet/engine/preprocess"
)

// TestCentreCutKeepsTheCrop checks the claim web/downscale.js's centreCut
// rests on: the worker hands Go only the centred square of the browser's
// intermediate, and Go's resize and crop of that square must equal, byte for
// byte, its resize and crop of the whole intermediate. The offset rule is
// centreCut's, written again here on purpose: the two must agree.
func TestCentreCutKeepsTheCrop(t *testing.T) {
	centre := func(n, crop int) int { // torchvision CenterCrop, half to even
		d := n - crop
		q := d / 2
		if d%2 != 0 && q%2 != 0 {
			q++
		}
		return q
	}
	rng := rand.New(rand.NewPCG(1, 2))
	cases := []struct{ factor, resize, crop, final int }{
		{2, 256, 224, 455},  // 16:9 video
		{2, 256, 224, 341},  // 4:3 photo
		{2, 256, 224, 384},  // 3:2 photo
		{2, 256, 224, 257},  // almost square: offsets round half to even
		{2, 256, 224, 258},  //
		{2, 256, 224, 1024}, // 4:1, the trim limit
		{3, 256, 224, 455},  // another integer factor
		{2, 232, 224, 300},  // margin of 4 output pixels: the smallest centreCut allows is 2 each side
	}
	for _, c := range cases {
		for _, portrait := range []bool{false, true} {
			t.Run(fmt.Sprintf("f%d_%d_%d_%d_portrait=%v", c.factor, c.resize, c.crop, c.final, portrait), func(t *testing.T) {
				short, long := c.factor*c.resize, c.factor*c.final
				at := c.factor * (centre(c.final, c.crop) - centre(c.resize, c.crop))
				w, h, cut := long, short, image.Rect(at, 0, at+short, short)
				if portrait {
					w, h, cut = short, long, image.Rect(0, at, short, at+short)
				}
				img := image.NewRGBA(image.Rect(0, 0, w, h))
				for i := range img.Pix {
					img.Pix[i] = uint8(rng.IntN(256))
				}
				whole, err := preprocess.ResizeCrop(img, c.resize, c.crop)
				if err != nil {
					t.Fatal(err)
				}
				// A copy at the origin, as the worker's getImageData makes it.
				sq := image.NewRGBA(image.Rect(0, 0, short, short))
				for y := range short {
					copy(sq.Pix[y*sq.Stride:(y+1)*sq.Stride], img.Pix[(cut.Min.Y+y)*img.Stride+4*cut.Min.X:])
				}
				part, err := preprocess.ResizeCrop(sq, c.resize, c.crop)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(whole.Pix, part.Pix) {
					t.Errorf("%d×%d cut at %v: crops differ", w, h, cut)
				}
			})
		}
	}
}
