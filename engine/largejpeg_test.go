package engine_test

import (
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"testing"
	"time"

	"github.com/inbrowser-ai/resnet/engine"
	"github.com/inbrowser-ai/resnet/engine/modelfile"
	"github.com/inbrowser-ai/resnet/engine/preprocess"
)

// TestLargeJPEGAgreement classifies large photos (RESNET_LARGE_JPEGS, made
// by scripts/large-jpegs.sh: ≥ 12 MP) through the scaled decode and through
// the full decode with the default model, and requires the same top-1 on
// every photo except near-ties (the full path's top two within 0.1). It
// prints, per photo, the time and the bytes allocated by decoding and
// preprocessing on each path (allocated bytes bound the live peak from
// above).
func TestLargeJPEGAgreement(t *testing.T) {
	dir := os.Getenv("RESNET_LARGE_JPEGS")
	if dir == "" {
		t.Skip("set RESNET_LARGE_JPEGS to a directory made by scripts/large-jpegs.sh")
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.jpg"))
	sort.Strings(files)
	if len(files) < 20 {
		t.Fatalf("%d photos in %s, want ≥ 20", len(files), dir)
	}
	b, err := os.ReadFile("../weights/resnet50-keras.rnm")
	if err != nil {
		t.Fatal(err)
	}
	m, err := engine.Load(b, modelfile.Verify)
	if err != nil {
		t.Fatal(err)
	}
	type path struct {
		top    []engine.Prediction
		ms     float64
		alloc  uint64
		decode string
		mp     float64
	}
	run := func(data []byte, lim preprocess.Limits) path {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		t0 := time.Now()
		img, c, err := preprocess.DecodeWithin(data, lim)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := preprocess.ResizeCrop(img, m.Meta().Pre.Resize, m.Meta().Pre.Crop); err != nil {
			t.Fatal(err)
		}
		ms := float64(time.Since(t0).Microseconds()) / 1000
		runtime.ReadMemStats(&after)
		// The engine's own resize and crop again, on a copy: not measured.
		r, err := m.ClassifyRGBA(img.Pix, img.Rect.Dx(), img.Rect.Dy(), img.Stride, 2)
		if err != nil {
			t.Fatal(err)
		}
		return path{r.Top, ms, after.TotalAlloc - before.TotalAlloc, c.Path(), float64(c.Width*c.Height) / 1e6}
	}
	agree, ties := 0, 0
	var msS, msF, allocS, allocF []float64
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		lim := m.DecodeLimits()
		s := run(data, lim)
		lim.NoScale = true
		full := run(data, lim)
		same := s.top[0].Index == full.top[0].Index
		gap := full.top[0].Prob - full.top[1].Prob
		switch {
		case same:
			agree++
		case gap < 0.1:
			ties++
		default:
			t.Errorf("%s: scaled top-1 %s (%.3f), full %s (%.3f, next %.3f): not a near-tie",
				filepath.Base(f), s.top[0].Label, s.top[0].Prob, full.top[0].Label, full.top[0].Prob, full.top[1].Prob)
		}
		msS, msF = append(msS, s.ms), append(msF, full.ms)
		allocS, allocF = append(allocS, float64(s.alloc)/(1<<20)), append(allocF, float64(full.alloc)/(1<<20))
		t.Logf("%-36s %5.1f MP %-10s %-22s %.3f | full %-22s %.3f | %6.0f vs %6.0f ms | %6.1f vs %6.1f MiB",
			filepath.Base(f), s.mp, s.decode, s.top[0].Label, s.top[0].Prob, full.top[0].Label, full.top[0].Prob,
			s.ms, full.ms, float64(s.alloc)/(1<<20), float64(full.alloc)/(1<<20))
	}
	t.Logf("%d photos: same top-1 on %d, near-ties %d; decode+preprocess median %.0f ms scaled vs %.0f ms full; allocated median %.1f vs %.1f MiB (max %.1f vs %.1f)",
		len(files), agree, ties, median(msS), median(msF), median(allocS), median(allocF), maxOf(allocS), maxOf(allocF))
}

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	return s[len(s)/2]
}

func maxOf(v []float64) float64 {
	m := v[0]
	for _, x := range v {
		m = max(m, x)
	}
	return m
}
