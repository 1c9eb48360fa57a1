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
// (int8, O8K2) and wf (float32, O8K1) is set.
type conv struct {
	name                    string
	in, out, k, stride, pad int
	kdim                    int       // k·k·in: the GEMM's K
	lda                     int       // row length of its im2col rows (K padded to pairs for int8)
	wq                      []int8    // [PaddedN(out)/8][lda/2][8][2]
	wscale                  []float32 // [out] int8 weight scales
	wsum                    []int32   // [out] row sums, for the stem's zero-point input
	wf                      []float32 // [PaddedN(out)/8][kdim][8]
	wino                    []int16   // Winograd-domain weights of a stride-1 3×3 int8 conv, or nil
	bias                    []float32 // [out]
	actMax                  float32   // int8: calibrated ceiling of the input (0: none)
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
	fcWf            []float32 // [classes][features]
	fcScale, fcBias []float32
	winograd        bool    // run stride-1 3×3 convs as Winograd F(2×2, 3×3)
	recomputeMax    bool    // quantize ignores the maxima the epilogues tracked (tests)
	inLo, inHi      float32 // int8: the range of the network input the recipe produces
	observe         func(conv string, x []float32) []float32
	run             state
}

// New builds a Net over a parsed model file. Weights stay in the file's
// bytes; nothing is copied but the small per-channel vectors a kernel needs.
func New(f *modelfile.File) (*Net, error) {
	m := f.Meta
	n := &Net{Meta: m, int8: m.Quant == modelfile.Int8}
	n.inLo, n.inHi = inputRange(m.Pre)
	specs := map[string]modelfile.Conv{}
	for _, c := range m.Convs {
		specs[c.Name] = c
	}
	load := func(name string, in, out, k, stride, pad int) (*conv, error) {
		s, ok := specs[name]
		if !ok {
			return nil, fmt.Errorf("resnet: model has no convolution %q", name)
		}
		if s.In != in || s.Out != out || s.K != k || s.Stride != stride || s.Pad != pad {
			return nil, fmt.Errorf("resnet: %s is %d→%d k%d/%d pad %d, the architecture needs %d→%d k%d/%d pad %d",
				name, s.In, s.Out, s.K, s.Stride, s.Pad, in, out, k, stride, pad)
		}
		return n.loadConv(f, s)
	}

	var err error
	w := m.Width
	if n.stem, err = load("conv1", 3, w, 7, 2, 3); err != nil {
		return nil, err
	}
	if n.int8 {
		n.stem.wsum = kernels.RowSumsO8K2(n.stem.wq, n.stem.out, n.stem.lda)
	}
	expansion := 1
	if m.Block == modelfile.Bottleneck {
		expansion = 4
	}
	in := w
	for si, depth := range m.Stages {
		planes := w << si
		n.stages = append(n.stages, nil)
		for bi := range depth {
			stride := 1
			if si > 0 && bi == 0 {
				stride = 2
			}
			p := fmt.Sprintf("layer%d.%d.", si+1, bi)
			var b block
			if m.Block == modelfile.Basic {
				if b.conv1, err = load(p+"conv1", in, planes, 3, stride, 1); err != nil {
					return nil, err
				}
				if b.conv2, err = load(p+"conv2", planes, planes, 3, 1, 1); err != nil {
					return nil, err
				}
			} else {
				s1, s3 := 1, stride // torchvision v1.5: stride on the 3×3
				if m.Stride == modelfile.StrideOn1x1 {
					s1, s3 = stride, 1
				}
				if b.conv1, err = load(p+"conv1", in, planes, 1, s1, 0); err != nil {
					return nil, err
				}
				if b.conv2, err = load(p+"conv2", planes, planes, 3, s3, 1); err != nil {
					return nil, err
				}
				if b.conv3, err = load(p+"conv3", planes, planes*4, 1, 1, 0); err != nil {
					return nil, err
				}
			}
			if stride != 1 || in != planes*expansion {
				if b.down, err = load(p+"downsample", in, planes*expansion, 1, stride, 0); err != nil {
					return nil, err
				}
			}
			n.stages[si] = append(n.stages[si], b)
			in = planes * expansion
		}
	}
	if len(specs) != countConvs(n) {
		return nil, fmt.Errorf("resnet: model lists %d convolutions, the architecture has %d", len(specs), countConvs(n))
	}
	if err := n.checkActMax(); err != nil {
		return nil, err
	}
	if err := n.loadFC(f, in); err != nil {
		return nil, err
	}
	n.SetWinograd(true)
	return n, nil
}

// Observe has f called with every activation that an int8 model
// quantises, just before its use, named after the convolution that reads
// it ("layer2.0.conv2"; a block's input goes by the block's conv1 — its
// projection shortcut reads the same —, the network input by the stem's
// "conv1"). f must not change x. In a float model, a non-nil slice that f
// returns (of x's length) is what the convolutions read instead, while an
// identity shortcut still adds x: that is how the converter measures what
// quantising one layer's input costs. The converter calibrates with it too.
func (n *Net) Observe(f func(conv string, x []float32) []float32) { n.observe = f }

// checkActMax: an int8 model's convolutions that read a ReLU's output have
// their calibrated ceiling, the stem none (its input range is the recipe's),
// and a block's projection shortcut shares its conv1's.
func (n *Net) checkActMax() error {
	if !n.int8 {
		return nil
	}
	if n.stem.actMax != 0 {
		return fmt.Errorf("resnet: the stem has act_max %g; its input range comes from the preprocessing", n.stem.actMax)
	}
	var err error
	for _, s := range n.stages {
		for _, b := range s {
			for _, c := range []*conv{b.conv1, b.conv2, b.conv3, b.down} {
				if c != nil && !(c.actMax > 0) && err == nil {
					err = fmt.Errorf("resnet: %s has no calibrated input range (act_max): convert the model again", c.name)
				}
			}
			if b.down != nil && b.down.actMax != b.conv1.actMax && err == nil {
				err = fmt.Errorf("resnet: %s has act_max %g, its block's conv1 %g: they read the same tensor", b.down.name, b.down.actMax, b.conv1.actMax)
			}
		}
	}
	return err
}

// inputRange is the smallest and largest network input the preprocessing
// recipe makes from 8-bit pixels.
func inputRange(p modelfile.Preprocess) (lo, hi float32) {
	for c := range 3 {
		a, b := (0-p.Mean[c])/p.Std[c], (255-p.Mean[c])/p.Std[c]
		lo, hi = min(lo, a, b), max(hi, a, b)
	}
	return lo, hi
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

// winogradable is whether c can run as Winograd F(2×2, 3×3).
func (c *conv) winogradable() bool {
	return c.wq != nil && c.k == 3 && c.stride == 1 && c.pad == 1 && c.in <= kernels.WinogradMaxC
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
	c := &conv{name: s.Name, in: s.In, out: s.Out, k: s.K, stride: s.Stride, pad: s.Pad, kdim: s.K * s.K * s.In, actMax: s.ActMax}
	shape := []int{s.Out, s.K, s.K, s.In}
	var t *modelfile.Tensor
	var err error
	if n.int8 {
		if c.wq, t, err = f.Int8(s.Name + ".w"); err != nil {
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
		if n.fcWq, t, err = f.Int8("fc.w"); err != nil {
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
