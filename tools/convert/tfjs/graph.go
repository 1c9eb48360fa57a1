package tfjs

import (
	"encoding/json"
	"fmt"
)

// node is one Keras layer with its edges in both directions.
type node struct {
	l   *layerJSON
	in  []*node
	out []*node // consumers, in the order the layers are listed
}

func (n *node) class() string { return n.l.ClassName }

// graph is the Keras functional graph. The walker below follows its edges
// from the input and never trusts layer names: Keras numbers its automatic
// names (activation_12, add_3) per session, and other exporters name freely.
type graph struct {
	nodes  map[string]*node
	order  []*node
	input  *node
	output *node
	seen   map[*node]bool
}

func newGraph(mc *modelConfig) (*graph, error) {
	g := &graph{nodes: map[string]*node{}, seen: map[*node]bool{}}
	layers := mc.Config.Layers
	if len(layers) == 0 {
		return nil, fmt.Errorf("model config has no layers")
	}
	for i := range layers {
		l := &layers[i]
		if l.Name == "" {
			return nil, fmt.Errorf("layer %d has no name", i)
		}
		if _, dup := g.nodes[l.Name]; dup {
			return nil, fmt.Errorf("two layers are named %q", l.Name)
		}
		n := &node{l: l}
		g.nodes[l.Name] = n
		g.order = append(g.order, n)
	}
	for _, n := range g.order {
		names, err := inboundNames(n.l)
		if err != nil {
			return nil, err
		}
		for _, name := range names {
			src, ok := g.nodes[name]
			if !ok {
				return nil, fmt.Errorf("layer %q takes its input from %q, which is not a layer of the model", n.l.Name, name)
			}
			n.in = append(n.in, src)
			src.out = append(src.out, n)
		}
	}
	var err error
	if g.input, err = g.endpoint(mc.Config.InputLayers, "input"); err != nil {
		return nil, err
	}
	if g.output, err = g.endpoint(mc.Config.OutputLayers, "output"); err != nil {
		return nil, err
	}
	if g.input.class() != "InputLayer" || len(g.input.in) != 0 {
		return nil, fmt.Errorf("model input %q is a %s, not an InputLayer", g.input.l.Name, g.input.class())
	}
	return g, nil
}

func (g *graph) endpoint(refs [][]json.RawMessage, what string) (*node, error) {
	if len(refs) != 1 {
		return nil, fmt.Errorf("model has %d %s layers; a classifier has one", len(refs), what)
	}
	name, err := endpointName(refs[0])
	if err != nil {
		return nil, fmt.Errorf("model %s: %w", what, err)
	}
	n, ok := g.nodes[name]
	if !ok {
		return nil, fmt.Errorf("model %s %q is not a layer of the model", what, name)
	}
	return n, nil
}

// visit marks n as consumed by the walker. Reaching a layer twice means the
// graph has a cycle or joins branches somewhere other than a residual Add.
func (g *graph) visit(n *node) error {
	if g.seen[n] {
		return fmt.Errorf("layer %q is reached twice: branching other than a residual block", n.l.Name)
	}
	g.seen[n] = true
	return nil
}

// only returns the single consumer of n.
func (g *graph) only(n *node) (*node, error) {
	if len(n.out) != 1 {
		return nil, fmt.Errorf("layer %q feeds %d layers where a ResNet has a single path", n.l.Name, len(n.out))
	}
	return n.out[0], nil
}

func unexpected(n *node, where string) error {
	return fmt.Errorf("layer %q (%s) %s: not part of a ResNet this reader knows", n.l.Name, n.class(), where)
}

// isReLU says whether n is a plain ReLU, as an Activation layer or a ReLU
// layer with its defaults (no cap, no leak, no threshold).
func isReLU(n *node) (bool, error) {
	switch n.class() {
	case "Activation":
		var c activationConfig
		if err := decodeConfig(n.l, &c); err != nil {
			return false, err
		}
		return c.Activation == "relu", nil
	case "ReLU":
		var c reluConfig
		if err := decodeConfig(n.l, &c); err != nil {
			return false, err
		}
		if c.MaxValue != nil || c.NegativeSlope != 0 || c.Threshold != 0 {
			return false, fmt.Errorf("layer %q: ReLU with max_value/negative_slope/threshold is not a plain ReLU", n.l.Name)
		}
		return true, nil
	}
	return false, nil
}

// convUnit is [ZeroPadding2D] Conv2D [BatchNormalization] [ReLU]: one
// convolution as the engine runs it.
type convUnit struct {
	conv           *layerJSON
	useBias        bool
	bn             *layerJSON // nil without BatchNormalization
	bnCfg          bnConfig
	k, stride, pad int
	in, out        int
	relu           bool
	last           *node // the layer whose output is the unit's output
}

