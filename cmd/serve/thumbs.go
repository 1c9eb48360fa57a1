package main

import (
	"bytes"
	"fmt"
	"image/jpeg"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/inbrowser-ai/resnet/engine/preprocess"
)

// The sample gallery shows thumbnails made here rather than the photos
// themselves: a few kilobytes each instead of hundreds, so the gallery
// appears at once on a first visit without taking bandwidth from the model
// download. Upright (EXIF applied) and square, like the gallery's buttons.
const (
	thumbsPrefix = "/thumbs/"
	thumbSize    = 192 // pixels: the 84-px buttons on a screen of density 2
	thumbQuality = 80
	// thumbMaxPixels keeps a huge sample from costing the server seconds.
	thumbMaxPixels = 40_000_000
)

type thumbCache struct {
	mu sync.Mutex
	m  map[string]thumb // by sample file name
}

type thumb struct {
	src  *entry // the sample version it was made from
	jpeg []byte
	tag  string
}

// thumbURL is the thumbnail's address for a sample file: the file's whole
// name plus .jpg, so that samples of different formats never collide.
func thumbURL(sampleName string) string { return thumbsPrefix + sampleName + ".jpg" }

// thumbnail makes (once per version of the file) the JPEG thumbnail of the
// sample rel under m.
func (s *site) thumbnail(m mount, rel string) (thumb, error) {
	e, err := s.files.get(m, rel)
	if err != nil {
		return thumb{}, err
	}
	s.thumbs.mu.Lock()
	t, ok := s.thumbs.m[rel]
	s.thumbs.mu.Unlock()
	if ok && t.src == e {
		return t, nil
	}
	raw, err := m.root.ReadFile(rel)
	if err != nil {
		return thumb{}, err
	}
	img, err := preprocess.Decode(raw, thumbMaxPixels)
	if err != nil {
		return thumb{}, fmt.Errorf("thumbnail of %s: %w", rel, err)
	}
	small, err := preprocess.ResizeCrop(img, thumbSize, thumbSize)
	if err != nil {
		return thumb{}, fmt.Errorf("thumbnail of %s: %w", rel, err)
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, small, &jpeg.Options{Quality: thumbQuality}); err != nil {
		return thumb{}, fmt.Errorf("thumbnail of %s: %w", rel, err)
	}
	t = thumb{src: e, jpeg: buf.Bytes(), tag: e.tag() + "-t"}
	s.thumbs.mu.Lock()
	s.thumbs.m[rel] = t
	s.thumbs.mu.Unlock()
	return t, nil
}

// serveThumb answers /thumbs/NAME.jpg for the sample NAME.
func (s *site) serveThumb(w http.ResponseWriter, r *http.Request, rel string) {
	name, ok := strings.CutSuffix(rel, ".jpg")
	var m *mount
	for i := range s.mounts {
		if s.mounts[i].prefix == "/samples/" {
			m = &s.mounts[i]
		}
	}
	if !ok || m == nil || strings.Contains(name, "/") || !servable(*m, name) || !imageExt[strings.ToLower(path.Ext(name))] {
		http.NotFound(w, r)
		return
	}
	t, err := s.thumbnail(*m, name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "image/jpeg")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("ETag", `"`+t.tag+`"`)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(t.jpeg))
}
