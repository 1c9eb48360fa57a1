package main

import (
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/inbrowser-ai/resnet/engine"
	"github.com/inbrowser-ai/resnet/engine/kernels"
	"github.com/inbrowser-ai/resnet/engine/modelfile"
	"github.com/inbrowser-ai/resnet/tools/convert/encode"
	"github.com/inbrowser-ai/resnet/tools/convert/net"
)

// The error report (-report DIR): where an int8 model loses precision. Each
// layer in turn gets its quantised weights (int8, or 16-bit where wide) and
// its corrected bias in an otherwise float32 network, and the report gives
// how far that moves the logits from the float32 network's on the photos in
// DIR, as the relative error ‖Δ‖/‖logits − mean‖ averaged over the photos; the last line is the
// int8 model itself, every layer quantised (activations too). Layers whose
// errors are large stand out; errors of independent layers add roughly in
// quadrature. The float32 weights are swapped in place in the float32
// model's bytes, which the engine reads without copying.

// layerError is one row of the report.
type layerError struct {
	name, dtype string
	weights     int
	rel         float64
}

func printReport(w io.Writer, n *net.Network, opt encode.Options, dir string) error {
	photos, err := readPhotos(dir)
	if err != nil {
		return fmt.Errorf("-report: %w", err)
	}
	rows, all, err := errorReport(n, opt, photos)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\nlogit error of each layer's quantisation alone (relative, mean over %d photos of %s):\n\n", len(photos), dir)
	fmt.Fprintf(w, "| layer | weights | stored | error |\n|---|---:|---|---:|\n")
	for _, r := range rows {
		fmt.Fprintf(w, "| %s | %d | %s | %.2f %% |\n", r.name, r.weights, r.dtype, 100*r.rel)
	}
	fmt.Fprintf(w, "| every layer, and 16-bit activations: the int8 model | | | %.2f %% |\n", 100*all)
	top := append([]layerError(nil), rows...)
	sort.SliceStable(top, func(i, j int) bool { return top[i].rel > top[j].rel })
	var names []string
	for _, r := range top[:min(5, len(top))] {
		names = append(names, fmt.Sprintf("%s %.2f %%", r.name, 100*r.rel))
	}
	fmt.Fprintf(w, "\nlargest: %s\n", strings.Join(names, ", "))
	return nil
}

// readPhotos reads the images in dir (by extension), in name order.
func readPhotos(dir string) ([][]byte, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out [][]byte
	for _, e := range ents {
		switch strings.ToLower(filepath.Ext(e.Name())) {
		case ".jpg", ".jpeg", ".png", ".webp", ".gif", ".bmp":
		default:
			continue
		}
		if !e.Type().IsRegular() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no photos in %s", dir)
	}
	return out, nil
}

