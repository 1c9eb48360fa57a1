package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// writeDist writes the site as plain files under dir, for any static file
// server (`make dist`): every file the page can ask for, as this server
// would send it, at the same path — manifest.json and the thumbnails
// included, generated once here. The page needs none of the server's
// headers: the wasm is compiled from bytes it labels itself, and the
// versioned URLs' ?v= is ignored by a static server (the content behind a
// version never changes, and the page checks every hash). Beside each
// compressible file it writes FILE.gz where that saves at least minSaving
// and FILE.br where the build made one (the Makefile has wasm/precompress.py
// make the others).
func writeDist(s *site, dir string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var mf manifest
	if err := json.Unmarshal(ownBytes(s, "/manifest.json"), &mf); err != nil {
		return nil, fmt.Errorf("manifest.json: %w", err)
	}
	if len(mf.Missing) > 0 {
		return nil, fmt.Errorf("the site is incomplete: %s", strings.Join(mf.Missing, "; "))
	}
	urls := []string{"/", mf.WasmExec, mf.Wasm.URL, mf.Credits}
	if mf.WasmShared != nil {
		urls = append(urls, mf.WasmShared.URL)
	}
	urls = append(urls, mf.Shell...)
	if k := mf.Kernels; k != nil {
		urls = append(urls, k.Loader, k.Forwarder.URL, k.Kernels.URL, k.Pool)
		for _, a := range []*asset{k.Relaxed, k.Shared, k.RelaxedShared} {
			if a != nil {
				urls = append(urls, a.URL)
			}
		}
	}
	for _, m := range mf.Models {
		urls = append(urls, m.URL)
	}
	for _, smp := range mf.Samples {
		urls = append(urls, smp.URL, smp.Thumb)
	}
	var written []string
	seen := map[string]bool{}
	noThumb := map[string]bool{} // samples the server cannot make a thumbnail of
	for _, u := range urls {
		if u == "" {
			continue
		}
		p, err := url.Parse(u)
		if err != nil {
			return nil, err
		}
		name := p.Path
		if name == "/" {
			name = "/index.html"
		}
		if seen[name] {
			continue
		}
		seen[name] = true
		w := httptest.NewRecorder()
		s.ServeHTTP(w, httptest.NewRequest(http.MethodGet, p.Path, nil))
		if w.Code != http.StatusOK && strings.HasPrefix(p.Path, thumbsPrefix) {
			noThumb[u] = true // the gallery shows the photo itself
			continue
		}
		if w.Code != http.StatusOK {
			return nil, fmt.Errorf("%s: HTTP %d", p.Path, w.Code)
		}
		out := filepath.Join(dir, filepath.FromSlash(strings.TrimPrefix(name, "/")))
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(out, w.Body.Bytes(), 0o644); err != nil {
			return nil, err
		}
		written = append(written, name)
		if !compressible[strings.ToLower(path.Ext(name))] {
			continue
		}
		// The build's brotli sibling where there is one (brotli at its best
		// takes half a minute for the engine's wasm: not done twice).
		if br := encoded(s, p.Path, "br"); br != nil {
			if err := os.WriteFile(out+".br", br, 0o644); err != nil {
				return nil, err
			}
		}
		if err := writeGzip(out, w.Body.Bytes()); err != nil {
			return nil, err
		}
	}
	for i, smp := range mf.Samples {
		if noThumb[smp.Thumb] {
			mf.Samples[i].Thumb = ""
		}
	}
	b, err := json.MarshalIndent(relativeManifest(mf), "", "  ")
	if err != nil {
		return nil, err
	}
	out := filepath.Join(dir, "manifest.json")
	if err := os.WriteFile(out, b, 0o644); err != nil {
		return nil, err
	}
	if err := writeGzip(out, b); err != nil {
		return nil, err
	}
	return append(written, "/manifest.json"), nil
}

// relativeManifest makes every URL in the manifest relative to the page, so
// that the folder works wherever it is published: at a site's root or under
// a path (a GitHub Pages project site is https://USER.github.io/REPO/).
func relativeManifest(mf manifest) manifest {
	rel := func(u string) string { return strings.TrimPrefix(u, "/") }
	relAsset := func(a *asset) *asset {
		if a == nil {
			return nil
		}
		c := *a
		c.URL = rel(c.URL)
		return &c
	}
	mf.Wasm, mf.WasmShared = relAsset(mf.Wasm), relAsset(mf.WasmShared)
	mf.WasmExec = rel(mf.WasmExec)
	if mf.Kernels != nil {
		k := *mf.Kernels
		k.Loader, k.Pool = rel(k.Loader), rel(k.Pool)
		k.Forwarder, k.Kernels, k.Relaxed = relAsset(k.Forwarder), relAsset(k.Kernels), relAsset(k.Relaxed)
		k.Shared, k.RelaxedShared = relAsset(k.Shared), relAsset(k.RelaxedShared)
		mf.Kernels = &k
	}
	models := make([]asset, len(mf.Models))
	for i, m := range mf.Models {
		models[i] = *relAsset(&m)
	}
	mf.Models = models
	mf.DefaultModel = rel(mf.DefaultModel)
	samples := make([]sample, len(mf.Samples))
	for i, smp := range mf.Samples {
		samples[i] = sample{Name: smp.Name, URL: rel(smp.URL), Thumb: rel(smp.Thumb)}
	}
	mf.Samples = samples
	mf.Credits = rel(mf.Credits)
	shell := make([]string, len(mf.Shell))
	for i, p := range mf.Shell {
		shell[i] = rel(p)
	}
	mf.Shell = shell
	return mf
}

func writeGzip(file string, raw []byte) error {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if _, err := zw.Write(raw); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	if float64(buf.Len()) > (1-minSaving)*float64(len(raw)) {
		return nil
	}
	return os.WriteFile(file+".gz", buf.Bytes(), 0o644)
}

// encoded is the body of an in-process GET accepting only coding enc, or
// nil if the server would not send that coding.
func encoded(s *site, p, enc string) []byte {
	w := httptest.NewRecorder()
	r := httptest.NewRequest(http.MethodGet, p, nil)
	r.Header.Set("Accept-Encoding", enc)
	s.ServeHTTP(w, r)
	if w.Code != http.StatusOK || w.Header().Get("Content-Encoding") != enc {
		return nil
	}
	return w.Body.Bytes()
}

// ownBytes is the body of an in-process GET with no Accept-Encoding: the file's
// own bytes.
func ownBytes(s *site, p string) []byte {
	w := httptest.NewRecorder()
	s.ServeHTTP(w, httptest.NewRequest(http.MethodGet, p, nil))
	return w.Body.Bytes()
}
