package main

import (
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/inbrowser-ai/resnet/engine"
	"github.com/inbrowser-ai/resnet/engine/modelfile"
	"github.com/inbrowser-ai/resnet/engine/preprocess"
	"github.com/inbrowser-ai/resnet/engine/tensorfile"
)

// -cam adds the top-1 class's map to the JSON, -cam-png draws it, and
// -tensor … -cam OUT.f32 writes the same map for the same preprocessed
// pixels; -cam-class picks another class.
func TestCAMFlags(t *testing.T) {
	model := defaultModel(t)
	photo := filepath.Join("..", "..", "testdata", "photos", "coffee.jpg")
	dir := t.TempDir()
	reps, err := classifyJSON(t, "-model", model, "-cam", "-cam-png", dir, photo)
	if err != nil {
		t.Fatal(err)
	}
	c := reps[0].CAM
	if c == nil || c.Index != reps[0].Top[0].Index || c.Size != [2]int{7, 7} || len(c.Map) != 49 {
		t.Fatalf("-cam: %+v for top-1 %+v, want the top-1's 7×7 map", c, reps[0].Top[0])
	}
	f, err := os.Open(filepath.Join(dir, "coffee.cam.png"))
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(f)
	f.Close()
	if err != nil || img.Bounds().Dx() != 224 || img.Bounds().Dy() != 224 {
		t.Fatalf("-cam-png: %v, %v (want a 224×224 PNG)", err, img.Bounds())
	}

	// The same pixels as a tensor: the command line's preprocessing, NCHW.
	b, err := os.ReadFile(model)
	if err != nil {
		t.Fatal(err)
	}
	m, err := engine.Load(b, modelfile.Trusted)
	if err != nil {
		t.Fatal(err)
	}
	in, out, maps := filepath.Join(dir, "in.f32"), filepath.Join(dir, "logits.f32"), filepath.Join(dir, "cam.f32")
	if err := tensorfile.Write(in, nchw(t, photo, m.Meta().Pre)); err != nil {
		t.Fatal(err)
	}
	if _, err := classifyJSON(t, "-model", model, "-tensor", in, "-cam", maps, "-logits", out); err != nil {
		t.Fatal(err)
	}
	got, err := tensorfile.Read(maps)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(c.Map) {
		t.Fatalf("-tensor -cam wrote %d values, want %d", len(got), len(c.Map))
	}
	for i := range got {
		if got[i] != c.Map[i] {
			t.Fatalf("-tensor map %v\n differs from the image's %v", got, c.Map)
		}
	}

	reps, err = classifyJSON(t, "-model", model, "-cam", "-cam-class", "968", "-k", "1", photo)
	if err != nil {
		t.Fatal(err)
	}
	if c2 := reps[0].CAM; c2 == nil || c2.Index != 968 || len(c2.Map) != 49 {
		t.Fatalf("-cam-class 968: %+v", c2)
	}
}

func TestCAMFlagErrors(t *testing.T) {
	model := defaultModel(t)
	photo := filepath.Join("..", "..", "testdata", "photos", "coffee.jpg")
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-cam", "-cam-class", "1000", photo}, "-cam-class 1000"},
		{[]string{"-cam", "-cam-class", "-2", photo}, "-cam-class -2"},
		{[]string{"-cam-png", filepath.Join(dir, "missing"), photo}, "not a directory"},
		{[]string{"-tensor", "x.f32", "-logits", "y.f32", "-cam-png", dir}, "-cam-png needs images"},
		{[]string{"-cam=maybe", photo}, "-cam is a switch"},
	} {
		_, err := classifyJSON(t, append([]string{"-model", model}, tc.args...)...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: got %v, want an error saying %q", tc.args, err, tc.want)
		}
	}
}

func nchw(t *testing.T, path string, pre modelfile.Preprocess) []float32 {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	img, err := preprocess.Decode(data, preprocess.MaxPixels)
	if err != nil {
		t.Fatal(err)
	}
	crop, err := preprocess.ResizeCrop(img, pre.Resize, pre.Crop)
	if err != nil {
		t.Fatal(err)
	}
	hwc := make([]float32, pre.Crop*pre.Crop*3)
	if err := preprocess.Normalize(crop, pre, hwc); err != nil {
		t.Fatal(err)
	}
	out := make([]float32, len(hwc))
	for i := range pre.Crop * pre.Crop {
		for c := range 3 {
			out[c*pre.Crop*pre.Crop+i] = hwc[i*3+c]
		}
	}
	return out
}
