// Package calib fixes an int8 model's activation ranges from calibration
// photos: it runs the float model, records where each quantised activation
// lies, and picks per tensor the ceiling that minimises the quantisation's
// mean squared error (clipping against resolution). The photos are the
// user's (-calib DIR) or the small licensed set built into the converter.
package calib

import (
	"embed"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/inbrowser-ai/resnet/engine/modelfile"
	"github.com/inbrowser-ai/resnet/engine/preprocess"
	"github.com/inbrowser-ai/resnet/engine/resnet"
)

//go:embed photos/*.jpg
var builtin embed.FS

// maxPixels bounds a calibration photo's decoded size.
const maxPixels = 50 << 20

// Inputs decodes and preprocesses the photos of dir (every .jpg, .jpeg,
// .png, .webp, .gif, .bmp, in name order), or the built-in set when dir is
// "", into network inputs by the model's recipe.
func Inputs(pre modelfile.Preprocess, dir string) ([][]float32, error) {
	var fsys fs.FS = builtin
	root := "photos"
	if dir != "" {
		fsys, root = os.DirFS(dir), "."
	}
	ents, err := fs.ReadDir(fsys, root)
	if err != nil {
		return nil, fmt.Errorf("calib: %w", err)
	}
	var names []string
	for _, e := range ents {
		switch strings.ToLower(filepath.Ext(e.Name())) {
		case ".jpg", ".jpeg", ".png", ".webp", ".gif", ".bmp":
			if e.Type().IsRegular() {
				names = append(names, e.Name())
			}
		}
	}
	sort.Strings(names)
	if len(names) == 0 {
		return nil, fmt.Errorf("calib: %s has no photos (.jpg, .png, .webp, .gif, .bmp)", dir)
	}
	var out [][]float32
	for _, n := range names {
		b, err := fs.ReadFile(fsys, filepath.ToSlash(filepath.Join(root, n)))
		if err != nil {
			return nil, fmt.Errorf("calib: %w", err)
		}
		img, err := preprocess.Decode(b, maxPixels)
		if err != nil {
			return nil, fmt.Errorf("calib: %s: %w", n, err)
		}
		crop, err := preprocess.ResizeCrop(img, pre.Resize, pre.Crop)
		if err != nil {
			return nil, fmt.Errorf("calib: %s: %w", n, err)
		}
		in := make([]float32, pre.Crop*pre.Crop*3)
		if err := preprocess.Normalize(crop, pre, in); err != nil {
			return nil, fmt.Errorf("calib: %s: %w", n, err)
		}
		out = append(out, in)
	}
	return out, nil
}

// Ranges runs the float network on the inputs (each crop×crop×3) and
// returns, per convolution that reads a ReLU's output, the ceiling of its
// input quantisation. The stem's input is not among them: its range is
// the preprocessing recipe's.
func Ranges(n *resnet.Net, inputs [][]float32, crop int) (map[string]float32, error) {
	hists := map[string][]*hist{}
	var order []string
	stem := ""
	n.Observe(func(conv string, x []float32) []float32 {
		if stem == "" {
			stem = conv // the first tensor observed is the network input
		}
		if conv == stem {
			return nil
		}
		if _, ok := hists[conv]; !ok {
			order = append(order, conv)
		}
		hists[conv] = append(hists[conv], newHist(x))
		return nil
	})
	defer n.Observe(nil)
	for i, in := range inputs {
		if _, err := n.Forward(in, crop, crop); err != nil {
			return nil, fmt.Errorf("calib: photo %d: %w", i, err)
		}
	}
	out := make(map[string]float32, len(order))
	for _, name := range order {
		out[name] = ceiling(hists[name])
	}
	return out, nil
}

// bins of each per-image histogram, over [0, that image's maximum].
const bins = 2048

// hist is one image's tensor: how many values are exactly zero (exact at
// any scale), and the positive ones in bins with prefix sums of count, x
// and x², so that the error of any ceiling is a few lookups.
type hist struct {
	max      float64
	width    float64
	zeros    float64
	n, s, s2 [bins + 1]float64 // prefix sums over bins [0, i)
}

func newHist(x []float32) *hist {
	h := &hist{}
	for _, v := range x {
		h.max = max(h.max, float64(v))
	}
	h.width = h.max / bins
	var cnt, sum, sum2 [bins]float64
	for _, v := range x {
		if !(v > 0) {
			h.zeros++
			continue
		}
		b := min(bins-1, int(float64(v)/h.width))
		cnt[b]++
		sum[b] += float64(v)
		sum2[b] += float64(v) * float64(v)
	}
	for i := range bins {
		h.n[i+1] = h.n[i] + cnt[i]
		h.s[i+1] = h.s[i] + sum[i]
		h.s2[i+1] = h.s2[i] + sum2[i]
	}
	return h
}

// sqErr is the summed squared error of quantising this image with ceiling
// c: 256 levels over [0, min(c, max)]; values above c saturate, those
// below get rounding noise of step²/12 each.
func (h *hist) sqErr(c float64) float64 {
	if h.max == 0 {
		return 0
	}
	top := min(c, h.max)
	step := top / 255
	b := bins
	if c < h.max {
		b = min(bins, int(c/h.width)) // bins from b up are (treated as) above c
	}
	below := h.n[b] * step * step / 12
	n, s, s2 := h.n[bins]-h.n[b], h.s[bins]-h.s[b], h.s2[bins]-h.s2[b]
	return below + s2 - 2*c*s + c*c*n
}

// ceiling picks the ceiling with the least total squared error over the
// calibration images, among 1/1024 steps of the largest value seen; the
// images' own maxima then only lower it.
func ceiling(hs []*hist) float32 {
	var top float64
	for _, h := range hs {
		top = max(top, h.max)
	}
	if top == 0 {
		return math.MaxFloat32 // never positive on these photos: no reason to clip
	}
	best, bestErr := top, math.Inf(1)
	for k := 1024; k >= 1; k-- {
		c := top * float64(k) / 1024
		var e float64
		for _, h := range hs {
			e += h.sqErr(c)
		}
		if e < bestErr {
			best, bestErr = c, e
		}
	}
	return float32(best)
}