// errorReport measures each layer's share and the whole int8 model's error.
func errorReport(n *net.Network, opt encode.Options, photos [][]byte) (rows []layerError, all float64, err error) {
	src := modelfile.Source{Format: "report"}
	b32, err := encode.EncodeWith(n, modelfile.F32, src, nil)
	if err != nil {
		return nil, 0, err
	}
	bq, err := encode.EncodeOptions(n, modelfile.Int8, src, opt)
	if err != nil {
		return nil, 0, err
	}
	m32, err := engine.Load(b32, modelfile.Trusted)
	if err != nil {
		return nil, 0, err
	}
	mq, err := engine.Load(bq, modelfile.Trusted)
	if err != nil {
		return nil, 0, err
	}
	f32, err := modelfile.Parse(b32, modelfile.Trusted)
	if err != nil {
		return nil, 0, err
	}
	fq, err := modelfile.Parse(bq, modelfile.Trusted)
	if err != nil {
		return nil, 0, err
	}
	ref := make([][]float64, len(photos))
	for i, p := range photos {
		if ref[i], err = centredLogits(m32, p); err != nil {
			return nil, 0, err
		}
	}
	meanErr := func(m *engine.Model) (float64, error) {
		var sum float64
		for i, p := range photos {
			l, err := centredLogits(m, p)
			if err != nil {
				return 0, err
			}
			sum += relErr(ref[i], l)
		}
		return sum / float64(len(photos)), nil
	}
	names := []string{}
	for _, c := range n.Convs() {
		names = append(names, c.Name)
	}
	names = append(names, "fc")
	for _, name := range names {
		w, _, err := f32.Float32(name + ".w")
		if err != nil {
			return nil, 0, err
		}
		deq, dtype, err := dequantized(fq, name, len(w))
		if err != nil {
			return nil, 0, err
		}
		saved := append([]float32(nil), w...)
		copy(w, deq)
		// The int8 file's bias, corrected for its rounded weights (bias
		// correction), goes with them.
		b, _, errB := f32.Float32(name + ".bias")
		bq, _, errQ := fq.Float32(name + ".bias")
		savedB := append([]float32(nil), b...)
		if errB == nil && errQ == nil && len(b) == len(bq) {
			copy(b, bq)
		}
		e, err := meanErr(m32)
		copy(w, saved)
		copy(b, savedB)
		if err != nil {
			return nil, 0, err
		}
		rows = append(rows, layerError{name: name, dtype: dtype, weights: weightCount(f32, name), rel: e})
	}
	all, err = meanErr(mq)
	return rows, all, err
}

// dequantized is an int8 model's weights of one layer as float32, in the
// float32 model's layout of that tensor (O8K1 for convolutions, rows for the
// classifier).
func dequantized(fq *modelfile.File, name string, size int) ([]float32, string, error) {
	t, err := fq.Tensor(name + ".w")
	if err != nil {
		return nil, "", err
	}
	scale, _, err := fq.Float32(name + ".scale")
	if err != nil {
		return nil, "", err
	}
	var q func(i int) float32
	if t.DType == "i16" {
		v, _, err := fq.Int16(name + ".w")
		if err != nil {
			return nil, "", err
		}
		q = func(i int) float32 { return float32(v[i]) }
	} else {
		v, _, err := fq.Int8(name + ".w")
		if err != nil {
			return nil, "", err
		}
		q = func(i int) float32 { return float32(v[i]) }
	}
	out := make([]float32, size)
	if t.Layout == "rows" {
		k := size / len(scale)
		for i := range out {
			out[i] = q(i) * scale[i/k]
		}
		return out, t.DType, nil
	}
	n := t.Shape[0]
	k := t.Shape[1] * t.Shape[2] * t.Shape[3]
	kp := kernels.PaddedK2(k)
	for o := range n {
		p, j := o/kernels.PanelN, o%kernels.PanelN
		for kk := range k {
			out[p*k*kernels.PanelN+kk*kernels.PanelN+j] = q(p*kernels.PanelN*kp+(kk/2)*2*kernels.PanelN+j*2+kk%2) * scale[o]
		}
	}
	return out, t.DType, nil
}

func weightCount(f *modelfile.File, name string) int {
	t, err := f.Tensor(name + ".w")
	if err != nil {
		return 0
	}
	c := 1
	for _, d := range t.Shape {
		c *= d
	}
	return c
}

// centredLogits are the logits less their mean, from the probabilities
// (log p differs from the logits by one constant per image).
func centredLogits(m *engine.Model, photo []byte) ([]float64, error) {
	classes := m.Meta().Classes
	r, err := m.ClassifyImage(photo, classes)
	if err != nil {
		return nil, err
	}
	l := make([]float64, classes)
	var mean float64
	for _, p := range r.Top {
		l[p.Index] = math.Log(max(float64(p.Prob), 1e-38))
		mean += l[p.Index]
	}
	mean /= float64(classes)
	for i := range l {
		l[i] -= mean
	}
	return l, nil
}

func relErr(ref, x []float64) float64 {
	var num, den float64
	for i := range ref {
		num += (ref[i] - x[i]) * (ref[i] - x[i])
		den += ref[i] * ref[i]
	}
	return math.Sqrt(num / max(den, 1e-300))
}
