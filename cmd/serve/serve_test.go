package main

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fixture lays out the four directories the server mounts, with a tiny
// model file whose header is well formed.
func fixture(t testing.TB) (*site, map[string][]byte) {
	t.Helper()
	root := t.TempDir()
	files := map[string][]byte{
		"web/index.html":               []byte("<!doctype html><title>t</title>" + strings.Repeat("<p>hello</p>", 200)),
		"web/app.js":                   []byte(strings.Repeat("console.log('x');\n", 200)),
		"web/.secret":                  []byte("hidden"),
		"web/.git/config":              []byte("hidden too"),
		"build/resnet.wasm":            append([]byte("\x00asm\x01\x00\x00\x00"), bytes.Repeat([]byte{0}, 4096)...),
		"build/wasm_exec.js":           []byte(strings.Repeat("// go\n", 100)),
		"build/kernels/loader.mjs":     []byte("export function attachKernels() {}\n"),
		"build/kernels/forwarder.wasm": []byte("\x00asm\x01\x00\x00\x00forwarder"),
		"build/kernels/kernels.wasm":   []byte("\x00asm\x01\x00\x00\x00kernels"),
		"models/tiny.rnm":              modelBytes(256),
		"models/cache/a.tgz":           []byte("download cache"),
		"models/notes.json":            []byte("{}"),
		"photos/cat.jpg":               {0xff, 0xd8, 0xff, 0xd9},
		"photos/README.md":             []byte("# credits"),
		"outside.txt":                  []byte("must not be served"),
	}
	for name, b := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s, err := newSite(siteConfig{
		Web: filepath.Join(root, "web"), Wasm: filepath.Join(root, "build"),
		Models: filepath.Join(root, "models"), Samples: filepath.Join(root, "photos"),
	})
	if err != nil {
		t.Fatal(err)
	}
	return s, files
}

func modelBytes(n int) []byte {
	b := make([]byte, n)
	copy(b, "RESNETGO")
	binary.LittleEndian.PutUint32(b[8:], 1)
	binary.LittleEndian.PutUint64(b[16:], uint64(n))
	for i := 24; i < 56; i++ {
		b[i] = byte(i)
	}
	return b
}

func get(t *testing.T, h http.Handler, url string, hdr ...string) *http.Response {
	t.Helper()
	req := httptest.NewRequest("GET", url, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func body(t *testing.T, r *http.Response) []byte {
	t.Helper()
	b, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestContentTypes(t *testing.T) {
	s, _ := fixture(t)
	for url, want := range map[string]string{
		"/":                  "text/html; charset=utf-8",
		"/app.js":            "text/javascript; charset=utf-8",
		"/wasm/resnet.wasm":  "application/wasm",
		"/models/tiny.rnm":   "application/octet-stream",
		"/samples/cat.jpg":   "image/jpeg",
		"/manifest.json":     "application/json",
		"/wasm/wasm_exec.js": "text/javascript; charset=utf-8",
		"/samples/README.md": "text/markdown; charset=utf-8",
		// The worker imports the loader as a module and compiles the kernels:
		// both refuse any other type.
		"/wasm/kernels/loader.mjs":     "text/javascript; charset=utf-8",
		"/wasm/kernels/kernels.wasm":   "application/wasm",
		"/wasm/kernels/forwarder.wasm": "application/wasm",
	} {
		r := get(t, s, url)
		if r.StatusCode != 200 || r.Header.Get("Content-Type") != want {
			t.Errorf("%s: %d %q, want 200 %q", url, r.StatusCode, r.Header.Get("Content-Type"), want)
		}
	}
}

func TestIsolationAndCSPOnEveryResponse(t *testing.T) {
	s, _ := fixture(t)
	for _, url := range []string{"/", "/wasm/resnet.wasm", "/manifest.json", "/nope"} {
		r := get(t, s, url)
		if r.Header.Get("Cross-Origin-Opener-Policy") != "same-origin" || r.Header.Get("Cross-Origin-Embedder-Policy") != "require-corp" {
			t.Errorf("%s: not cross-origin isolated: %v", url, r.Header)
		}
		csp := r.Header.Get("Content-Security-Policy")
		for _, must := range []string{"default-src 'none'", "script-src 'self' 'wasm-unsafe-eval'", "frame-ancestors 'none'"} {
			if !strings.Contains(csp, must) {
				t.Errorf("%s: CSP %q lacks %q", url, csp, must)
			}
		}
		if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "'unsafe-eval'") {
			t.Errorf("%s: CSP allows inline or eval: %q", url, csp)
		}
	}
}

func TestETagRevalidation(t *testing.T) {
	s, _ := fixture(t)
	r := get(t, s, "/app.js")
	etag := r.Header.Get("ETag")
	if etag == "" || r.Header.Get("Cache-Control") != "no-cache" {
		t.Fatalf("ETag %q, Cache-Control %q", etag, r.Header.Get("Cache-Control"))
	}
	if r2 := get(t, s, "/app.js", "If-None-Match", etag); r2.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match with the ETag: status %d, want 304", r2.StatusCode)
	}
	gz := get(t, s, "/app.js", "Accept-Encoding", "gzip")
	if gz.Header.Get("ETag") == etag {
		t.Errorf("gzip variant shares the identity ETag %s", etag)
	}
	if r3 := get(t, s, "/app.js", "If-None-Match", gz.Header.Get("ETag"), "Accept-Encoding", "gzip"); r3.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match with the gzip ETag: status %d, want 304", r3.StatusCode)
	}
}

