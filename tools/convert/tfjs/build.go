package tfjs

import (
	"fmt"

	"github.com/inbrowser-ai/resnet/engine/modelfile"
	"github.com/inbrowser-ai/resnet/tools/convert/net"
)

// build turns the plan into a network with weights: shapes checked against
// the layer configs, Keras layouts transposed to torchvision's, names given
// by position in the graph.
func build(p *plan, s *store) (*net.Network, error) {
	n := &net.Network{Pre: modelfile.CaffePreprocess}
	var err error
	if n.Stem, err = convFrom(p.stem, "conv1", s); err != nil {
		return nil, err
	}
	if err := shape(n, p); err != nil {
		return nil, err
	}
	bi := 0
	for si, stage := range n.Stages {
		for b := range stage {
			bp := p.blocks[bi]
			bi++
			prefix := fmt.Sprintf("layer%d.%d.", si+1, b)
			convs := []**net.Conv{&stage[b].Conv1, &stage[b].Conv2, &stage[b].Conv3}
			for i, u := range bp.main {
				if *convs[i], err = convFrom(u, fmt.Sprintf("%sconv%d", prefix, i+1), s); err != nil {
					return nil, err
				}
			}
			if bp.short != nil {
				if stage[b].Downsample, err = convFrom(bp.short, prefix+"downsample", s); err != nil {
					return nil, err
				}
			}
		}
	}
	if n.FC, err = denseFrom(p, s); err != nil {
		return nil, err
	}
	if err := s.unused(); err != nil {
		return nil, err
	}
	depth, err := n.Depth()
	if err != nil {
		return nil, err
	}
	n.Name = fmt.Sprintf("resnet%d-keras", depth)
	return n, nil
}

// shape classifies the blocks (basic or bottleneck, where the stride sits)
// and groups them into stages: a stage starts at each block that strides.
func shape(n *net.Network, p *plan) error {
	if len(p.blocks) == 0 {
		return fmt.Errorf("no residual blocks between the stem and the pooling")
	}
	for i, b := range p.blocks {
		kind, err := blockKind(b)
		if err != nil {
			return fmt.Errorf("block %d: %w", i+1, err)
		}
		if i == 0 {
			n.Block = kind
		} else if kind != n.Block {
			return fmt.Errorf("block %d is %s, block 1 %s: mixed block kinds", i+1, kind, n.Block)
		}
		at, stride := -1, 1
		for j, u := range b.main {
			if u.pad != (u.k-1)/2 {
				return fmt.Errorf("block %d: %q is %d×%d with padding %d; a residual branch keeps the size (padding %d)", i+1, u.conv.Name, u.k, u.k, u.pad, (u.k-1)/2)
			}
			if u.stride != 1 {
				if at >= 0 {
					return fmt.Errorf("block %d strides twice (%q and %q)", i+1, b.main[at].conv.Name, u.conv.Name)
				}
				at, stride = j, u.stride
			}
		}
		shortStride := 1
		if b.short != nil {
			shortStride = b.short.stride
		} else if b.in != b.out {
			return fmt.Errorf("block %d changes %d to %d channels with an identity shortcut", i+1, b.in, b.out)
		}
		if shortStride != stride {
			return fmt.Errorf("block %d: main branch strides %d, shortcut %d", i+1, stride, shortStride)
		}
		if stride == 1 {
			if i == 0 {
				n.Stages = append(n.Stages, nil)
			}
		} else {
			if i == 0 {
				return fmt.Errorf("block 1 strides; the first stage runs at the max-pool's resolution")
			}
			var placed modelfile.StridePlacement
			switch {
			case n.Block == modelfile.Basic && at == 0:
				// Basic blocks stride on their first 3×3, as torchvision does.
				placed = modelfile.StrideOn3x3
			case n.Block == modelfile.Bottleneck && at == 0:
				placed = modelfile.StrideOn1x1
			case n.Block == modelfile.Bottleneck && at == 1:
				placed = modelfile.StrideOn3x3
			default:
				return fmt.Errorf("block %d strides on its convolution %d (%q), which no ResNet does", i+1, at+1, b.main[at].conv.Name)
			}
			if n.Stride != "" && n.Stride != placed {
				return fmt.Errorf("block %d strides as %s, earlier blocks as %s", i+1, placed, n.Stride)
			}
			n.Stride = placed
			n.Stages = append(n.Stages, nil)
		}
		n.Stages[len(n.Stages)-1] = append(n.Stages[len(n.Stages)-1], net.Block{})
	}
	if n.Stride == "" {
		return fmt.Errorf("no block strides: not an ImageNet ResNet")
	}
	return nil
}

