package resnet

import (
	"fmt"
	"math"

	"github.com/inbrowser-ai/resnet/engine/kernels"
)

// MinSide and MaxSide bound the input size Forward accepts: below 32 pixels
// the last stage has no pixel left; above, activations outgrow a browser
// tab's memory.
const (
	MinSide = 32
	MaxSide = 2048
)

// Forward runs the network on one preprocessed image, HWC float32 (h×w×3,
// the model's channel order), and returns the logits before softmax. The
// returned slice is owned by the Net and valid until the next call.
func (n *Net) Forward(img []float32, h, w int) ([]float32, error) {
	if h < MinSide || w < MinSide || h > MaxSide || w > MaxSide {
		return nil, fmt.Errorf("resnet: input %d×%d outside %d…%d pixels a side", w, h, MinSide, MaxSide)
	}
	if len(img) != h*w*3 {
		return nil, fmt.Errorf("resnet: input has %d values, %d×%d×3 needs %d", len(img), h, w, h*w*3)
	}
	s := &n.run
	s.reserve(n, h, w)

	// stem: conv 7×7/2 + ReLU, max-pool 3×3/2
	in := &s.in
	in.h, in.w, in.c, in.f = h, w, 3, img
	n.quantize(in, n.stem.levels, true)
	n.conv(n.stem, in, &s.t1, nil, true)
	s.x.h, s.x.w = kernels.MaxPool3x3s2(s.x.buf, s.t1.f, s.t1.h, s.t1.w, s.t1.c)
	s.x.c = s.t1.c
	s.x.f = s.x.buf[:s.x.h*s.x.w*s.x.c]
	s.x.hasMax = false

	// stages of residual blocks
	for _, stage := range n.stages {
		for i := range stage {
			n.block(&stage[i], s)
		}
	}

	// F, the last stage's output (after its ReLU): kept until the next
	// call, for class activation maps (cam.go)
	f := &s.x

	// head: global average pool, fully connected
	kernels.GlobalAvgPool(s.feat, f.f, f.h*f.w, f.c)
	if n.int8 {
		n.denseInt(s.logits, 0, n.Meta.Classes, n.fcBias, s.feat)
	} else {
		kernels.DenseF32(s.logits, n.fcWf, n.fcBias, s.feat)
	}
	return s.logits, nil
}

// block is one residual block: s.x in, s.x out.
//
//	basic:      out = relu(conv2(relu(conv1(x))) + shortcut(x))
//	bottleneck: out = relu(conv3(relu(conv2(relu(conv1(x))))) + shortcut(x))
func (n *Net) block(b *block, s *state) {
	x := &s.x
	n.quantize(x, inputLevels(b.conv1, b.down), false)
	shortcut := x // identity
	if b.down != nil {
		n.conv(b.down, x, &s.sc, nil, false) // 1×1 projection where the shape changes
		shortcut = &s.sc
	}
	n.conv(b.conv1, x, &s.t1, nil, true)
	n.quantize(&s.t1, b.conv2.levels, false)
	last, h := b.conv2, &s.t1
	if b.conv3 != nil {
		n.conv(b.conv2, &s.t1, &s.t2, nil, true)
		n.quantize(&s.t2, b.conv3.levels, false)
		last, h = b.conv3, &s.t2
	}
	n.conv(last, h, &s.out, shortcut, true)
	s.x, s.out = s.out, s.x
}

// conv applies c to in, writing out (f32), with the residual added before
// the optional ReLU.
func (n *Net) conv(c *conv, in, out *tensor, residual *tensor, relu bool) {
	oh, ow := c.outSize(in.h, in.w)
	out.h, out.w, out.c = oh, ow, c.out
	out.f = out.buf[:oh*ow*c.out]
	m := oh * ow
	ep := kernels.Epilogue{Bias: c.bias, ReLU: relu}
	if residual != nil {
		ep.Residual = residual.f
	}
	s := &n.run
	out.hasMax = false
	direct := c.k == 1 && c.stride == 1 && c.lda == in.c // a 1×1 conv is a GEMM on the tensor itself
	// stride-1 3×3 (its input follows a ReLU: zero point 0)
	if n.winograd && c.winogradable() {
		n.applyWinograd(c, in, out, &ep)
		return
	}
	if n.int8 {
		a := in.q
		if !direct {
			a = s.col[:m*c.lda]
			kernels.Im2col(a, c.lda, in.q, in.h, in.w, in.c, c.k, c.stride, c.pad, uint16(in.zp))
		}
		ep.Scale, ep.ZeroPoint, ep.WSum = n.scales(c, in), in.zp, c.wsum
		n.trackMax(out, m, func(worker, r0, r1 int, mx *float32) {
			e := ep.Rows(r0, c.out)
			e.Max = mx
			if c.wq16 != nil {
				kernels.GemmU16S16(out.f[r0*c.out:], c.out, a[r0*c.lda:], c.lda, r1-r0, c.lda, c.wq16, c.out, &e, s.ws[worker])
			} else {
				kernels.GemmU16S8(out.f[r0*c.out:], c.out, a[r0*c.lda:], c.lda, r1-r0, c.lda, c.wq, c.out, &e, s.ws[worker])
			}
		})
		return
	}
	a := in.f
	if !direct {
		a = s.colf[:m*c.lda]
		kernels.Im2col(a, c.lda, in.f, in.h, in.w, in.c, c.k, c.stride, c.pad, 0)
	}
	if n.observe != nil {
		n.observe(c.name, a, m, c.lda)
	}
	parallelRows(m, func(_, r0, r1 int) {
		e := ep.Rows(r0, c.out)
		kernels.GemmF32(out.f[r0*c.out:], c.out, a[r0*c.lda:], c.lda, r1-r0, c.lda, c.wf, c.out, &e)
	})
}

