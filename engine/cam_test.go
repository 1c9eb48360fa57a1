package engine_test

import (
	"image"
	"image/color"
	"image/draw"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/inbrowser-ai/resnet/engine"
	"github.com/inbrowser-ai/resnet/engine/modelfile"
	"github.com/inbrowser-ai/resnet/engine/preprocess"
)

// defaultModel loads the model `make weights` writes. Under `make test`
// (RESNET_REQUIRE_WEIGHTS=1) its absence fails the test; a bare `go test`
// without weights skips and says why.
func defaultModel(t *testing.T) *engine.Model {
	t.Helper()
	p := filepath.Join("..", "weights", "resnet50-keras.rnm")
	b, err := os.ReadFile(p)
	if err != nil {
		if os.Getenv("RESNET_REQUIRE_WEIGHTS") != "" {
			t.Fatalf("%s: %v: run `make weights`", p, err)
		}
		t.Skipf("%s missing: run `make weights` (make test does)", p)
	}
	m, err := engine.Load(b, modelfile.Verify)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestCAMPointsAtObject puts a photo of one object on one half of a plain
// canvas and asks the map of the top-1 class where it is: at least 70 % of
// its positive mass must fall on that half, for each half of both
// orientations.
func TestCAMPointsAtObject(t *testing.T) {
	m := defaultModel(t)
	for _, photo := range []string{"coffee.jpg", "eagle.jpg", "orange.jpg", "squirrel.jpg"} {
		data, err := os.ReadFile(filepath.Join("..", "testdata", "photos", photo))
		if err != nil {
			t.Fatal(err)
		}
		img, err := preprocess.Decode(data, preprocess.MaxPixels)
		if err != nil {
			t.Fatal(err)
		}
		// The photo's centre square, 224 pixels a side: half of a 448 canvas.
		obj, err := preprocess.ResizeCrop(img, 224, 224)
		if err != nil {
			t.Fatal(err)
		}
		for _, side := range []string{"left", "right", "top", "bottom"} {
			canvas, half := onHalf(obj, side)
			r, err := m.ClassifyRGBA(canvas.Pix, canvas.Rect.Dx(), canvas.Rect.Dy(), canvas.Stride, 1)
			if err != nil {
				t.Fatal(err)
			}
			c, err := m.CAM(r.Top[0].Index)
			if err != nil {
				t.Fatal(err)
			}
			share := positiveShare(c, half)
			t.Logf("%-13s on the %-6s: top-1 %3d %-20s %.0f %% of the positive mass on its half", photo, side, r.Top[0].Index, r.Top[0].Label, 100*share)
			if share < 0.7 {
				t.Errorf("%s on the %s half: %.0f %% of the map's positive mass there (want ≥ 70 %%)", photo, side, 100*share)
			}
		}
	}
}

// onHalf draws obj (224×224) on one half of a plain grey 448×448 canvas,
// centred along the other axis, and says which half of the model's crop
// it covers. Resize 448 → 256 and crop 224 keep the canvas's middle 392
// pixels: the object's half of the canvas is exactly that half of the crop.
func onHalf(obj *image.RGBA, side string) (*image.RGBA, func(y, x, h, w int) float64) {
	canvas := image.NewRGBA(image.Rect(0, 0, 448, 448))
	draw.Draw(canvas, canvas.Rect, image.NewUniform(color.RGBA{128, 128, 128, 255}), image.Point{}, draw.Src)
	at := map[string]image.Point{"left": {0, 112}, "right": {224, 112}, "top": {112, 0}, "bottom": {112, 224}}[side]
	draw.Draw(canvas, image.Rectangle{at, at.Add(image.Pt(224, 224))}, obj, obj.Rect.Min, draw.Src)
	// The share of map cell (y, x) of an h×w map on the object's half:
	// with an odd size the middle row or column is split.
	onFirst := func(i, n int) float64 { // of [i, i+1)/n, the part below 1/2
		return math.Max(0, math.Min(float64(i+1), float64(n)/2)-float64(i))
	}
	return canvas, func(y, x, h, w int) float64 {
		switch side {
		case "left":
			return onFirst(x, w)
		case "right":
			return onFirst(w-1-x, w)
		case "top":
			return onFirst(y, h)
		}
		return onFirst(h-1-y, h)
	}
}

// positiveShare is the fraction of the map's positive mass on the half,
// cells straddling its edge counted in proportion.
func positiveShare(c *engine.CAM, half func(y, x, h, w int) float64) float64 {
	h, w := c.Size[0], c.Size[1]
	var on, all float64
	for y := range h {
		for x := range w {
			v := math.Max(0, float64(c.Map[y*w+x]))
			all += v
			on += v * half(y, x, h, w)
		}
	}
	return on / all
}

// The CAM of a small random network: no map before an image, a clear error
// for a class that does not exist, and mean(map) + bias = logit for every
// class after one.
func TestCAMSmall(t *testing.T) {
	m := smallModel(t)
	if _, err := m.CAM(0); err == nil {
		t.Fatal("CAM before any image: no error")
	}
	const size = 64
	in := make([]float32, 3*size*size)
	for i := range in {
		in[i] = float32(math.Sin(float64(i) * 0.37))
	}
	logits, err := m.Logits(in, 1, size, size)
	if err != nil {
		t.Fatal(err)
	}
	logits = append([]float32(nil), logits...)
	for _, k := range []int{-1, len(logits)} {
		if _, err := m.CAM(k); err == nil {
			t.Errorf("CAM(%d) of %d classes: no error", k, len(logits))
		}
	}
	for k, l := range logits {
		c, err := m.CAM(k)
		if err != nil {
			t.Fatal(err)
		}
		if c.Index != k || c.Size != [2]int{2, 2} || len(c.Map) != 4 {
			t.Fatalf("CAM(%d) = index %d size %v with %d values, want 2×2 (64 / 32)", k, c.Index, c.Size, len(c.Map))
		}
		var s float64
		for _, v := range c.Map {
			s += float64(v)
		}
		if got := s/4 + float64(c.Bias); math.Abs(got-float64(l)) > 1e-5*math.Max(1, math.Abs(float64(l))) {
			t.Errorf("class %d: mean(map) + bias = %.7g, logit %.7g", k, got, l)
		}
	}
	// LogitsCAM gives each image's top-1 map, the same as CAM after Logits.
	two := append(append([]float32(nil), in...), in...)
	for i := range in {
		two[len(in)+i] = -in[i]
	}
	all, maps, sz, err := m.LogitsCAM(two, 2, size, size, -1)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2*len(logits) || len(maps) != 8 || sz != [2]int{2, 2} {
		t.Fatalf("LogitsCAM: %d logits, %d map values, size %v", len(all), len(maps), sz)
	}
	if _, err := m.Logits(two[len(in):], 1, size, size); err != nil {
		t.Fatal(err)
	}
	top := 0
	for j, v := range all[len(logits):] {
		if v > all[len(logits)+top] {
			top = j
		}
	}
	c, err := m.CAM(top)
	if err != nil {
		t.Fatal(err)
	}
	for j, v := range c.Map {
		if maps[4+j] != v {
			t.Fatalf("LogitsCAM's second map %v, CAM of its top-1 %d after Logits %v", maps[4:], top, c.Map)
		}
	}
}
