package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDistWritesTheSiteWithRelativeURLs(t *testing.T) {
	s, files := fixture(t)
	dir := t.TempDir()
	written, err := writeDist(s, dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"/index.html", "/app.js", "/manifest.json", "/wasm/resnet.wasm", "/models/tiny.rnm", "/samples/cat.jpg", "/samples/README.md"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("%s not written (%v); wrote %v", name, err, written)
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, "wasm", "resnet.wasm"))
	if err != nil || !bytes.Equal(b, files["build/resnet.wasm"]) {
		t.Errorf("resnet.wasm is not the build's bytes (%v)", err)
	}
	// Hidden files, the converter's cache and what no page asks for stay out.
	for _, name := range []string{".secret", ".git", "models/cache", "models/notes.json"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			t.Errorf("%s was published", name)
		}
	}
	var mf manifest
	mb, _ := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err := json.Unmarshal(mb, &mf); err != nil {
		t.Fatal(err)
	}
	for _, u := range append([]string{mf.Wasm.URL, mf.WasmExec, mf.DefaultModel, mf.Kernels.Loader, mf.Credits}, mf.Shell...) {
		if strings.HasPrefix(u, "/") || u == "" {
			t.Errorf("manifest URL %q is not relative", u)
		}
	}
	// cat.jpg is not a decodable photo: no thumbnail, and none promised.
	if len(mf.Samples) != 1 || mf.Samples[0].Thumb != "" || mf.Samples[0].URL != "samples/cat.jpg" {
		t.Errorf("samples = %+v", mf.Samples)
	}
	// A gzip sibling that decodes to the file, where it saves enough.
	zr, err := os.Open(filepath.Join(dir, "app.js.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	r, err := gzip.NewReader(zr)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(r)
	if !bytes.Equal(got, files["web/app.js"]) {
		t.Error("app.js.gz does not decode to app.js")
	}
}
