package main

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/inbrowser-ai/resnet/engine"
	"github.com/inbrowser-ai/resnet/engine/modelfile"
	"github.com/inbrowser-ai/resnet/tools/convert/encode"
	"github.com/inbrowser-ai/resnet/tools/convert/net"
)

// fullParityEnv names the directory gen.py --full wrote (make parity-full).
const fullParityEnv = "RESNET_FULL_PARITY"

// The requirement on the int8 engine against PyTorch, on full-size networks
// and real photos: every image's logits within cosine fullInt8Cos, and the
// same top-1 as PyTorch on all but fullTop1Misses images of the batch.
const (
	fullInt8Cos    = 0.99
	fullTop1Misses = 1
)

// TestFullParity is the int8 engine against PyTorch on full-size
// torchvision ResNet-18 and ResNet-50 whose BatchNorm was calibrated on real
// photos (testdata/parity/gen.py --full, photos.py): each network, from its
// .pth, its ONNX export and its folded ONNX export, converted to f32 and to
// int8, run on the 16-photo batch through engine.Model.Logits (the path of
// classify -tensor), against PyTorch's float64 logits. The fixtures are
// hundreds of MB, so they are not committed: `make parity-full` writes them
// and runs this test.
func TestFullParity(t *testing.T) {
	dir := fullParityDir(t)
	photos := fullPhotos(t, dir)
	for _, model := range []string{"resnet18", "resnet50"} {
		in, want, batch := fullFixture(t, dir, model, len(photos))
		for _, src := range []string{".pth", ".onnx", "-folded.onnx"} {
			_, n, err := read(filepath.Join(dir, model+src))
			if err != nil {
				t.Fatal(err)
			}
			if err := setLabels(n, ""); err != nil {
				t.Fatal(err)
			}
			for _, q := range []modelfile.Quant{modelfile.F32, modelfile.Int8} {
				t.Run(model+src+"/"+string(q), func(t *testing.T) {
					got := fullLogits(t, n, q, in, batch)
					checkFull(t, q, got, want, batch, photos)
				})
			}
		}
	}
}

// fullParityDir is the fixture directory, or a skip that says how to make
// it; once the variable is set, anything missing is a failure.
func fullParityDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv(fullParityEnv)
	if dir == "" {
		t.Skipf("%s is not set: `make parity-full` generates the full-size fixtures (PyTorch) and runs this test", fullParityEnv)
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		t.Fatalf("%s=%s is not a directory: run /usr/bin/python3 testdata/parity/gen.py --full %s", fullParityEnv, dir, dir)
	}
	return dir
}

// fullPhotos are the batch's image names, in order (photos.txt, by gen.py).
func fullPhotos(t *testing.T, dir string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "photos.txt"))
	if err != nil {
		t.Fatalf("%v: the fixtures are from an older gen.py --full; run it again", err)
	}
	names := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(names) != 16 {
		t.Fatalf("photos.txt lists %d photos, want the 16 of the batch", len(names))
	}
	return names
}

// fullFixture reads a network's input batch and PyTorch's logits.
func fullFixture(t *testing.T, dir, model string, batch int) (in, want []float32, n int) {
	t.Helper()
	const size, classes = 224, 1000
	in = readF32(t, filepath.Join(dir, model+".in.f32"))
	want = readF32(t, filepath.Join(dir, model+".logits.f32"))
	if len(in) != batch*3*size*size || len(want) != batch*classes {
		t.Fatalf("%s: %d input values and %d logits, want %d×3×%d×%d and %d×%d", model, len(in), len(want), batch, size, size, batch, classes)
	}
	return in, want, batch
}

// fullLogits converts n to q as convert does by default and runs the batch
// as classify -tensor does.
func fullLogits(t *testing.T, n *net.Network, q modelfile.Quant, in []float32, batch int) []float32 {
	t.Helper()
	opt, err := options(n, q, encode.DefaultWide(n), "") // as convert does by default
	if err != nil {
		t.Fatal(err)
	}
	b, err := encode.EncodeOptions(n, q, modelfile.Source{Format: "test"}, opt)
	if err != nil {
		t.Fatal(err)
	}
	m, err := engine.Load(b, modelfile.Verify)
	if err != nil {
		t.Fatal(err)
	}
	got, err := m.Logits(in, batch, 224, 224)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// checkFull logs every image's agreement and holds the batch to the
// requirement: f32 within 1e-4 of the largest |logit| (float32 sums in
// another order than PyTorch's float64 ones, through up to 50 layers);
// int8 within cosine fullInt8Cos on every image and the same top-1 on all
// but fullTop1Misses.
func checkFull(t *testing.T, q modelfile.Quant, got, want []float32, batch int, photos []string) {
	const classes = 1000
	agree, worstCos, worstRel := 0, 1.0, 0.0
	for i := range batch {
		g, w := got[i*classes:(i+1)*classes], want[i*classes:(i+1)*classes]
		rel, cos, same := agreement(g, w, 1, classes)
		agree += same
		worstCos, worstRel = min(worstCos, cos), max(worstRel, rel)
		t.Logf("%2d %-28s cosine %.6f  error %.2e  top-1 %3d (PyTorch %3d, margin %.3f)%s", i, photos[i], cos, rel, argmax(g), argmax(w), margin(w), map[bool]string{true: "", false: "  DIFFERENT"}[same == 1])
		if q == modelfile.Int8 && !(cos >= fullInt8Cos) {
			t.Errorf("int8: image %d (%s) has cosine %.5f with PyTorch's logits (limit %g)", i, photos[i], cos, fullInt8Cos)
		}
	}
	t.Logf("%s: worst cosine %.6f, max error %.2e of the largest |logit|, top-1 agreement %d/%d", q, worstCos, worstRel, agree, batch)
	switch q {
	case modelfile.F32:
		if !(worstRel <= 1e-4) || agree != batch {
			t.Errorf("f32: error %.3g of the largest |logit| (limit 1e-4), top-1 %d/%d", worstRel, agree, batch)
		}
	case modelfile.Int8:
		if agree < batch-fullTop1Misses {
			t.Errorf("int8: top-1 agrees with PyTorch on %d/%d images (limit %d)", agree, batch, batch-fullTop1Misses)
		}
	}
	if math.IsNaN(worstCos) {
		t.Errorf("%s: NaN cosine", q)
	}
}

// margin is how far PyTorch's top-1 logit is above its second, in units of
// the image's logit standard deviation: how much error its top-1 stands.
func margin(w []float32) float64 {
	var first, second, sum, sq float64 = math.Inf(-1), math.Inf(-1), 0, 0
	for _, v := range w {
		x := float64(v)
		sum, sq = sum+x, sq+x*x
		if x > first {
			first, second = x, first
		} else if x > second {
			second = x
		}
	}
	n := float64(len(w))
	return (first - second) / math.Sqrt(sq/n-(sum/n)*(sum/n))
}
