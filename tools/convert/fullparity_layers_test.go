package main

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/inbrowser-ai/resnet/engine/kernels"
	"github.com/inbrowser-ai/resnet/engine/modelfile"
	"github.com/inbrowser-ai/resnet/tools/convert/net"
)

// TestFullParityLayers says where the int8 engine loses precision on the
// full-size networks of TestFullParity (RESNET_FULL_PARITY=DIR, plus
// RESNET_FULL_PARITY_LAYERS=1: it takes minutes per network). The engine has
// no per-layer precision, so int8 weights are simulated in the f32 engine:
// each layer's weights are rounded to int8 per output channel with the
// encoder's rule (symmetric, max/127; BatchNorm folding scales a whole output
// channel, so rounding the unfolded weights is the same rounding) and run in
// f32.
//
// It logs, against PyTorch's logits: the int8 file; the f32 file with every
// layer's weights rounded (what weights alone cost; the rest is the 13-bit
// activations); and, on the images the int8 file gets worst, each layer
// alone rounded, sorted by what it costs (1 − cosine; for independent
// errors these add up to the whole). It asserts what makes the table
// trustworthy: that rounding no layer reproduces PyTorch to f32 precision.
func TestFullParityLayers(t *testing.T) {
	dir := fullParityDir(t)
	if os.Getenv("RESNET_FULL_PARITY_LAYERS") == "" {
		t.Skip("RESNET_FULL_PARITY_LAYERS is not set: the per-layer table takes minutes per network")
	}
	photos := fullPhotos(t, dir)
	const classes, per, worst = 1000, 3 * 224 * 224, 4
	for _, model := range []string{"resnet18", "resnet50"} {
		t.Run(model, func(t *testing.T) {
			in, want, batch := fullFixture(t, dir, model, len(photos))
			_, n, err := read(filepath.Join(dir, model+".pth"))
			if err != nil {
				t.Fatal(err)
			}
			if err := setLabels(n, ""); err != nil {
				t.Fatal(err)
			}
			cosines := func(got, want []float32, batch int) (worst, mean float64, top1 int) {
				worst = 1
				for i := range batch {
					_, c, same := agreement(got[i*classes:(i+1)*classes], want[i*classes:(i+1)*classes], 1, classes)
					worst, mean, top1 = min(worst, c), mean+c/float64(batch), top1+same
				}
				return worst, mean, top1
			}
			int8 := fullLogits(t, n, modelfile.Int8, in, batch)
			w, m, top1 := cosines(int8, want, batch)
			t.Logf("int8 file:                      worst cosine %.5f, mean %.5f, top-1 %d/%d", w, m, top1, batch)

			layers := roundableLayers(n)
			restore := make([][]float32, len(layers))
			for i, l := range layers {
				restore[i] = slices.Clone(*l.w)
				*l.w = roundedInt8(*l.w, l.rows)
			}
			all := fullLogits(t, n, modelfile.F32, in, batch)
			w, m, top1 = cosines(all, want, batch)
			t.Logf("f32, every layer's weights int8: worst cosine %.5f, mean %.5f, top-1 %d/%d", w, m, top1, batch)
			for i, l := range layers {
				*l.w = restore[i]
			}

			// The images int8 gets worst, to keep the per-layer runs short.
			order := make([]int, batch)
			for i := range order {
				order[i] = i
			}
			imgCos := func(i int) float64 {
				_, c, _ := agreement(int8[i*classes:(i+1)*classes], want[i*classes:(i+1)*classes], 1, classes)
				return c
			}
			slices.SortFunc(order, func(a, b int) int { return cmpFloat(imgCos(a), imgCos(b)) })
			order = order[:worst]
			var sub, subWant, subAll []float32
			for _, i := range order {
				sub = append(sub, in[i*per:(i+1)*per]...)
				subWant = append(subWant, want[i*classes:(i+1)*classes]...)
				subAll = append(subAll, all[i*classes:(i+1)*classes]...)
			}
			names := ""
			for _, i := range order {
				names += " " + photos[i]
			}
			exact := fullLogits(t, n, modelfile.F32, sub, worst)
			if w, _, _ := cosines(exact, subWant, worst); !(1-w <= 1e-6) {
				t.Fatalf("f32 without rounding: cosine %.7f, want 1 within 1e-6: the simulation is wrong", w)
			}
			_, mAll, _ := cosines(subAll, subWant, worst)

			type cost struct {
				name string
				loss float64
			}
			var costs []cost
			var sum float64
			for _, l := range layers {
				orig := *l.w
				*l.w = roundedInt8(orig, l.rows)
				got := fullLogits(t, n, modelfile.F32, sub, worst)
				*l.w = orig
				_, mc, _ := cosines(got, subWant, worst)
				costs = append(costs, cost{l.name, 1 - mc})
				sum += 1 - mc
			}
			slices.SortFunc(costs, func(a, b cost) int { return cmpFloat(b.loss, a.loss) })
			t.Logf("on the %d images int8 gets worst (%s): every layer rounded costs 1−cos %.2e; the layers alone sum to %.2e", worst, names[1:], 1-mAll, sum)
			var acc float64
			for i, c := range costs {
				acc += c.loss
				t.Logf("%2d %-22s 1−cos %.2e  (%4.1f%% of the sum, %5.1f%% cumulative)", i+1, c.name, c.loss, 100*c.loss/sum, 100*acc/sum)
			}
		})
	}
}

// layer is one weight matrix of n that int8 rounds per row (output channel).
type layer struct {
	name string
	w    *[]float32
	rows int
}

func roundableLayers(n *net.Network) []layer {
	var ls []layer
	add := func(c *net.Conv) {
		if c != nil {
			ls = append(ls, layer{c.Name, &c.Weight, c.Out})
		}
	}
	add(n.Stem)
	for _, s := range n.Stages {
		for _, b := range s {
			add(b.Conv1)
			add(b.Conv2)
			add(b.Conv3)
			add(b.Downsample)
		}
	}
	return append(ls, layer{"fc", &n.FC.Weight, n.FC.Out})
}

// roundedInt8 is w rounded as the encoder rounds it to int8, per row, and
// scaled back.
func roundedInt8(w []float32, rows int) []float32 {
	cols := len(w) / rows
	q, scale := kernels.QuantizeRowsInt8(w, rows, cols)
	out := make([]float32, len(w))
	for i, v := range q {
		out[i] = float32(v) * scale[i/cols]
	}
	return out
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
