package main

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"os"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/inbrowser-ai/resnet/engine/modelfile"
)

var errNotFile = errors.New("not a regular file")

// contentTypes is explicit so that the answer does not depend on the
// machine's mime.types (browsers refuse to compile wasm served otherwise).
var contentTypes = map[string]string{
	".html":        "text/html; charset=utf-8",
	".js":          "text/javascript; charset=utf-8",
	".mjs":         "text/javascript; charset=utf-8",
	".css":         "text/css; charset=utf-8",
	".json":        "application/json",
	".webmanifest": "application/manifest+json",
	".wasm":        "application/wasm",
	".rnm":         "application/octet-stream",
	".svg":         "image/svg+xml",
	".png":         "image/png",
	".jpg":         "image/jpeg",
	".jpeg":        "image/jpeg",
	".gif":         "image/gif",
	".webp":        "image/webp",
	".bmp":         "image/bmp",
	".ico":         "image/x-icon",
	".md":          "text/markdown; charset=utf-8",
	".txt":         "text/plain; charset=utf-8",
}

// compressible lists the types worth gzipping; images are compressed already.
var compressible = map[string]bool{
	".html": true, ".js": true, ".mjs": true, ".css": true, ".json": true, ".webmanifest": true,
	".wasm": true, ".rnm": true, ".svg": true, ".md": true, ".txt": true, ".bmp": true,
}

// minSaving is the fraction a compressed variant must save to be served:
// below it the client's decompression costs more than the bytes saved.
const minSaving = 0.10

type fileCache struct {
	mu sync.Mutex
	m  map[string]*entry
}

func newFileCache() *fileCache { return &fileCache{m: map[string]*entry{}} }

// entry is what the server knows about one file version: its hash (the
// ETag), and its compressed variants, computed once.
type entry struct {
	root     *os.Root
	rel      string
	ext      string
	size     int64
	mod      time.Time
	sha256   string // of the whole file
	modelSum string // for model files: the body checksum from the header

	gzOnce sync.Once
	gz     []byte

	brOnce sync.Once
	br     []byte
}

func (c *fileCache) get(m mount, rel string) (*entry, error) {
	fi, err := m.root.Stat(rel)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, errNotFile
	}
	key := m.prefix + rel
	c.mu.Lock()
	e := c.m[key]
	c.mu.Unlock()
	if e != nil && e.size == fi.Size() && e.mod.Equal(fi.ModTime()) {
		return e, nil
	}
	b, err := m.root.ReadFile(rel)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(b)
	e = &entry{root: m.root, rel: rel, ext: strings.ToLower(path.Ext(rel)), size: int64(len(b)), mod: fi.ModTime(), sha256: hex.EncodeToString(sum[:])}
	if e.ext == ".rnm" {
		e.modelSum = modelChecksum(b)
	}
	c.mu.Lock()
	c.m[key] = e
	c.mu.Unlock()
	return e, nil
}

// modelChecksum returns the SHA-256 a model file's header declares for its
// body, or "" for a file that is not a model file.
func modelChecksum(b []byte) string {
	sum, ok := modelfile.DeclaredChecksum(b)
	if !ok {
		return ""
	}
	return hex.EncodeToString(sum[:])
}

func (e *entry) tag() string { return e.sha256[:16] }

// versionedURL is the URL the manifest hands out: the ?v= query makes it
// immutable, so the browser may keep it for a year.
func (e *entry) versionedURL(p string) string { return p + "?v=" + e.tag() }

func (e *entry) gzipped() []byte {
	e.gzOnce.Do(func() {
		if !compressible[e.ext] {
			return
		}
		raw, err := e.root.ReadFile(e.rel)
		if err != nil {
			return
		}
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		if _, err := zw.Write(raw); err != nil || zw.Close() != nil {
			return
		}
		if float64(buf.Len()) <= (1-minSaving)*float64(len(raw)) {
			e.gz = buf.Bytes()
		}
	})
	return e.gz
}

// brotli returns a precompressed sibling (FILE.br, written at build time:
// Go's standard library has no brotli encoder) if it is newer than FILE.
func (e *entry) brotli() []byte {
	e.brOnce.Do(func() {
		fi, err := e.root.Stat(e.rel + ".br")
		if err != nil || fi.ModTime().Before(e.mod) || float64(fi.Size()) > (1-minSaving)*float64(e.size) {
			return
		}
		e.br, _ = e.root.ReadFile(e.rel + ".br")
	})
	return e.br
}

func (e *entry) serve(w http.ResponseWriter, r *http.Request) {
	extendWriteDeadline(w, r, e.size)
	h := w.Header()
	if ct, ok := contentTypes[e.ext]; ok {
		h.Set("Content-Type", ct)
	} else {
		h.Set("Content-Type", "application/octet-stream")
	}
	if v := r.URL.Query().Get("v"); v != "" && v == e.tag() {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		// Revalidate every time; the ETag makes that a 304.
		h.Set("Cache-Control", "no-cache")
	}
	// A range of a compressed variant is useless to a client that wants the
	// file's own bytes, so range requests always get the identity encoding.
	if r.Header.Get("Range") == "" {
		ae := r.Header.Get("Accept-Encoding")
		if compressible[e.ext] {
			h.Add("Vary", "Accept-Encoding")
		}
		if br := e.brotli(); br != nil && accepts(ae, "br") {
			e.serveBytes(w, r, br, "br")
			return
		}
		if gz := e.gzipped(); gz != nil && accepts(ae, "gzip") {
			e.serveBytes(w, r, gz, "gzip")
			return
		}
	}
	f, err := e.root.Open(e.rel)
	if err != nil {
		http.Error(w, "cannot read file", http.StatusInternalServerError)
		return
	}
	defer f.Close()
	h.Set("ETag", `"`+e.tag()+`"`)
	http.ServeContent(w, r, "", time.Time{}, io.NewSectionReader(f, 0, e.size))
}

func (e *entry) serveBytes(w http.ResponseWriter, r *http.Request, b []byte, enc string) {
	h := w.Header()
	h.Set("Content-Encoding", enc)
	h.Set("ETag", `"`+e.tag()+"-"+enc+`"`)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(b))
}

// accepts reports whether an Accept-Encoding header allows coding c
// (present, and not with q=0).
func accepts(header, c string) bool {
	for part := range strings.SplitSeq(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(name), c) {
			continue
		}
		q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
		return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
	}
	return false
}
