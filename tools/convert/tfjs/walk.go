package tfjs

import (
	"fmt"
)

// plan is the ResNet found in the graph, before any weight is read.
type plan struct {
	stem   *convUnit
	blocks []*blockPlan
	dense  *layerJSON
	units  int  // classes
	bias   bool // the Dense layer has a bias
	feat   int  // features into the Dense layer
}

// blockPlan is one residual block: main branch convolutions in order and
// the projection shortcut (nil for identity).
type blockPlan struct {
	main    []*convUnit
	short   *convUnit
	in, out int
}

// walk follows the graph from the input: stem, residual blocks until the
// global average pool, then the classifier. Every layer must be reached
// exactly once.
func (g *graph) walk() (*plan, error) {
	p := &plan{}
	if err := g.visit(g.input); err != nil {
		return nil, err
	}
	if err := checkInput(g.input.l); err != nil {
		return nil, err
	}
	x, err := g.stem(p)
	if err != nil {
		return nil, err
	}
	c := p.stem.out
	for {
		if len(x.out) == 1 && x.out[0].class() == "GlobalAveragePooling2D" {
			break
		}
		if len(x.out) != 2 {
			if len(x.out) == 1 {
				return nil, fmt.Errorf("layer %q feeds only %s %q: a residual block's input also feeds its shortcut", x.l.Name, x.out[0].class(), x.out[0].l.Name)
			}
			return nil, fmt.Errorf("layer %q feeds %d layers; a residual block's input feeds exactly two (main branch and shortcut)", x.l.Name, len(x.out))
		}
		b, next, err := g.block(x, c)
		if err != nil {
			return nil, err
		}
		p.blocks = append(p.blocks, b)
		x, c = next, b.out
	}
	if err := g.head(p, x.out[0], c); err != nil {
		return nil, err
	}
	for _, n := range g.order {
		if !g.seen[n] {
			return nil, fmt.Errorf("layer %q (%s) is not on the ResNet's path from input to output", n.l.Name, n.class())
		}
	}
	return p, nil
}

func checkInput(l *layerJSON) error {
	var c inputConfig
	if err := decodeConfig(l, &c); err != nil {
		return err
	}
	shape := c.BatchInputShape
	if shape == nil {
		shape = c.BatchShape
	}
	if len(shape) != 4 {
		return fmt.Errorf("input %q has shape of rank %d, want [batch, height, width, 3]", l.Name, len(shape))
	}
	if shape[3] == nil || *shape[3] != 3 {
		return fmt.Errorf("input %q does not have 3 channels last", l.Name)
	}
	return nil
}

// stem reads conv 7×7/2 (pad 3) + BN + ReLU and the 3×3/2 max-pool with
// padding 1, which is what the engine runs. Keras pads the pool with zeros
// where torchvision pads with -inf; after a ReLU the two are the same.
func (g *graph) stem(p *plan) (*node, error) {
	first, err := g.only(g.input)
	if err != nil {
		return nil, err
	}
	u, err := g.convUnit(first, 3)
	if err != nil {
		return nil, fmt.Errorf("stem: %w", err)
	}
	if u.k != 7 || u.stride != 2 || u.pad != 3 || !u.relu {
		return nil, fmt.Errorf("stem convolution %q is %d×%d/%d pad %d (relu %v); want 7×7/2 pad 3 followed by ReLU", u.conv.Name, u.k, u.k, u.stride, u.pad, u.relu)
	}
	p.stem = u
	n, err := g.only(u.last)
	if err != nil {
		return nil, err
	}
	pad := 0
	if n.class() == "ZeroPadding2D" {
		if err := g.visit(n); err != nil {
			return nil, err
		}
		if pad, err = zeroPadding(n.l); err != nil {
			return nil, err
		}
		if n, err = g.only(n); err != nil {
			return nil, err
		}
	}
	if n.class() != "MaxPooling2D" {
		return nil, unexpected(n, "after the stem where a max-pool is expected")
	}
	if err := g.visit(n); err != nil {
		return nil, err
	}
	var c poolConfig
	if err := decodeConfig(n.l, &c); err != nil {
		return nil, err
	}
	if err := checkChannelsLast(n.l, c.DataFormat); err != nil {
		return nil, err
	}
	k, err := c.PoolSize.square("max-pool size")
	if err != nil {
		return nil, err
	}
	s := k
	if c.Strides != nil {
		if s, err = c.Strides.square("max-pool strides"); err != nil {
			return nil, err
		}
	}
	if k != 3 || s != 2 || c.Padding != "valid" || pad != 1 {
		return nil, fmt.Errorf("max-pool %q is %d×%d/%d, padding %q after zero padding %d; the engine runs 3×3/2 with padding 1 (ZeroPadding2D(1) + 'valid')", n.l.Name, k, k, s, c.Padding, pad)
	}
	return n, nil
}

