// Package report explains an int8 model's error: it quantises one layer at
// a time — that layer's int8 weights and its 8-bit input, everything else
// in f32 — and measures how far the logits move from the f32 model's, so
// that one can see where precision is lost.
package report

import (
	"fmt"
	"io"
	"math"

	"github.com/inbrowser-ai/resnet/engine/modelfile"
	"github.com/inbrowser-ai/resnet/engine/resnet"
	"github.com/inbrowser-ai/resnet/tools/convert/encode"
	"github.com/inbrowser-ai/resnet/tools/convert/net"
)

// Row is one layer's share of the error, over the report's images.
type Row struct {
	Layer  string
	RelErr float64 // mean of ‖logits − f32 logits‖ / ‖f32 logits‖
	MinCos float64 // the worst image's cosine to the f32 logits
}

// Layers quantises each layer of n alone (convolutions in forward order,
// then "fc") and compares with the f32 network on inputs (side×side×3
// each). ranges are the calibrated input ceilings (calib.Ranges). A
// projection shortcut's row is its weights only: its input is its block's
// conv1's, counted there.
func Layers(n *net.Network, src modelfile.Source, ranges map[string]float32, inputs [][]float32, side int) ([]Row, error) {
	crop := side
	ref, err := encode.Float(n, src)
	if err != nil {
		return nil, err
	}
	want := make([][]float32, len(inputs))
	for i, in := range inputs {
		l, err := ref.Forward(in, crop, crop)
		if err != nil {
			return nil, err
		}
		want[i] = append([]float32(nil), l...)
	}
	var rows []Row
	err = each(n, func(layer string, down bool) error {
		f, err := encode.FloatQuantized(n, src, layer)
		if err != nil {
			return err
		}
		if !down && layer != "fc" {
			f.Observe(fakeQuant(n, layer, ranges[layer]))
		}
		r, err := compare(f, inputs, want, crop)
		if err != nil {
			return err
		}
		r.Layer = layer
		rows = append(rows, r)
		return nil
	})
	return rows, err
}

// Whole compares a complete (int8) network with the f32 one, for the
// table's last row.
func Whole(q *resnet.Net, n *net.Network, src modelfile.Source, inputs [][]float32, side int) (Row, error) {
	ref, err := encode.Float(n, src)
	if err != nil {
		return Row{}, err
	}
	want := make([][]float32, len(inputs))
	for i, in := range inputs {
		l, err := ref.Forward(in, side, side)
		if err != nil {
			return Row{}, err
		}
		want[i] = append([]float32(nil), l...)
	}
	r, err := compare(q, inputs, want, side)
	r.Layer = "whole int8 model"
	return r, err
}

// Print writes rows as a Markdown table.
func Print(w io.Writer, rows []Row, images, side int) {
	fmt.Fprintf(w, "| layer (weights + input quantised alone; %d images, %d×%d) | mean relative logit error | worst cosine |\n|---|---:|---:|\n", images, side, side)
	for _, r := range rows {
		fmt.Fprintf(w, "| %s | %.3f %% | %.5f |\n", r.Layer, 100*r.RelErr, r.MinCos)
	}
}

func each(n *net.Network, f func(layer string, down bool) error) error {
	if err := f(n.Stem.Name, false); err != nil {
		return err
	}
	for _, s := range n.Stages {
		for _, b := range s {
			for _, c := range []*net.Conv{b.Conv1, b.Conv2, b.Conv3, b.Downsample} {
				if c != nil {
					if err := f(c.Name, c == b.Downsample); err != nil {
						return err
					}
				}
			}
		}
	}
	return f("fc", false)
}

// fakeQuant rounds the named layer's input to the int8 engine's levels:
// the stem's over the recipe's input range, the others over [0, min(ceiling,
// max)].
func fakeQuant(n *net.Network, layer string, ceiling float32) func(string, []float32) []float32 {
	var buf []float32
	return func(conv string, x []float32) []float32 {
		if conv != layer {
			return nil
		}
		var lo, hi float64
		if layer == n.Stem.Name {
			for c := range 3 {
				p := n.Pre
				a, b := float64((0-p.Mean[c])/p.Std[c]), float64((255-p.Mean[c])/p.Std[c])
				lo, hi = min(lo, a, b), max(hi, a, b)
			}
		} else {
			for _, v := range x {
				hi = max(hi, float64(v))
			}
			hi = min(hi, float64(ceiling))
		}
		if hi == lo {
			return nil
		}
		step := (hi - lo) / 255
		zp := math.Round(-lo / step)
		buf = append(buf[:0], x...)
		for i, v := range x {
			q := max(0, min(255, math.Round(float64(v)/step+zp)))
			buf[i] = float32((q - zp) * step)
		}
		return buf
	}
}

func compare(f *resnet.Net, inputs, want [][]float32, crop int) (Row, error) {
	r := Row{MinCos: 1}
	for i, in := range inputs {
		got, err := f.Forward(in, crop, crop)
		if err != nil {
			return r, err
		}
		var d, g, wn, dot float64
		for j, v := range want[i] {
			e := float64(got[j]) - float64(v)
			d += e * e
			wn += float64(v) * float64(v)
			g += float64(got[j]) * float64(got[j])
			dot += float64(got[j]) * float64(v)
		}
		r.RelErr += math.Sqrt(d/wn) / float64(len(inputs))
		r.MinCos = min(r.MinCos, dot/math.Sqrt(g*wn))
	}
	return r, nil
}
