// Package resnet is the network: configuration and weights read from a model
// file, run state allocated once, and a forward pass that reads like the
// architecture — stem, stages of residual blocks, head.
package resnet

import (
	"fmt"

	"github.com/inbrowser-ai/resnet/engine/kernels"
	"github.com/inbrowser-ai/resnet/engine/modelfile"
)

// conv is one convolution with BatchNorm folded in. Exactly one of wq
// (int8, O8K2), wq16 (int16, O8K2: a wide layer of an int8 model) and wf
// (float32, O8K1) is set.
type conv struct {
	name                    string
	in, out, k, stride, pad int
	kdim                    int       // k·k·in: the GEMM's K
	lda                     int       // row length of its im2col rows (K padded to pairs for int8)
	wq                      []int8    // [PaddedN(out)/8][lda/2][8][2]
	wq16                    []int16   // the same layout, for a wide layer
	wscale                  []float32 // [out] int8 (or int16) weight scales
	wsum                    []int32   // [out] row sums, for the stem's zero-point input
	wf                      []float32 // [PaddedN(out)/8][kdim][8]
	wino                    []int16   // Winograd-domain weights of a stride-1 3×3 int8 conv, or nil
	levels                  int32     // int8: its input is quantised to 0…levels (levels.go)
	wideMax                 int       // the largest |wq16|
	bias                    []float32 // [out]
}

// block is a residual block: conv3 is nil for a basic block, down is nil for
// an identity shortcut.
type block struct {
	conv1, conv2, conv3 *conv
	down                *conv
}

// Net is a ResNet ready to run.
type Net struct {
	Meta            *modelfile.Meta
	int8            bool
	stem            *conv // 7×7/2, followed by the 3×3/2 max-pool
	stages          [][]block
	fcWq            []int8    // [classes][features] int8 rows
	fcWq16          []int16   // the same, for a wide classifier
	fcWf            []float32 // [classes][features]
	fcScale, fcBias []float32
	winograd        bool // run stride-1 3×3 convs as Winograd F(2×2, 3×3)
	recomputeMax    bool // quantize ignores the maxima the epilogues tracked (tests)
	observe         ConvInputs
	run             state
}

// ConvInputs sees a convolution's input as its GEMM reads it: m rows of
// k·k·in values (HWC im2col order, zeros where the kernel overhangs the
// border), row i at rows[i*k:]. The slice is the Net's, valid only during
// the call.
type ConvInputs func(layer string, rows []float32, m, k int)

// ObserveConvInputs has every later Forward of a float32 model call f with
// each convolution's input, before the convolution runs (nil: no longer).
// The converter calibrates the int8 model with it; int8 models ignore it.
func (n *Net) ObserveConvInputs(f ConvInputs) { n.observe = f }

// New builds a Net over a parsed model file. Weights stay in the file's
// bytes; nothing is copied but the small per-channel vectors a kernel needs.
func New(f *modelfile.File) (*Net, error) {
	m := f.Meta
	n := &Net{Meta: m, int8: m.Quant == modelfile.Int8}
	specs := map[string]modelfile.Conv{}
	for _, c := range m.Convs {
		specs[c.Name] = c
	}
	load := func(want modelfile.ConvShape) (*conv, error) {
		s, ok := specs[want.Name]
		if !ok {
			return nil, fmt.Errorf("resnet: model has no convolution %q", want.Name)
		}
		if s.In != want.In || s.Out != want.Out || s.K != want.K || s.Stride != want.Stride || s.Pad != want.Pad {
			return nil, fmt.Errorf("resnet: %s is %d→%d k%d/%d pad %d, the architecture needs %d→%d k%d/%d pad %d",
				want.Name, s.In, s.Out, s.K, s.Stride, s.Pad, want.In, want.Out, want.K, want.Stride, want.Pad)
		}
		return n.loadConv(f, s)
	}
	var err error
	stem, stages := modelfile.Architecture(m.Block, m.Stride, m.Stages, m.Width)
	if n.stem, err = load(stem); err != nil {
		return nil, err
	}
	if n.int8 {
		if n.stem.wq16 != nil {
			n.stem.wsum = kernels.RowSumsO8K2(n.stem.wq16, n.stem.out, n.stem.lda)
		} else {
			n.stem.wsum = kernels.RowSumsO8K2(n.stem.wq, n.stem.out, n.stem.lda)
		}
	}
	for _, stage := range stages {
		var blocks []block
		for _, bs := range stage {
			var b block
			if b.conv1, err = load(bs.Conv1); err != nil {
				return nil, err
			}
			if b.conv2, err = load(bs.Conv2); err != nil {
				return nil, err
			}
			if bs.Conv3 != nil {
				if b.conv3, err = load(*bs.Conv3); err != nil {
					return nil, err
				}
			}
			if bs.Down != nil {
				if b.down, err = load(*bs.Down); err != nil {
					return nil, err
				}
			}
			blocks = append(blocks, b)
		}
		n.stages = append(n.stages, blocks)
	}
	in := m.Features()
	if len(specs) != countConvs(n) {
		return nil, fmt.Errorf("resnet: model lists %d convolutions, the architecture has %d", len(specs), countConvs(n))
	}
	if err := n.loadFC(f, in); err != nil {
		return nil, err
	}
	if err := n.checkValues(); err != nil {
		return nil, err
	}
	if n.int8 {
		n.setLevels()
	}
	n.SetWinograd(true)
	return n, nil
}

