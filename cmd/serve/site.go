package main

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"net/http"
	"os"
	"path"
	"strings"
	"time"
)

type siteConfig struct {
	Web, Wasm, Models, Samples string
	// DefaultModel is the base name of the model the page loads when the
	// URL names none; empty picks the first model file found.
	DefaultModel string
}

// mount maps a URL prefix to a directory. Directories are opened as
// os.Root so that no request path can escape them.
type mount struct {
	prefix string
	root   *os.Root
	dir    string
}

type site struct {
	cfg    siteConfig
	mounts []mount // longest prefix first
	files  *fileCache
	thumbs thumbCache
}

func newSite(cfg siteConfig) (*site, error) {
	s := &site{cfg: cfg, files: newFileCache(), thumbs: thumbCache{m: map[string]thumb{}}}
	for _, m := range []struct{ prefix, dir string }{
		{"/wasm/", cfg.Wasm},
		{"/models/", cfg.Models},
		{"/samples/", cfg.Samples},
		{"/", cfg.Web},
	} {
		r, err := os.OpenRoot(m.dir)
		if err != nil {
			if m.prefix == "/" {
				return nil, err // no page, nothing to serve
			}
			// The page reports missing parts itself (e.g. "run make wasm");
			// the server still starts so that the page can say so.
			continue
		}
		s.mounts = append(s.mounts, mount{prefix: m.prefix, root: r, dir: m.dir})
	}
	return s, nil
}

func (s *site) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	setSecurityHeaders(w.Header())
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	p := r.URL.Path
	if p == "/manifest.json" {
		s.serveManifest(w, r)
		return
	}
	if rel, ok := strings.CutPrefix(p, thumbsPrefix); ok {
		s.serveThumb(w, r, rel)
		return
	}
	if p == "/" {
		p = "/index.html"
	}
	for _, m := range s.mounts {
		if rel, ok := strings.CutPrefix(p, m.prefix); ok {
			s.serveFile(w, r, m, rel)
			return
		}
	}
	http.NotFound(w, r)
}

func (s *site) serveFile(w http.ResponseWriter, r *http.Request, m mount, rel string) {
	rel = path.Clean("/" + rel)[1:]
	if !servable(m, rel) || !possible(rel) {
		http.NotFound(w, r)
		return
	}
	e, err := s.files.get(m, rel)
	if err != nil {
		if notThere(err) {
			http.NotFound(w, r)
			return
		}
		http.Error(w, "cannot read file", http.StatusInternalServerError)
		return
	}
	e.serve(w, r)
}

// servable says whether a path under a mount is published. Hidden files
// (editor droppings, .git) and precompressed siblings are never served by
// name; weights/ also holds the converter's download cache, so only the
// model files themselves and their notes are published from it.
func servable(m mount, rel string) bool {
	if rel == "" || strings.HasSuffix(rel, ".br") {
		return false
	}
	for part := range strings.SplitSeq(rel, "/") {
		if strings.HasPrefix(part, ".") {
			return false
		}
	}
	if m.prefix == "/models/" {
		return !strings.Contains(rel, "/") && modelDirExt[strings.ToLower(path.Ext(rel))]
	}
	return true
}

// warm hashes and compresses every servable file in the background so that
// the first visitor does not wait for gzip of the wasm and the model.
func (s *site) warm() {
	for _, m := range s.mounts {
		_ = fs.WalkDir(m.root.FS(), ".", func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return nil
			}
			if d.IsDir() {
				if p != "." && !servable(m, p+"/x") {
					return fs.SkipDir
				}
				return nil
			}
			if !servable(m, p) {
				return nil
			}
			if e, err := s.files.get(m, p); err == nil {
				e.gzipped()
			}
			return nil
		})
	}
}