// block reads the residual block whose input is x (c channels) and returns
// it with the ReLU after its Add, the next block's input.
func (g *graph) block(x *node, c int) (*blockPlan, *node, error) {
	var branches [][]*convUnit
	var ends []*node // per consumer of x: the Add it reaches
	for _, n := range x.out {
		if n.class() == "Add" {
			ends = append(ends, n)
			continue
		}
		units, add, err := g.branch(n, c)
		if err != nil {
			return nil, nil, err
		}
		branches = append(branches, units)
		ends = append(ends, add)
	}
	if ends[0] != ends[1] {
		return nil, nil, fmt.Errorf("the two paths from %q end at different layers (%q, %q), not one residual Add", x.l.Name, ends[0].l.Name, ends[1].l.Name)
	}
	add := ends[0]
	b := &blockPlan{in: c}
	switch {
	case len(branches) == 1:
		b.main = branches[0]
	case len(branches) == 2 && len(branches[0]) == 1 && len(branches[1]) > 1:
		b.short, b.main = branches[0][0], branches[1]
	case len(branches) == 2 && len(branches[1]) == 1 && len(branches[0]) > 1:
		b.short, b.main = branches[1][0], branches[0]
	default:
		return nil, nil, fmt.Errorf("cannot tell the main branch from the shortcut of the block after %q", x.l.Name)
	}
	if err := g.visit(add); err != nil {
		return nil, nil, err
	}
	if len(add.in) != 2 {
		return nil, nil, fmt.Errorf("Add %q has %d inputs; a residual Add has 2", add.l.Name, len(add.in))
	}
	b.out = b.main[len(b.main)-1].out
	shortOut := c
	if b.short != nil {
		if b.short.k != 1 || b.short.pad != 0 || b.short.relu {
			return nil, nil, fmt.Errorf("shortcut %q is not a 1×1 projection without padding or ReLU", b.short.conv.Name)
		}
		shortOut = b.short.out
	}
	if shortOut != b.out {
		return nil, nil, fmt.Errorf("Add %q joins %d and %d channels", add.l.Name, b.out, shortOut)
	}
	r, err := g.only(add)
	if err != nil {
		return nil, nil, err
	}
	ok, err := isReLU(r)
	if err != nil {
		return nil, nil, err
	}
	if !ok {
		return nil, nil, unexpected(r, "after residual Add "+add.l.Name+" where a ReLU is expected")
	}
	if err := g.visit(r); err != nil {
		return nil, nil, err
	}
	return b, r, nil
}

// maxBranch bounds a main branch: a bottleneck has three convolutions.
const maxBranch = 3

// branch reads conv units from n until a residual Add; all but the last end
// in a ReLU, the last must not (the ReLU comes after the Add).
func (g *graph) branch(n *node, c int) ([]*convUnit, *node, error) {
	var units []*convUnit
	for {
		if len(units) == maxBranch {
			return nil, nil, fmt.Errorf("more than %d convolutions before a residual Add (at %q)", maxBranch, n.l.Name)
		}
		u, err := g.convUnit(n, c)
		if err != nil {
			return nil, nil, err
		}
		units = append(units, u)
		c = u.out
		next, err := g.only(u.last)
		if err != nil {
			return nil, nil, err
		}
		if next.class() == "Add" {
			if u.relu {
				return nil, nil, fmt.Errorf("ReLU %q before residual Add %q (a pre-activation ResNet v2?)", u.last.l.Name, next.l.Name)
			}
			return units, next, nil
		}
		if !u.relu {
			return nil, nil, unexpected(next, "after "+u.last.l.Name+" without a ReLU between")
		}
		n = next
	}
}

// head reads GlobalAveragePooling2D → Dense [→ Activation]. A softmax on
// the Dense layer is dropped: the engine's logits are pre-softmax and it
// applies softmax itself.
func (g *graph) head(p *plan, gap *node, c int) error {
	if err := g.visit(gap); err != nil {
		return err
	}
	var gc gapConfig
	if err := decodeConfig(gap.l, &gc); err != nil {
		return err
	}
	if err := checkChannelsLast(gap.l, gc.DataFormat); err != nil {
		return err
	}
	if gc.KeepDims {
		return fmt.Errorf("layer %q: keepdims global pooling is not supported", gap.l.Name)
	}
	d, err := g.only(gap)
	if err != nil {
		return err
	}
	if d.class() != "Dense" {
		return unexpected(d, "after global average pooling where the classifier is expected")
	}
	if err := g.visit(d); err != nil {
		return err
	}
	var dc denseConfig
	if err := decodeConfig(d.l, &dc); err != nil {
		return err
	}
	if dc.Units < 1 || dc.Units > 100000 {
		return fmt.Errorf("layer %q: %d units", d.l.Name, dc.Units)
	}
	if !outputActivation(dc.Activation) {
		return fmt.Errorf("layer %q: classifier activation %q (want softmax or linear)", d.l.Name, dc.Activation)
	}
	p.dense, p.units, p.feat = d.l, dc.Units, c
	p.bias = dc.UseBias == nil || *dc.UseBias
	last := d
	if len(d.out) == 1 && d.out[0].class() == "Activation" {
		var ac activationConfig
		if err := decodeConfig(d.out[0].l, &ac); err != nil {
			return err
		}
		if !outputActivation(ac.Activation) {
			return fmt.Errorf("layer %q: activation %q after the classifier", d.out[0].l.Name, ac.Activation)
		}
		last = d.out[0]
		if err := g.visit(last); err != nil {
			return err
		}
	}
	if len(last.out) != 0 {
		return unexpected(last.out[0], "after the classifier")
	}
	if last != g.output {
		return fmt.Errorf("the classifier ends at %q but the model's output is %q", last.l.Name, g.output.l.Name)
	}
	return nil
}

func outputActivation(a string) bool {
	return a == "softmax" || a == "linear" || a == ""
}
