package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/inbrowser-ai/resnet/engine/modelfile"
	"github.com/inbrowser-ai/resnet/tools/convert/encode"
	"github.com/inbrowser-ai/resnet/tools/convert/net"
)

// TestErrorReport: the report has a row for every layer, in forward order,
// says which are wide, and measures what it claims — a wide layer's
// quantisation moves the logits less than the same layer in int8, and the
// whole int8 model more than nothing.
func TestErrorReport(t *testing.T) {
	// The parity fixture: random weights with BatchNorm statistics that keep
	// its activations in range, as a trained network's are.
	_, n, err := read("../../testdata/parity/resnet50-w4.pth")
	if err != nil {
		t.Fatal(err)
	}
	if err := setLabels(n, ""); err != nil {
		t.Fatal(err)
	}
	photos := loadPhotos(t, "coffee.jpg", "dog.jpg")
	narrow, allNarrow, err := errorReport(n, encode.Options{Wide: encode.Wide{}}, photos)
	if err != nil {
		t.Fatal(err)
	}
	wide, allWide, err := errorReport(n, encode.Options{Wide: encode.DefaultWide(n)}, photos)
	if err != nil {
		t.Fatal(err)
	}
	convs := n.Convs()
	if len(wide) != len(convs)+1 || wide[len(wide)-1].name != "fc" {
		t.Fatalf("%d rows for %d convolutions and fc", len(wide), len(convs))
	}
	for i, c := range convs {
		if wide[i].name != c.Name {
			t.Fatalf("row %d is %s, want %s", i, wide[i].name, c.Name)
		}
	}
	for i, r := range wide {
		want := "i8"
		if encode.DefaultWide(n)[r.name] {
			want = "i16"
			if !(r.rel < narrow[i].rel/4) {
				t.Errorf("%s: wide error %.3g, int8 error %.3g: want well under a quarter", r.name, r.rel, narrow[i].rel)
			}
		}
		if r.dtype != want || narrow[i].dtype != "i8" {
			t.Errorf("%s stored %s (narrow %s), want %s", r.name, r.dtype, narrow[i].dtype, want)
		}
		if !(r.rel > 0 && r.rel < 1) {
			t.Errorf("%s: error %v", r.name, r.rel)
		}
	}
	t.Logf("whole model: %.3g %% with the default wide layers, %.3g %% without", 100*allWide, 100*allNarrow)
	if !(allWide > 0 && allWide < allNarrow) {
		t.Errorf("whole-model error %v with wide layers, %v without", allWide, allNarrow)
	}
}

func loadPhotos(t *testing.T, names ...string) [][]byte {
	var out [][]byte
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join("../../testdata/photos", n))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

func TestWideFlag(t *testing.T) {
	n := net.Random(modelfile.Bottleneck, modelfile.StrideOn3x3, [4]int{3, 4, 6, 3}, 4, 10, 3)
	for _, c := range []struct{ flag, err string }{
		{"auto", ""}, {"none", ""}, {"conv1,fc,layer1.0.conv1", ""},
		{"conv9", "has no layer"}, {"layer1.0.conv2", ""},
	} {
		w, err := wideLayers(n, c.flag)
		if c.err == "" && err != nil || c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)) {
			t.Errorf("-wide %s: %v, want %q", c.flag, err, c.err)
		}
		if c.flag == "none" && len(w) != 0 || c.flag == "auto" && !w["conv1"] {
			t.Errorf("-wide %s: %v", c.flag, w)
		}
	}
}