// manifest tells the page what to download and the content hash of each
// part, so that the worker can find them in its cache without a request.
type manifest struct {
	Wasm *asset `json:"wasm,omitempty"`
	// WasmShared is Wasm on an imported shared memory, for the thread pool
	// (engine/kernels/wat/pool.mjs); optional.
	WasmShared   *asset   `json:"wasmShared,omitempty"`
	WasmExec     string   `json:"wasmExec,omitempty"`
	Kernels      *kernels `json:"kernels,omitempty"`
	Models       []asset  `json:"models"`
	DefaultModel string   `json:"defaultModel,omitempty"`
	Samples      []sample `json:"samples"`
	Credits      string   `json:"credits,omitempty"`
	// Shell lists the page's own files, which the service worker (web/sw.js)
	// keeps so that the page opens offline.
	Shell   []string `json:"shell"`
	Missing []string `json:"missing,omitempty"`
}

type asset struct {
	Name   string `json:"name"`
	URL    string `json:"url"`
	SHA256 string `json:"sha256"`
	Bytes  int64  `json:"bytes"`
}

// kernels are the WebAssembly SIMD kernels (engine/kernels/wat) as the
// page loads them: the loader module, imported by the worker, and the two
// modules it links, fetched and cached by content hash like the main wasm.
type kernels struct {
	Loader    string `json:"loader"`
	Forwarder *asset `json:"forwarder"`
	Kernels   *asset `json:"kernels"`
	// Relaxed is the relaxed-SIMD build of Kernels, which the page uses
	// where the browser validates it; optional.
	Relaxed *asset `json:"relaxed,omitempty"`
	// The thread pool: its module (also its helpers' script), and the
	// kernel modules built on a shared memory; optional, all or none.
	Pool          string `json:"pool,omitempty"`
	Shared        *asset `json:"shared,omitempty"`
	RelaxedShared *asset `json:"relaxedShared,omitempty"`
}

// kernelsDir is where the build puts them, under the /wasm/ mount.
const kernelsDir = "kernels/"

type sample struct {
	Name  string `json:"name"`
	URL   string `json:"url"`
	Thumb string `json:"thumb,omitempty"`
}

var modelDirExt = map[string]bool{".rnm": true, ".md": true, ".txt": true}

// shellExt are the kinds of the page's own files (web/, top level).
var shellExt = map[string]bool{".html": true, ".js": true, ".css": true, ".webmanifest": true, ".png": true, ".svg": true, ".ico": true}

var imageExt = map[string]bool{".jpg": true, ".jpeg": true, ".png": true, ".gif": true, ".webp": true, ".bmp": true}