func blockKind(b *blockPlan) (modelfile.BlockKind, error) {
	ks := make([]int, len(b.main))
	for i, u := range b.main {
		ks[i] = u.k
	}
	switch {
	case len(ks) == 2 && ks[0] == 3 && ks[1] == 3:
		return modelfile.Basic, nil
	case len(ks) == 3 && ks[0] == 1 && ks[1] == 3 && ks[2] == 1:
		return modelfile.Bottleneck, nil
	}
	return "", fmt.Errorf("main branch kernels %v are neither basic (3,3) nor bottleneck (1,3,1)", ks)
}

// convFrom reads a unit's weights. Keras stores kernels HWIO
// [k][k][in][out]; net wants OIHW.
func convFrom(u *convUnit, name string, s *store) (*net.Conv, error) {
	c := &net.Conv{Name: name, Out: u.out, In: u.in, K: u.k, Stride: u.stride, Pad: u.pad}
	hwio, err := s.take(u.conv.Name+"/kernel", u.k, u.k, u.in, u.out)
	if err != nil {
		return nil, err
	}
	c.Weight = make([]float32, len(hwio))
	kk := u.k * u.k
	for y := 0; y < u.k; y++ {
		for x := 0; x < u.k; x++ {
			for i := 0; i < u.in; i++ {
				src := hwio[((y*u.k+x)*u.in+i)*u.out:][:u.out]
				for o, v := range src {
					c.Weight[(o*u.in+i)*kk+y*u.k+x] = v
				}
			}
		}
	}
	if u.useBias {
		if c.Bias, err = s.take(u.conv.Name+"/bias", u.out); err != nil {
			return nil, err
		}
	}
	if u.bn != nil {
		if c.BN, err = bnFrom(u, s); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// bnFrom reads a BatchNormalization layer; without scale (center) Keras
// stores no gamma (beta) and uses 1 (0).
func bnFrom(u *convUnit, s *store) (*net.BatchNorm, error) {
	name, cfg := u.bn.Name, u.bnCfg
	bn := &net.BatchNorm{Eps: float32(*cfg.Epsilon)}
	var err error
	if cfg.Scale == nil || *cfg.Scale {
		if bn.Gamma, err = s.take(name+"/gamma", u.out); err != nil {
			return nil, err
		}
	} else {
		bn.Gamma = fill(u.out, 1)
	}
	if cfg.Center == nil || *cfg.Center {
		if bn.Beta, err = s.take(name+"/beta", u.out); err != nil {
			return nil, err
		}
	} else {
		bn.Beta = fill(u.out, 0)
	}
	if bn.Mean, err = s.take(name+"/moving_mean", u.out); err != nil {
		return nil, err
	}
	if bn.Var, err = s.take(name+"/moving_variance", u.out); err != nil {
		return nil, err
	}
	for c, v := range bn.Var {
		if !(float64(v)+float64(bn.Eps) > 0) {
			return nil, fmt.Errorf("layer %q channel %d: variance %v + epsilon %v is not positive", name, c, v, bn.Eps)
		}
	}
	return bn, nil
}

// denseFrom reads the classifier; Keras stores [in][out], net [out][in].
func denseFrom(p *plan, s *store) (net.Dense, error) {
	d := net.Dense{Out: p.units, In: p.feat}
	io, err := s.take(p.dense.Name+"/kernel", p.feat, p.units)
	if err != nil {
		return d, err
	}
	d.Weight = make([]float32, len(io))
	for i := 0; i < p.feat; i++ {
		for o, v := range io[i*p.units:][:p.units] {
			d.Weight[o*p.feat+i] = v
		}
	}
	if p.bias {
		if d.Bias, err = s.take(p.dense.Name+"/bias", p.units); err != nil {
			return d, err
		}
	} else {
		d.Bias = fill(p.units, 0)
	}
	return d, nil
}

func fill(n int, v float32) []float32 {
	out := make([]float32, n)
	for i := range out {
		out[i] = v
	}
	return out
}
