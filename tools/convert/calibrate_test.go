package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/inbrowser-ai/resnet/engine/modelfile"
	"github.com/inbrowser-ai/resnet/tools/convert/calib"
	"github.com/inbrowser-ai/resnet/tools/convert/encode"
	"github.com/inbrowser-ai/resnet/tools/convert/net"
)

// The built-in calibration: statistics for every convolution, of its shape,
// non-negative means wherever the input follows a ReLU, Gram matrices for
// exactly the error-feedback layers, symmetric and with each diagonal entry
// E[x²] ≥ E[x]²; the same bytes on every run, other bytes than without it.
func TestCalibration(t *testing.T) {
	photos := calib.Photos()
	if len(photos) < 16 {
		t.Fatalf("%d built-in calibration photos, want at least 16", len(photos))
	}
	n := net.Random(modelfile.Bottleneck, modelfile.StrideOn3x3, [4]int{3, 4, 6, 3}, 4, 10, 5)
	if err := setLabels(n, ""); err != nil {
		t.Fatal(err)
	}
	stats, err := inputStats(n, photos, encode.DefaultWide(n))
	feedback := feedbackLayers(n, encode.DefaultWide(n))
	if len(feedback) == 0 {
		t.Fatal("no layer is rounded by error feedback")
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range n.Convs() {
		s := stats[c.Name]
		if s == nil {
			t.Fatalf("%s: no statistics", c.Name)
		}
		k := c.K * c.K * c.In
		if len(s.Mean) != k {
			t.Fatalf("%s: %d means for %d columns", c.Name, len(s.Mean), k)
		}
		if (s.Gram != nil) != feedback[c.Name] || s.Gram != nil && len(s.Gram) != k*k {
			t.Fatalf("%s: Gram matrix of %d values (error feedback: %v, %d columns)", c.Name, len(s.Gram), feedback[c.Name], k)
		}
		for j, mu := range s.Mean {
			if c != n.Stem && mu < 0 {
				t.Fatalf("%s: column %d has mean %g after a ReLU", c.Name, j, mu)
			}
			if s.Gram == nil {
				continue
			}
			if d := s.Gram[j*k+j]; d < mu*mu*(1-1e-9) {
				t.Fatalf("%s: column %d: E[x²] = %g below E[x]² = %g", c.Name, j, d, mu*mu)
			}
			for i := range j {
				if s.Gram[i*k+j] != s.Gram[j*k+i] {
					t.Fatalf("%s: Gram matrix not symmetric at %d,%d", c.Name, i, j)
				}
			}
		}
	}
	encodeWith := func(dir string) []byte {
		opt, err := options(n, modelfile.Int8, encode.DefaultWide(n), dir)
		if err != nil {
			t.Fatal(err)
		}
		b, err := encode.EncodeOptions(n, modelfile.Int8, modelfile.Source{Format: "test"}, opt)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	a, b, none := encodeWith(""), encodeWith(""), encodeWith("none")
	if !bytes.Equal(a, b) {
		t.Error("the same network calibrated twice gives different bytes")
	}
	if bytes.Equal(a, none) {
		t.Error("calibration changed no byte of the model")
	}
	if _, err := options(n, modelfile.Int8, nil, t.TempDir()); err == nil || !strings.Contains(err.Error(), "no photos") {
		t.Errorf("-calib on an empty directory: %v, want a \"no photos\" error", err)
	}
}