func (s *site) serveManifest(w http.ResponseWriter, r *http.Request) {
	var mf manifest
	for _, m := range s.mounts {
		entries, _ := fs.ReadDir(m.root.FS(), ".")
		for _, d := range entries {
			name := d.Name()
			if d.IsDir() || strings.HasPrefix(name, ".") {
				continue
			}
			switch {
			case m.prefix == "/wasm/" && name == "resnet.wasm":
				if e, err := s.files.get(m, name); err == nil {
					mf.Wasm = &asset{Name: name, URL: e.versionedURL(m.prefix + name), SHA256: e.sha256, Bytes: e.size}
				}
			case m.prefix == "/wasm/" && name == "resnet-shared.wasm":
				if e, err := s.files.get(m, name); err == nil {
					mf.WasmShared = &asset{Name: name, URL: e.versionedURL(m.prefix + name), SHA256: e.sha256, Bytes: e.size}
				}
			case m.prefix == "/wasm/" && name == "wasm_exec.js":
				if e, err := s.files.get(m, name); err == nil {
					mf.WasmExec = e.versionedURL(m.prefix + name)
				}
			case m.prefix == "/models/" && path.Ext(name) == ".rnm":
				if e, err := s.files.get(m, name); err == nil && e.modelSum != "" {
					// The key the worker caches a model under is the checksum in
					// its own header, so a model reached through ?model=URL and
					// the same model listed here share one cache entry.
					mf.Models = append(mf.Models, asset{Name: strings.TrimSuffix(name, ".rnm"), URL: e.versionedURL(m.prefix + name), SHA256: e.modelSum, Bytes: e.size})
				}
			// Only what can be fetched is listed: not a symlink that leaves
			// the mount, dangles or loops.
			case m.prefix == "/samples/" && imageExt[strings.ToLower(path.Ext(name))] && regularIn(m.root, name):
				mf.Samples = append(mf.Samples, sample{Name: strings.TrimSuffix(name, path.Ext(name)), URL: m.prefix + name, Thumb: thumbURL(name)})
			case m.prefix == "/samples/" && isCreditsFile(name) && regularIn(m.root, name):
				mf.Credits = m.prefix + name
			case m.prefix == "/" && shellExt[strings.ToLower(path.Ext(name))]:
				mf.Shell = append(mf.Shell, "/"+name)
			}
		}
	}
	for _, m := range s.mounts {
		if m.prefix == "/wasm/" {
			mf.Kernels = s.kernels(m)
		}
	}
	if mf.Wasm == nil || mf.WasmExec == "" {
		mf.Missing = append(mf.Missing, "wasm (run `make wasm`)")
	} else if mf.Kernels == nil {
		mf.Missing = append(mf.Missing, "WebAssembly kernels (run `make wasm`)")
	}
	if len(mf.Models) == 0 {
		mf.Missing = append(mf.Missing, "model (run `make weights`)")
		mf.Models = []asset{}
	}
	if mf.Samples == nil {
		mf.Samples = []sample{}
	}
	for _, m := range s.mounts {
		if m.prefix == "/" {
			icons, _ := fs.ReadDir(m.root.FS(), "icons")
			for _, d := range icons {
				if !d.IsDir() && !strings.HasPrefix(d.Name(), ".") {
					mf.Shell = append(mf.Shell, "/icons/"+d.Name())
				}
			}
		}
	}
	if mf.Shell == nil {
		mf.Shell = []string{}
	}
	if mf.Credits != "" {
		mf.Shell = append(mf.Shell, mf.Credits)
	}
	for _, a := range mf.Models {
		if a.Name+".rnm" == s.cfg.DefaultModel || mf.DefaultModel == "" {
			mf.DefaultModel = a.URL
		}
	}
	b, err := json.MarshalIndent(mf, "", "  ")
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-cache")
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(b))
}

func isCreditsFile(name string) bool {
	n := strings.ToUpper(strings.TrimSuffix(name, path.Ext(name)))
	return n == "README" || n == "LICENSES" || n == "LICENSE" || n == "CREDITS" || n == "SOURCES"
}

// kernels lists the kernel files under m, or nil unless all three exist.
func (s *site) kernels(m mount) *kernels {
	get := func(name string) (*entry, string) {
		e, err := s.files.get(m, kernelsDir+name)
		if err != nil {
			return nil, ""
		}
		return e, e.versionedURL(m.prefix + kernelsDir + name)
	}
	loader, loaderURL := get("loader.mjs")
	fwd, fwdURL := get("forwarder.wasm")
	kern, kernURL := get("kernels.wasm")
	if loader == nil || fwd == nil || kern == nil {
		return nil
	}
	k := &kernels{
		Loader:    loaderURL,
		Forwarder: &asset{Name: "forwarder.wasm", URL: fwdURL, SHA256: fwd.sha256, Bytes: fwd.size},
		Kernels:   &asset{Name: "kernels.wasm", URL: kernURL, SHA256: kern.sha256, Bytes: kern.size},
	}
	if rel, relURL := get("kernels-relaxed.wasm"); rel != nil {
		k.Relaxed = &asset{Name: "kernels-relaxed.wasm", URL: relURL, SHA256: rel.sha256, Bytes: rel.size}
	}
	pool, poolURL := get("pool.mjs")
	shared, sharedURL := get("kernels-shared.wasm")
	if pool != nil && shared != nil {
		k.Pool = poolURL
		k.Shared = &asset{Name: "kernels-shared.wasm", URL: sharedURL, SHA256: shared.sha256, Bytes: shared.size}
		if rel, relURL := get("kernels-relaxed-shared.wasm"); rel != nil {
			k.RelaxedShared = &asset{Name: "kernels-relaxed-shared.wasm", URL: relURL, SHA256: rel.sha256, Bytes: rel.size}
		}
	}
	return k
}