// applyWinograd is conv for stride-1 3×3 layers: the same epilogue on the
// same integers, with the tiles split between the workers.
func (n *Net) applyWinograd(c *conv, in, out *tensor, ep *kernels.Epilogue) {
	s := &n.run
	if c.wino == nil && c.wq16 != nil {
		c.wino = kernels.WinogradWeightsWide(c.wq16, c.out, c.in)
	} else if c.wino == nil {
		c.wino = kernels.WinogradWeights(c.wq, c.out, c.in)
	}
	ep.Scale = n.scales(c, in)
	tiles, _ := kernels.WinogradTiles(in.h, in.w)
	n.trackMax(out, tiles, func(worker, t0, t1 int, mx *float32) {
		e := *ep
		e.Max = mx
		kernels.Conv3x3Winograd(out.f, in.q, in.h, in.w, in.c, c.wino, c.out, &e, t0, t1, s.wino[worker])
	})
}

// trackMax is parallelRows for an int8 conv writing out: each worker keeps
// its own running maximum of what it writes, and out learns their maximum,
// which spares quantize a pass over the tensor.
func (n *Net) trackMax(out *tensor, m int, f func(worker, r0, r1 int, mx *float32)) {
	s := &n.run
	for i := range s.maxes {
		s.maxes[i] = float32(math.Inf(-1))
	}
	parallelRows(m, func(worker, r0, r1 int) { f(worker, r0, r1, &s.maxes[worker]) })
	out.max, out.hasMax = s.maxes[0], true
	for _, v := range s.maxes[1:] {
		out.max = max(out.max, v)
	}
}

// scales are the per-channel factors from an int8 conv's accumulators to
// real values: activation scale × weight scale.
func (n *Net) scales(c *conv, in *tensor) []float32 {
	scale := n.run.scale[:c.out]
	for i, ws := range c.wscale {
		scale[i] = in.scale * ws
	}
	return scale
}

// quantize fills t.q from t.f for int8 models, with values 0…qmax
// (levels.go): zero point 0 after a ReLU; for the signed network input, zero
// point qmax/2 and that many levels each side.
func (n *Net) quantize(t *tensor, qmax int32, signed bool) {
	if !n.int8 {
		return
	}
	t.q = t.qbuf[:len(t.f)]
	var levels, amax float32
	if signed {
		t.zp = qmax / 2
		levels, amax = float32(t.zp), kernels.MaxAbsF32(t.f)
	} else if t.hasMax && !n.recomputeMax {
		t.zp, levels, amax = 0, float32(qmax), t.max
	} else {
		t.zp, levels, amax = 0, float32(qmax), kernels.MaxF32(t.f)
	}
	if amax == 0 {
		amax = levels // all zero: any scale represents it exactly
	}
	t.scale = amax / levels
	kernels.QuantizeU16(t.q, t.f, levels/amax, t.zp, qmax)
}

func (c *conv) outSize(h, w int) (int, int) {
	return (h+2*c.pad-c.k)/c.stride + 1, (w+2*c.pad-c.k)/c.stride + 1
}

// denseInt is the int8 model's classifier on classes k0…k1 (int8 or wide
// rows) into out, with the given biases.
func (n *Net) denseInt(out []float32, k0, k1 int, bias, x []float32) {
	c := len(x)
	if n.fcWq16 != nil {
		kernels.DenseI16(out, n.fcWq16[k0*c:k1*c], n.fcScale[k0:k1], bias, x)
		return
	}
	kernels.DenseI8(out, n.fcWq[k0*c:k1*c], n.fcScale[k0:k1], bias, x)
}

// Reserve allocates the run state for h×w inputs now rather than on the
// first Forward, so that a host measuring its memory before a request (the
// edge worker's decode budget) sees the state already in it. Forward of
// another size reallocates.
func (n *Net) Reserve(h, w int) { n.run.reserve(n, h, w) }