// SetWinograd chooses how int8 stride-1 3×3 convolutions run: Winograd
// F(2×2, 3×3) (the default; 2.25× fewer multiplies) or im2col and a GEMM.
// Both give bit-identical results (kernels/winograd.go says why). The
// Winograd weights, 16/9 as many values at twice the width, are made on a
// layer's first use and kept; a host that classifies one image per instance
// (the edge) does better without them.
func (n *Net) SetWinograd(on bool) {
	n.winograd = on && n.int8
	n.run = state{} // the workspaces depend on it
}

// winogradable is whether c can run as Winograd F(2×2, 3×3): an int8
// stride-1 3×3 layer, or a wide one whose weights are small enough for
// their transforms to fit int16 (the converter writes them so); a wider one
// takes im2col and a GEMM whether Winograd is on or not.
func (c *conv) winogradable() bool {
	return (c.wq != nil || c.wq16 != nil && c.wideMax <= kernels.WinogradWideMax) &&
		c.k == 3 && c.stride == 1 && c.pad == 1 && c.in <= kernels.WinogradMaxC
}

// maxAbs is the largest |w|.
func maxAbs(w []int16) int {
	// Branch-free abs and a rarely taken branch: Go's max compiles to
	// branches in WebAssembly, and this runs over every wide weight at load.
	var m int32
	for _, v := range w {
		a := int32(v)
		a = (a ^ a>>31) - a>>31
		if a > m {
			m = a
		}
	}
	return int(m)
}

func (n *Net) eachConv(f func(*conv)) {
	f(n.stem)
	for _, s := range n.stages {
		for _, b := range s {
			for _, x := range []*conv{b.conv1, b.conv2, b.conv3, b.down} {
				if x != nil {
					f(x)
				}
			}
		}
	}
}

func countConvs(n *Net) int {
	c := 0
	n.eachConv(func(*conv) { c++ })
	return c
}

func (n *Net) loadConv(f *modelfile.File, s modelfile.Conv) (*conv, error) {
	c := &conv{name: s.Name, in: s.In, out: s.Out, k: s.K, stride: s.Stride, pad: s.Pad, kdim: s.K * s.K * s.In}
	shape := []int{s.Out, s.K, s.K, s.In}
	var t *modelfile.Tensor
	var err error
	if n.int8 {
		if t, err = f.Tensor(s.Name + ".w"); err != nil {
			return nil, err
		}
		if t.DType == "i16" {
			c.wq16, t, err = f.Int16(s.Name + ".w")
			c.wideMax = maxAbs(c.wq16)
		} else {
			c.wq, t, err = f.Int8(s.Name + ".w")
		}
		if err != nil {
			return nil, err
		}
		if err := wantTensor(t, "o8k2", shape); err != nil {
			return nil, err
		}
		c.lda = kernels.PaddedK2(c.kdim)
		if c.wscale, err = vector(f, s.Name+".scale", s.Out); err != nil {
			return nil, err
		}
	} else {
		if c.wf, t, err = f.Float32(s.Name + ".w"); err != nil {
			return nil, err
		}
		if err := wantTensor(t, "o8k1", shape); err != nil {
			return nil, err
		}
		c.lda = c.kdim
	}
	if c.bias, err = vector(f, s.Name+".bias", s.Out); err != nil {
		return nil, err
	}
	return c, nil
}

func (n *Net) loadFC(f *modelfile.File, features int) error {
	classes := n.Meta.Classes
	if features != n.Meta.Features() {
		return fmt.Errorf("resnet: %d features, the model says %d", features, n.Meta.Features())
	}
	shape := []int{classes, features}
	var t *modelfile.Tensor
	var err error
	if n.int8 {
		if t, err = f.Tensor("fc.w"); err != nil {
			return err
		}
		if t.DType == "i16" {
			n.fcWq16, t, err = f.Int16("fc.w")
		} else {
			n.fcWq, t, err = f.Int8("fc.w")
		}
		if err != nil {
			return err
		}
		if n.fcScale, err = vector(f, "fc.scale", classes); err != nil {
			return err
		}
	} else if n.fcWf, t, err = f.Float32("fc.w"); err != nil {
		return err
	}
	if err := wantTensor(t, "rows", shape); err != nil {
		return err
	}
	n.fcBias, err = vector(f, "fc.bias", classes)
	return err
}

func vector(f *modelfile.File, name string, n int) ([]float32, error) {
	v, t, err := f.Float32(name)
	if err != nil {
		return nil, err
	}
	if err := wantTensor(t, "rows", []int{n}); err != nil {
		return nil, err
	}
	return v, nil
}

func wantTensor(t *modelfile.Tensor, layout string, shape []int) error {
	ok := t.Layout == layout && len(t.Shape) == len(shape)
	for i := 0; ok && i < len(shape); i++ {
		ok = t.Shape[i] == shape[i]
	}
	if !ok {
		return fmt.Errorf("resnet: tensor %s is %s %v, want %s %v", t.Name, t.Layout, t.Shape, layout, shape)
	}
	return nil
}