// convUnit reads a unit starting at n, whose input has in channels.
func (g *graph) convUnit(n *node, in int) (*convUnit, error) {
	u := &convUnit{in: in}
	padded := false
	if n.class() == "ZeroPadding2D" {
		if err := g.visit(n); err != nil {
			return nil, err
		}
		p, err := zeroPadding(n.l)
		if err != nil {
			return nil, err
		}
		u.pad, padded = p, true
		if n, err = g.only(n); err != nil {
			return nil, err
		}
	}
	if n.class() != "Conv2D" {
		return nil, unexpected(n, "where a convolution is expected")
	}
	if err := g.visit(n); err != nil {
		return nil, err
	}
	if err := u.readConv(n.l, padded); err != nil {
		return nil, err
	}
	u.last = n
	if len(n.out) == 1 && n.out[0].class() == "BatchNormalization" {
		if u.relu {
			return nil, fmt.Errorf("layer %q: ReLU inside the convolution before BatchNormalization cannot be folded", n.l.Name)
		}
		bn := n.out[0]
		if err := g.visit(bn); err != nil {
			return nil, err
		}
		if err := u.readBN(bn.l); err != nil {
			return nil, err
		}
		u.last = bn
	}
	if !u.relu && len(u.last.out) == 1 {
		r, err := isReLU(u.last.out[0])
		if err != nil {
			return nil, err
		}
		if r {
			if err := g.visit(u.last.out[0]); err != nil {
				return nil, err
			}
			u.relu, u.last = true, u.last.out[0]
		}
	}
	return u, nil
}

func (u *convUnit) readConv(l *layerJSON, padded bool) error {
	var c convConfig
	if err := decodeConfig(l, &c); err != nil {
		return err
	}
	if err := checkChannelsLast(l, c.DataFormat); err != nil {
		return err
	}
	var err error
	if u.k, err = c.KernelSize.square("layer " + l.Name + " kernel_size"); err != nil {
		return err
	}
	u.stride = 1
	if c.Strides != nil {
		if u.stride, err = c.Strides.square("layer " + l.Name + " strides"); err != nil {
			return err
		}
	}
	if u.stride > 2 {
		return fmt.Errorf("layer %q: stride %d (ResNets stride by 1 or 2)", l.Name, u.stride)
	}
	if c.DilationRate != nil && *c.DilationRate != (pair{1, 1}) {
		return fmt.Errorf("layer %q: dilated convolution %v is not supported", l.Name, *c.DilationRate)
	}
	if c.Groups > 1 {
		return fmt.Errorf("layer %q: grouped convolution (%d groups) is not supported", l.Name, c.Groups)
	}
	if c.Filters < 1 || c.Filters > 1<<16 {
		return fmt.Errorf("layer %q: %d filters", l.Name, c.Filters)
	}
	u.out = c.Filters
	switch c.Padding {
	case "valid":
	case "same":
		if padded {
			return fmt.Errorf("layer %q: 'same' padding after a ZeroPadding2D", l.Name)
		}
		// TensorFlow's 'same' pads k-s in total (k-1 when the input size is
		// not a multiple of s), the extra pixel at the bottom/right. That is
		// symmetric, whatever the input size, only for a 1×1 kernel or for
		// stride 1 with an odd kernel; the engine pads symmetrically.
		switch {
		case u.k == 1:
		case u.stride == 1 && u.k%2 == 1:
			u.pad = (u.k - 1) / 2
		default:
			return fmt.Errorf("layer %q: 'same' padding of a %d×%d stride-%d convolution is asymmetric in TensorFlow; the engine pads symmetrically", l.Name, u.k, u.k, u.stride)
		}
	default:
		return fmt.Errorf("layer %q: padding %q", l.Name, c.Padding)
	}
	switch c.Activation {
	case "", "linear":
	case "relu":
		u.relu = true
	default:
		return fmt.Errorf("layer %q: activation %q inside a convolution", l.Name, c.Activation)
	}
	u.useBias = c.UseBias == nil || *c.UseBias
	u.conv = l
	return nil
}

func (u *convUnit) readBN(l *layerJSON) error {
	var c bnConfig
	if err := decodeConfig(l, &c); err != nil {
		return err
	}
	// Channels are the last axis of an NHWC tensor: 3, or -1.
	if c.Axis != nil && *c.Axis != 3 && *c.Axis != -1 {
		return fmt.Errorf("layer %q: batch normalisation over axis %d, want the channel axis 3", l.Name, *c.Axis)
	}
	if c.Epsilon == nil {
		e := 1e-3 // Keras's default
		c.Epsilon = &e
	}
	if !(*c.Epsilon >= 0) || *c.Epsilon > 1 {
		return fmt.Errorf("layer %q: epsilon %v out of range", l.Name, *c.Epsilon)
	}
	u.bn, u.bnCfg = l, c
	return nil
}
