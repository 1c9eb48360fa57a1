package net

import (
	"math"

	"github.com/inbrowser-ai/resnet/engine/modelfile"
)

// Reference runs the unfolded network in float64, NCHW, the slow obvious
// way: convolution, then BatchNorm, then ReLU, exactly as PyTorch defines
// them. It is the yardstick the engine's kernels are measured against when
// no PyTorch is at hand. input is 3×h×w; the result is the logits.
func (n *Network) Reference(input []float64, h, w int) []float64 {
	x := fmap{c: 3, h: h, w: w, v: input}
	x = relu(n.Stem.apply(x))
	x = maxPool(x)
	for _, stage := range n.Stages {
		for _, b := range stage {
			sc := x
			if b.Downsample != nil {
				sc = b.Downsample.apply(x)
			}
			y := relu(b.Conv1.apply(x))
			if b.Conv3 != nil {
				y = relu(b.Conv2.apply(y))
				y = b.Conv3.apply(y)
			} else {
				y = b.Conv2.apply(y)
			}
			for i := range y.v {
				y.v[i] += sc.v[i]
			}
			x = relu(y)
		}
	}
	feat := make([]float64, x.c)
	for c := range x.c {
		var s float64
		for _, v := range x.v[c*x.h*x.w : (c+1)*x.h*x.w] {
			s += v
		}
		feat[c] = s / float64(x.h*x.w)
	}
	logits := make([]float64, n.FC.Out)
	for o := range n.FC.Out {
		s := float64(n.FC.Bias[o])
		for i, f := range feat {
			s += float64(n.FC.Weight[o*n.FC.In+i]) * f
		}
		logits[o] = s
	}
	return logits
}

type fmap struct {
	c, h, w int
	v       []float64
}

func (c *Conv) apply(x fmap) fmap {
	oh, ow := (x.h+2*c.Pad-c.K)/c.Stride+1, (x.w+2*c.Pad-c.K)/c.Stride+1
	y := fmap{c: c.Out, h: oh, w: ow, v: make([]float64, c.Out*oh*ow)}
	for o := range c.Out {
		for oy := range oh {
			for ox := range ow {
				var s float64
				if c.Bias != nil {
					s = float64(c.Bias[o])
				}
				for i := range c.In {
					for ky := range c.K {
						iy := oy*c.Stride - c.Pad + ky
						if iy < 0 || iy >= x.h {
							continue
						}
						for kx := range c.K {
							ix := ox*c.Stride - c.Pad + kx
							if ix < 0 || ix >= x.w {
								continue
							}
							s += float64(c.Weight[((o*c.In+i)*c.K+ky)*c.K+kx]) * x.v[(i*x.h+iy)*x.w+ix]
						}
					}
				}
				if bn := c.BN; bn != nil {
					s = (s-float64(bn.Mean[o]))/math.Sqrt(float64(bn.Var[o])+float64(bn.Eps))*float64(bn.Gamma[o]) + float64(bn.Beta[o])
				}
				y.v[(o*oh+oy)*ow+ox] = s
			}
		}
	}
	return y
}

func relu(x fmap) fmap {
	for i, v := range x.v {
		x.v[i] = max(v, 0)
	}
	return x
}

func maxPool(x fmap) fmap {
	oh, ow := (x.h+2-3)/2+1, (x.w+2-3)/2+1
	y := fmap{c: x.c, h: oh, w: ow, v: make([]float64, x.c*oh*ow)}
	for c := range x.c {
		for oy := range oh {
			for ox := range ow {
				m := math.Inf(-1)
				for ky := range 3 {
					for kx := range 3 {
						iy, ix := 2*oy-1+ky, 2*ox-1+kx
						if iy >= 0 && iy < x.h && ix >= 0 && ix < x.w {
							m = max(m, x.v[(c*x.h+iy)*x.w+ix])
						}
					}
				}
				y.v[(c*oh+oy)*ow+ox] = m
			}
		}
	}
	return y
}

// Random builds a seeded random network of the given shape with non-trivial
// BatchNorm statistics, for tests that need a whole network without a
// checkpoint.
func Random(block modelfile.BlockKind, stride modelfile.StridePlacement, stages [4]int, width, classes int, seed uint64) *Network {
	r := seed*2862933555777941757 + 3037000493
	next := func() float64 { // uniform in [-1, 1)
		r = r*6364136223846793005 + 1442695040888963407
		return float64(r>>11)/float64(1<<52) - 1
	}
	vec := func(n int, lo, hi float64) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(lo + (hi-lo)*(next()+1)/2)
		}
		return v
	}
	conv := func(name string, in, out, k, s, p int) *Conv {
		std := math.Sqrt(2 / float64(in*k*k))
		w := make([]float32, out*in*k*k)
		for i := range w {
			w[i] = float32(next() * std * 1.7)
		}
		return &Conv{Name: name, In: in, Out: out, K: k, Stride: s, Pad: p, Weight: w,
			BN: &BatchNorm{Gamma: vec(out, 0.5, 1.5), Beta: vec(out, -0.3, 0.3), Mean: vec(out, -0.3, 0.3), Var: vec(out, 0.5, 2), Eps: 1e-5}}
	}
	n := &Network{Name: "random", Block: block, Stride: stride, Pre: modelfile.TorchvisionPreprocess}
	// Weights are drawn in forward order: the same seed gives the same
	// network.
	shape := func(c modelfile.ConvShape) *Conv { return conv(c.Name, c.In, c.Out, c.K, c.Stride, c.Pad) }
	stem, stageShapes := modelfile.Architecture(block, stride, stages, width)
	n.Stem = shape(stem)
	for _, shapes := range stageShapes {
		var stage []Block
		for _, bs := range shapes {
			b := Block{Conv1: shape(bs.Conv1), Conv2: shape(bs.Conv2)}
			if bs.Conv3 != nil {
				b.Conv3 = shape(*bs.Conv3)
			}
			if bs.Down != nil {
				b.Downsample = shape(*bs.Down)
			}
			stage = append(stage, b)
		}
		n.Stages = append(n.Stages, stage)
	}
	last := stageShapes[len(stageShapes)-1]
	in := last[len(last)-1].Out()
	n.FC = Dense{Out: classes, In: in, Weight: vec(classes*in, -0.1, 0.1), Bias: vec(classes, -0.1, 0.1)}
	n.Labels = make([]string, classes)
	for i := range n.Labels {
		n.Labels[i] = "class " + itoa(i)
	}
	return n
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}
