package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/inbrowser-ai/resnet/engine"
)

// defaultModel finds the model `make weights` writes, relative to this
// package. Under `make test` (RESNET_REQUIRE_WEIGHTS=1) its absence fails the
// test; a bare `go test` without weights skips and says why.
func defaultModel(t *testing.T) string {
	t.Helper()
	p := filepath.Join("..", "..", DefaultModel)
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("RESNET_REQUIRE_WEIGHTS") != "" {
			t.Fatalf("%s missing: run `make weights`", p)
		}
		t.Skipf("%s missing: run `make weights` (make test does)", p)
	}
	return p
}

// Expected classes for the committed photos (testdata/photos/LICENSES.md):
// the top-1 must be one of them.
var photoClasses = map[string][]int{
	"coffee.jpg":       {967},           // espresso
	"eagle.jpg":        {22},            // bald eagle
	"grace_hopper.jpg": {652},           // military uniform
	"chelsea.png":      {281, 282, 285}, // tabby, tiger cat, Egyptian cat
	"pekinese.png":     {154},           // Pekinese
	"squirrel.jpg":     {335},           // fox squirrel
	"camera.png":       {872},           // tripod (the cameraman's)
	"motorcycle.jpg":   {665, 670},      // moped, motor scooter
	"dog.jpg":          {248, 249, 250}, // Eskimo dog, malamute, Siberian husky
	"orange.jpg":       {950},           // orange
}

func classifyJSON(t *testing.T, args ...string) ([]engine.Report, error) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(append([]string{"-json"}, args...), &out, &errb)
	var reps []engine.Report
	dec := json.NewDecoder(&out)
	for dec.More() {
		var r engine.Report
		if err := dec.Decode(&r); err != nil {
			t.Fatalf("output is not JSON lines: %v", err)
		}
		reps = append(reps, r)
	}
	return reps, err
}

func TestPhotos(t *testing.T) {
	model := defaultModel(t)
	var files []string
	for f := range photoClasses {
		files = append(files, filepath.Join("..", "..", "testdata", "photos", f))
	}
	reps, err := classifyJSON(t, append([]string{"-model", model, "-k", "3"}, files...)...)
	if err != nil {
		t.Fatal(err)
	}
	if len(reps) != len(files) {
		t.Fatalf("%d results for %d files", len(reps), len(files))
	}
	for i, r := range reps {
		want := photoClasses[filepath.Base(files[i])]
		if r.File != files[i] || len(r.Top) != 3 || r.Model == "" || r.MS["inference"] <= 0 {
			t.Errorf("%s: malformed report %+v", files[i], r)
			continue
		}
		top := r.Top[0]
		ok := false
		for _, w := range want {
			ok = ok || top.Index == w
		}
		t.Logf("%-18s %3d %-20s %.3f", filepath.Base(r.File), top.Index, top.Label, top.Prob)
		if !ok {
			t.Errorf("%s: top-1 is %d %q (%.3f), want one of %v", r.File, top.Index, top.Label, top.Prob, want)
		}
	}
}

// The same photo stored sideways with EXIF orientation 6 must be seen
// upright: same top-1, nearly the same probability.
func TestExifOrientation(t *testing.T) {
	model := defaultModel(t)
	dir := filepath.Join("..", "..", "testdata", "photos")
	reps, err := classifyJSON(t, "-model", model, filepath.Join(dir, "grace_hopper.jpg"), filepath.Join(dir, "grace_hopper_exif6.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	a, b := reps[0].Top[0], reps[1].Top[0]
	if a.Index != b.Index || a.Prob-b.Prob > 0.1 || b.Prob-a.Prob > 0.1 {
		t.Fatalf("upright %+v vs EXIF-rotated %+v", a, b)
	}
}

// A batch with unreadable files reports each of them and still classifies
// the rest; the exit status says something failed.
func TestBadFilesInBatch(t *testing.T) {
	model := defaultModel(t)
	dir := t.TempDir()
	bad := map[string][]byte{
		"empty.jpg":     {},
		"text.png":      []byte("this is not an image\n"),
		"truncated.jpg": nil,
	}
	good, err := os.ReadFile(filepath.Join("..", "..", "testdata", "photos", "coffee.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	bad["truncated.jpg"] = good[:len(good)/3]
	files := []string{filepath.Join(dir, "missing.jpg")}
	for name, b := range bad {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, p)
	}
	files = append(files, filepath.Join("..", "..", "testdata", "photos", "coffee.jpg"))
	reps, err := classifyJSON(t, append([]string{"-model", model}, files...)...)
	if !errors.Is(err, errSomeFailed) {
		t.Fatalf("run returned %v, want errSomeFailed", err)
	}
	if len(reps) != len(files) {
		t.Fatalf("%d reports for %d files", len(reps), len(files))
	}
	for _, r := range reps[:len(reps)-1] {
		if r.Error == "" || len(r.Top) != 0 {
			t.Errorf("%s: want an error, got %+v", r.File, r)
		}
	}
	if last := reps[len(reps)-1]; last.Error != "" || last.Top[0].Index != 967 {
		t.Errorf("the good file after bad ones: %+v", last)
	}
}

func TestModelErrors(t *testing.T) {
	dir := t.TempDir()
	trunc := filepath.Join(dir, "trunc.rnm")
	model := defaultModel(t)
	b, err := os.ReadFile(model)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(trunc, b[:len(b)/2], 0o644)
	flipped := filepath.Join(dir, "flipped.rnm")
	c := append([]byte(nil), b...)
	c[len(c)/2] ^= 1
	os.WriteFile(flipped, c, 0o644)
	for file, want := range map[string]string{trunc: "truncated", flipped: "checksum", filepath.Join(dir, "nope.rnm"): "no such file"} {
		_, err := classifyJSON(t, "-model", file, "x.jpg")
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v, want an error saying %q", filepath.Base(file), err, want)
		}
	}
}
