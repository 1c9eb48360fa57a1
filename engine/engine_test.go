package engine_test

import (
	"bytes"
	"errors"
	"image"
	"image/png"
	"math"
	"os"
	"testing"

	"github.com/inbrowser-ai/resnet/engine"
	"github.com/inbrowser-ai/resnet/engine/modelfile"
	"github.com/inbrowser-ai/resnet/engine/preprocess"
	"github.com/inbrowser-ai/resnet/tools/convert/encode"
	"github.com/inbrowser-ai/resnet/tools/convert/net"
)

func smallModel(t *testing.T) *engine.Model {
	t.Helper()
	n := net.Random(modelfile.Basic, modelfile.StrideOn3x3, [4]int{2, 2, 2, 2}, 8, 20, 3)
	b, err := encode.Encode(n, modelfile.Int8, modelfile.Source{Format: "test"})
	if err != nil {
		t.Fatal(err)
	}
	m, err := engine.Load(b, modelfile.Verify)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// A frame handed over as RGBA pixels (the webcam path) and the same pixels
// encoded as PNG (the upload path) must give the same answer, to the bit.
func TestFrameAndFileAgree(t *testing.T) {
	m := smallModel(t)
	data, err := os.ReadFile("../testdata/photos/chelsea.png")
	if err != nil {
		t.Fatal(err)
	}
	img, err := preprocess.Decode(data, preprocess.MaxPixels)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	a, err := m.ClassifyImage(buf.Bytes(), 5)
	if err != nil {
		t.Fatal(err)
	}
	b, err := m.ClassifyRGBA(img.Pix, img.Rect.Dx(), img.Rect.Dy(), img.Stride, 5)
	if err != nil {
		t.Fatal(err)
	}
	for i := range a.Top {
		if a.Top[i] != b.Top[i] {
			t.Fatalf("file %+v vs frame %+v", a.Top, b.Top)
		}
	}
	if !bytes.Equal(a.Crop.Pix, b.Crop.Pix) || a.Crop.Rect != image.Rect(0, 0, 224, 224) {
		t.Fatal("the crops the network saw differ")
	}
	for _, k := range []string{"decode", "preprocess", "inference", "total"} {
		if _, ok := a.MS[k]; !ok {
			t.Errorf("timing %q missing from %v", k, a.MS)
		}
	}
}

func TestTopK(t *testing.T) {
	m := smallModel(t)
	data, _ := os.ReadFile("../testdata/photos/coffee.jpg")
	r, err := m.ClassifyImage(data, 20)
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for i, p := range r.Top {
		sum += float64(p.Prob)
		if i > 0 && p.Prob > r.Top[i-1].Prob {
			t.Fatalf("top-k not sorted: %+v", r.Top)
		}
		if p.Label != m.Meta().Labels[p.Index] {
			t.Fatalf("label %q for index %d", p.Label, p.Index)
		}
	}
	if math.Abs(sum-1) > 1e-5 { // k = all 20 classes
		t.Fatalf("probabilities sum to %v", sum)
	}
	if r, _ := m.ClassifyImage(data, 0); len(r.Top) != 1 {
		t.Fatalf("k=0 gave %d entries, want 1", len(r.Top))
	}
}

func TestBadInputs(t *testing.T) {
	m := smallModel(t)
	for name, tc := range map[string]struct {
		data []byte
		want error
	}{
		"empty":    {nil, preprocess.ErrEmpty},
		"text":     {[]byte("hello, not an image"), preprocess.ErrFormat},
		"bomb png": {mustRead(t, "../testdata/bad/bomb.png"), preprocess.ErrTooLarge},
	} {
		if _, err := m.ClassifyImage(tc.data, 5); !errors.Is(err, tc.want) {
			t.Errorf("%s: got %v, want %v", name, err, tc.want)
		}
	}
	if _, err := m.ClassifyRGBA(make([]byte, 10), 4, 4, 16, 5); err == nil {
		t.Error("a short RGBA buffer was accepted")
	}
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