func TestETagChangesWithContent(t *testing.T) {
	s, _ := fixture(t)
	before := get(t, s, "/app.js").Header.Get("ETag")
	m := s.mounts[len(s.mounts)-1] // "/"
	// A different size and a later mtime, as a rebuild would leave.
	if err := os.WriteFile(filepath.Join(m.dir, "app.js"), []byte("changed"), 0o644); err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(time.Minute)
	os.Chtimes(filepath.Join(m.dir, "app.js"), later, later)
	r := get(t, s, "/app.js")
	if after := r.Header.Get("ETag"); after == before || string(body(t, r)) != "changed" {
		t.Errorf("ETag %s → %s after a rewrite", before, after)
	}
}

func TestGzipWhereItHelps(t *testing.T) {
	s, files := fixture(t)
	r := get(t, s, "/wasm/resnet.wasm", "Accept-Encoding", "gzip, deflate")
	if r.Header.Get("Content-Encoding") != "gzip" || !strings.Contains(r.Header.Get("Vary"), "Accept-Encoding") {
		t.Fatalf("wasm: Content-Encoding %q Vary %q", r.Header.Get("Content-Encoding"), r.Header.Get("Vary"))
	}
	zr, err := gzip.NewReader(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(zr)
	if !bytes.Equal(got, files["build/resnet.wasm"]) {
		t.Error("gzip body does not decompress to the file")
	}
	if r := get(t, s, "/samples/cat.jpg", "Accept-Encoding", "gzip"); r.Header.Get("Content-Encoding") != "" {
		t.Error("a JPEG was gzipped")
	}
	if r := get(t, s, "/wasm/resnet.wasm", "Accept-Encoding", "gzip;q=0"); r.Header.Get("Content-Encoding") != "" {
		t.Error("gzip;q=0 still got gzip")
	}
	if r := get(t, s, "/wasm/resnet.wasm", "Accept-Encoding", "gzip", "Range", "bytes=0-3"); r.StatusCode != http.StatusPartialContent || string(body(t, r)) != "\x00asm" {
		t.Errorf("range request: %d, want 206 of identity bytes", r.StatusCode)
	}
}

func TestBrotliSibling(t *testing.T) {
	s, _ := fixture(t)
	m := s.mounts[0] // "/wasm/"
	fake := []byte("brotli bytes")
	p := filepath.Join(m.dir, "resnet.wasm.br")
	if err := os.WriteFile(p, fake, 0o644); err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(time.Minute)
	os.Chtimes(p, later, later)
	r := get(t, s, "/wasm/resnet.wasm", "Accept-Encoding", "gzip, br")
	if r.Header.Get("Content-Encoding") != "br" || !bytes.Equal(body(t, r), fake) {
		t.Errorf("Content-Encoding %q; want the .br sibling", r.Header.Get("Content-Encoding"))
	}
	if r := get(t, s, "/wasm/resnet.wasm.br"); r.StatusCode != http.StatusNotFound {
		t.Errorf("the .br file itself is served: %d", r.StatusCode)
	}
}

func TestImmutableOnlyForCurrentVersion(t *testing.T) {
	s, _ := fixture(t)
	var mf manifest
	if err := json.Unmarshal(body(t, get(t, s, "/manifest.json")), &mf); err != nil {
		t.Fatal(err)
	}
	if mf.Wasm == nil || !strings.Contains(mf.Wasm.URL, "?v=") {
		t.Fatalf("manifest wasm %+v", mf.Wasm)
	}
	if cc := get(t, s, mf.Wasm.URL).Header.Get("Cache-Control"); !strings.Contains(cc, "immutable") {
		t.Errorf("versioned URL: Cache-Control %q", cc)
	}
	if cc := get(t, s, "/wasm/resnet.wasm?v=0000000000000000").Header.Get("Cache-Control"); cc != "no-cache" {
		t.Errorf("stale version: Cache-Control %q, want no-cache", cc)
	}
}

func TestManifest(t *testing.T) {
	s, files := fixture(t)
	var mf manifest
	if err := json.Unmarshal(body(t, get(t, s, "/manifest.json")), &mf); err != nil {
		t.Fatal(err)
	}
	if len(mf.Models) != 1 || mf.Models[0].Name != "tiny" || mf.Models[0].Bytes != 256 {
		t.Fatalf("models %+v", mf.Models)
	}
	// The model's key is the checksum in its header, not a hash of the file.
	if want := "18191a1b"; !strings.HasPrefix(mf.Models[0].SHA256, want) {
		t.Errorf("model sha256 %s, want the header's (%s…)", mf.Models[0].SHA256, want)
	}
	if !strings.HasPrefix(mf.DefaultModel, "/models/tiny.rnm?v=") {
		t.Errorf("default model %q", mf.DefaultModel)
	}
	if len(mf.Samples) != 1 || mf.Samples[0].URL != "/samples/cat.jpg" || mf.Credits != "/samples/README.md" {
		t.Errorf("samples %+v credits %q", mf.Samples, mf.Credits)
	}
	if mf.Wasm.Bytes != int64(len(files["build/resnet.wasm"])) || len(mf.Missing) != 0 {
		t.Errorf("wasm %+v missing %v", mf.Wasm, mf.Missing)
	}
}

// The kernel modules are listed with the hash of their bytes (the worker's
// cache key) under URLs that are immutable for that version.
func TestManifestKernels(t *testing.T) {
	s, files := fixture(t)
	var mf manifest
	if err := json.Unmarshal(body(t, get(t, s, "/manifest.json")), &mf); err != nil {
		t.Fatal(err)
	}
	k := mf.Kernels
	if k == nil || k.Forwarder == nil || k.Kernels == nil {
		t.Fatalf("kernels %+v", k)
	}
	if !strings.HasPrefix(k.Loader, "/wasm/kernels/loader.mjs?v=") {
		t.Errorf("loader URL %q", k.Loader)
	}
	for _, c := range []struct {
		a    *asset
		file string
	}{{k.Forwarder, "build/kernels/forwarder.wasm"}, {k.Kernels, "build/kernels/kernels.wasm"}} {
		sum := sha256.Sum256(files[c.file])
		if c.a.SHA256 != hex.EncodeToString(sum[:]) || c.a.Bytes != int64(len(files[c.file])) {
			t.Errorf("%s: %+v, want sha256 %x and %d bytes", c.file, c.a, sum, len(files[c.file]))
		}
		r := get(t, s, c.a.URL)
		if !bytes.Equal(body(t, r), files[c.file]) || !strings.Contains(r.Header.Get("Cache-Control"), "immutable") {
			t.Errorf("%s: %s did not serve the file as immutable (%q)", c.file, c.a.URL, r.Header.Get("Cache-Control"))
		}
	}
	if r := get(t, s, k.Loader); r.Header.Get("Cross-Origin-Resource-Policy") != "same-origin" {
		t.Errorf("loader: CORP %q; a cross-origin-isolated worker must be allowed to import it", r.Header.Get("Cross-Origin-Resource-Policy"))
	}
}

func TestManifestSaysKernelsAreMissing(t *testing.T) {
	s, _ := fixture(t)
	if err := os.Remove(filepath.Join(s.mounts[0].dir, "kernels", "kernels.wasm")); err != nil {
		t.Fatal(err)
	}
	var mf manifest
	if err := json.Unmarshal(body(t, get(t, s, "/manifest.json")), &mf); err != nil {
		t.Fatal(err)
	}
	if mf.Kernels != nil || len(mf.Missing) != 1 || !strings.Contains(mf.Missing[0], "kernels") {
		t.Errorf("kernels %+v missing %v, want the kernels reported missing", mf.Kernels, mf.Missing)
	}
}

func TestManifestSaysWhatIsMissing(t *testing.T) {
	root := t.TempDir()
	os.Mkdir(filepath.Join(root, "web"), 0o755)
	s, err := newSite(siteConfig{Web: filepath.Join(root, "web"), Wasm: filepath.Join(root, "no"), Models: filepath.Join(root, "no"), Samples: filepath.Join(root, "no")})
	if err != nil {
		t.Fatal(err)
	}
	var mf manifest
	if err := json.Unmarshal(body(t, get(t, s, "/manifest.json")), &mf); err != nil {
		t.Fatal(err)
	}
	if len(mf.Missing) != 2 || !strings.Contains(mf.Missing[0], "make wasm") || !strings.Contains(mf.Missing[1], "make weights") {
		t.Errorf("missing %v", mf.Missing)
	}
}

func TestNothingOutsideTheMounts(t *testing.T) {
	s, _ := fixture(t)
	for _, url := range []string{"/../outside.txt", "/models/../outside.txt", "/.secret", "/wasm/", "/models/%2e%2e/outside.txt", "/samples/..%2foutside.txt", "/models/cache/a.tgz", "/models/notes.json", "/.git/config"} {
		r := get(t, s, url)
		if r.StatusCode == 200 {
			t.Errorf("%s: served %q", url, body(t, r))
		}
	}
	req := httptest.NewRequest("POST", "/", strings.NewReader("x"))
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d", rec.Code)
	}
}

func TestAccepts(t *testing.T) {
	for _, c := range []struct {
		h, c string
		want bool
	}{
		{"gzip, deflate, br", "br", true},
		{"gzip;q=0.5", "gzip", true},
		{"gzip; q=0", "gzip", false},
		{"identity", "gzip", false},
		{"", "gzip", false},
		{"GZIP", "gzip", true},
	} {
		if got := accepts(c.h, c.c); got != c.want {
			t.Errorf("accepts(%q, %q) = %v", c.h, c.c, got)
		}
	}
}
