package jpegscale

import (
	"bytes"
	"image"
	"image/jpeg"
	"testing"
)

// FuzzDecode decodes arbitrary bytes at every scale. A panic fails; so does
// a scale-1 result that differs from image/jpeg's (the fork must stay the
// standard decoder there), or a scaled image whose size is not the scaled
// size of the header's.
//
//	go test ./engine/preprocess/jpegscale -run '^$' -fuzz FuzzDecode -fuzztime 60s
func FuzzDecode(f *testing.F) {
	for _, b := range jpegs(f) {
		if len(b) < 64<<10 {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(data))
		if err != nil || cfg.Width*cfg.Height > 1<<20 {
			return // image/jpeg's header parser is the gate, as in preprocess
		}
		want, werr := jpeg.Decode(bytes.NewReader(data))
		for shift := 0; shift <= 3; shift++ {
			m, err := Decode(bytes.NewReader(data), shift)
			if shift == 0 && (err == nil) != (werr == nil) {
				t.Fatalf("scale 1: error %v, image/jpeg's %v", err, werr)
			}
			if err != nil {
				continue
			}
			w, h := ScaledSize(cfg.Width, cfg.Height, shift)
			if m.Bounds() != image.Rect(0, 0, w, h) {
				t.Fatalf("1/%d: bounds %v, want %d×%d", 1<<shift, m.Bounds(), w, h)
			}
			if shift == 0 && !bytes.Equal(rgba(m).Pix, rgba(want).Pix) {
				t.Fatal("scale 1: pixels differ from image/jpeg")
			}
		}
	})
}
