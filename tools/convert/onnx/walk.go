package onnx

import (
	"fmt"

	"github.com/inbrowser-ai/resnet/engine/modelfile"
	"github.com/inbrowser-ai/resnet/tools/convert/net"
	pb "github.com/inbrowser-ai/resnet/tools/convert/onnx/onnxpb"
)

// The walk follows data flow from the image input, so node and initializer
// names (which exporters are free to mangle, e.g. "onnx::Conv_193" once
// BatchNorm is folded) never matter: names are given from the structure.

// conv reads the Conv node c and the BatchNormalization that directly
// follows it, if any. It returns the value the unit produces.
func (g *graph) conv(c *pb.NodeProto) (*net.Conv, string, error) {
	a := attributes(c)
	if grp := a.int("group", 1); grp != 1 {
		return nil, "", fmt.Errorf("Conv %q: group %d (grouped convolutions are not in a ResNet)", c.GetName(), grp)
	}
	if d, err := a.square("dilations", 1); err != nil || d != 1 {
		return nil, "", fmt.Errorf("Conv %q: dilation must be 1 (%v)", c.GetName(), a.ints("dilations"))
	}
	stride, err := a.square("strides", 1)
	if err != nil {
		return nil, "", fmt.Errorf("Conv %q: %w", c.GetName(), err)
	}
	pad, err := a.pads()
	if err != nil {
		return nil, "", fmt.Errorf("Conv %q: %w", c.GetName(), err)
	}
	w, dims, err := g.floats(g.input(c, 1))
	if err != nil {
		return nil, "", fmt.Errorf("Conv %q weight: %w", c.GetName(), err)
	}
	if len(dims) != 4 || dims[2] != dims[3] || dims[0] == 0 || dims[1] == 0 {
		return nil, "", fmt.Errorf("Conv %q: weight dims %v, want [out in k k]", c.GetName(), dims)
	}
	k := dims[2]
	if ks, err := a.square("kernel_shape", int64(k)); err != nil || ks != k {
		return nil, "", fmt.Errorf("Conv %q: kernel_shape %v does not match weight dims %v", c.GetName(), a.ints("kernel_shape"), dims)
	}
	if pad != k/2 {
		return nil, "", fmt.Errorf("Conv %q: %d×%d kernel with padding %d, a ResNet pads %d", c.GetName(), k, k, pad, k/2)
	}
	cv := &net.Conv{Out: dims[0], In: dims[1], K: k, Stride: stride, Pad: pad, Weight: w}
	if b := g.input(c, 2); b != "" {
		if cv.Bias, err = g.vector(b, cv.Out); err != nil {
			return nil, "", fmt.Errorf("Conv %q bias: %w", c.GetName(), err)
		}
	}
	out, err := output(c)
	if err != nil {
		return nil, "", err
	}
	bn, ok := g.only(out, "BatchNormalization")
	if !ok {
		return cv, out, nil
	}
	if cv.BN, err = g.batchNorm(bn, cv.Out); err != nil {
		return nil, "", err
	}
	out, err = output(bn)
	return cv, out, err
}

func (g *graph) batchNorm(n *pb.NodeProto, ch int) (*net.BatchNorm, error) {
	a := attributes(n)
	if a.int("training_mode", 0) != 0 {
		return nil, fmt.Errorf("BatchNormalization %q is in training mode", n.GetName())
	}
	if a.int("spatial", 1) != 1 {
		return nil, fmt.Errorf("BatchNormalization %q: spatial=0 is not supported", n.GetName())
	}
	for i := 1; i < len(n.GetOutput()); i++ {
		if o := n.GetOutput()[i]; o != "" && len(g.consumers[o]) > 0 {
			return nil, fmt.Errorf("BatchNormalization %q: running statistics outputs are used", n.GetName())
		}
	}
	bn := &net.BatchNorm{Eps: a.float("epsilon", 1e-5)}
	if !(bn.Eps >= 0 && bn.Eps < 1) {
		return nil, fmt.Errorf("BatchNormalization %q: epsilon %v", n.GetName(), bn.Eps)
	}
	var err error
	for i, dst := range []*[]float32{&bn.Gamma, &bn.Beta, &bn.Mean, &bn.Var} {
		if *dst, err = g.vector(g.input(n, i+1), ch); err != nil {
			return nil, fmt.Errorf("BatchNormalization %q input %d: %w", n.GetName(), i+1, err)
		}
	}
	for i, v := range bn.Var {
		if !(v >= 0) {
			return nil, fmt.Errorf("BatchNormalization %q: variance[%d] = %v", n.GetName(), i, v)
		}
	}
	return bn, nil
}

// vector reads a constant of n values (any shape with n elements).
func (g *graph) vector(name string, n int) ([]float32, error) {
	if name == "" {
		return nil, fmt.Errorf("missing input")
	}
	v, _, err := g.floats(name)
	if err != nil {
		return nil, err
	}
	if len(v) != n {
		return nil, fmt.Errorf("%q has %d values, want %d", name, len(v), n)
	}
	return v, nil
}

// relu steps over the Relu that must be the only reader of value.
func (g *graph) relu(value, after string) (string, error) {
	r, ok := g.only(value, "Relu")
	if !ok {
		return "", fmt.Errorf("%s is not followed by a Relu alone (%s)", after, g.describe(value))
	}
	return output(r)
}

// describe names what reads value, for error messages.
func (g *graph) describe(value string) string {
	c := g.consumers[g.resolve(value)]
	if len(c) == 0 {
		return "nothing reads it"
	}
	s := "read by"
	for _, n := range c {
		s += " " + n.GetOpType()
	}
	return s
}

// walk maps the graph onto a ResNet.
func walk(g *graph, input string) (*net.Network, error) {
	n := &net.Network{Pre: modelfile.TorchvisionPreprocess}
	first, ok := g.only(input, "Conv")
	if !ok {
		return nil, fmt.Errorf("the input is not read by a single Conv (%s)", g.describe(input))
	}
	stem, x, err := g.conv(first)
	if err != nil {
		return nil, err
	}
	if stem.In != 3 || stem.K != 7 || stem.Stride != 2 {
		return nil, fmt.Errorf("stem is %d→%d %d×%d/%d, want a 3-channel 7×7/2 convolution", stem.In, stem.Out, stem.K, stem.K, stem.Stride)
	}
	stem.Name = "conv1"
	n.Stem = stem
	if x, err = g.relu(x, "the stem"); err != nil {
		return nil, err
	}
	if x, err = g.maxPool(x); err != nil {
		return nil, err
	}

	ch := stem.Out
	var blocks []*net.Block
	for {
		if _, ok := g.only(x, "GlobalAveragePool", "ReduceMean"); ok {
			break
		}
		if len(blocks) > 256 {
			return nil, fmt.Errorf("more than 256 residual blocks")
		}
		blk, next, err := g.block(x, ch, len(blocks))
		if err != nil {
			return nil, fmt.Errorf("residual block %d: %w", len(blocks)+1, err)
		}
		blocks = append(blocks, blk)
		ch, x = out(blk), next
	}
	if err := stages(n, blocks); err != nil {
		return nil, err
	}
	if n.FC, err = g.head(x, ch); err != nil {
		return nil, err
	}
	return n, nil
}

func (g *graph) maxPool(x string) (string, error) {
	p, ok := g.only(x, "MaxPool")
	if !ok {
		return "", fmt.Errorf("the stem is not followed by a MaxPool alone (%s)", g.describe(x))
	}
	a := attributes(p)
	k, err1 := a.square("kernel_shape", 0)
	s, err2 := a.square("strides", 1)
	pad, err3 := a.pads()
	d, err4 := a.square("dilations", 1)
	if err1 != nil || err2 != nil || err3 != nil || err4 != nil || k != 3 || s != 2 || pad != 1 || d != 1 ||
		a.int("ceil_mode", 0) != 0 || a.int("storage_order", 0) != 0 {
		return "", fmt.Errorf("MaxPool %q is not 3×3/2 with padding 1", p.GetName())
	}
	if len(p.GetOutput()) > 1 && p.GetOutput()[1] != "" {
		return "", fmt.Errorf("MaxPool %q: indices output is not supported", p.GetName())
	}
	return output(p)
}

// block reads one residual block starting at value x with ch channels: a
// main branch of two (basic) or three (bottleneck) conv units joined by Relus,
// a shortcut that is x itself or one 1×1 conv unit, their Add, and a Relu.
func (g *graph) block(x string, ch, index int) (*net.Block, string, error) {
	readers := g.consumers[g.resolve(x)]
	if len(readers) != 2 {
		return nil, "", fmt.Errorf("block input is %s; want a main branch and a shortcut", g.describe(x))
	}
	var branches [2][]*net.Conv
	var adds [2]*pb.NodeProto
	for i, r := range readers {
		convs, add, err := g.branch(r)
		if err != nil {
			return nil, "", err
		}
		branches[i], adds[i] = convs, add
	}
	if adds[0] != adds[1] {
		return nil, "", fmt.Errorf("the two branches end at different Add nodes")
	}
	main, short := branches[0], branches[1]
	if len(main) < len(short) {
		main, short = short, main
	}
	if len(main) < 2 || len(main) > 3 || len(short) > 1 {
		return nil, "", fmt.Errorf("branches of %d and %d convolutions; want 2 or 3, and 0 or 1", len(main), len(short))
	}
	blk := &net.Block{Conv1: main[0], Conv2: main[1]}
	if len(main) == 3 {
		blk.Conv3 = main[2]
	}
	if len(short) == 1 {
		blk.Downsample = short[0]
	}
	// Channel bookkeeping: each convolution reads what the previous gave.
	prev := ch
	for _, c := range main {
		if c.In != prev {
			return nil, "", fmt.Errorf("a convolution reads %d channels but is given %d", c.In, prev)
		}
		prev = c.Out
	}
	if d := blk.Downsample; d != nil {
		if d.In != ch || d.Out != prev || d.K != 1 {
			return nil, "", fmt.Errorf("shortcut convolution %d→%d %d×%d does not map %d to %d channels with a 1×1", d.In, d.Out, d.K, d.K, ch, prev)
		}
	} else if prev != ch {
		return nil, "", fmt.Errorf("identity shortcut but the block maps %d to %d channels", ch, prev)
	}
	sum, err := output(adds[0])
	if err != nil {
		return nil, "", err
	}
	next, err := g.relu(sum, "the residual Add")
	return blk, next, err
}

// branch follows conv units (Conv [BatchNormalization], Relu between them)
// from the node r until an Add. A branch that is the Add itself is an
// identity shortcut.
func (g *graph) branch(r *pb.NodeProto) ([]*net.Conv, *pb.NodeProto, error) {
	var convs []*net.Conv
	for len(convs) <= 3 {
		switch r.GetOpType() {
		case "Add":
			if len(r.GetInput()) != 2 {
				return nil, nil, fmt.Errorf("Add %q with %d inputs", r.GetName(), len(r.GetInput()))
			}
			return convs, r, nil
		case "Conv":
		default:
			return nil, nil, fmt.Errorf("unexpected %s node %q inside a residual block", r.GetOpType(), r.GetName())
		}
		c, out, err := g.conv(r)
		if err != nil {
			return nil, nil, err
		}
		convs = append(convs, c)
		if add, ok := g.only(out, "Add"); ok {
			r = add
			continue
		}
		if out, err = g.relu(out, "a convolution inside a block"); err != nil {
			return nil, nil, err
		}
		next, ok := g.only(out, "Conv")
		if !ok {
			return nil, nil, fmt.Errorf("a Relu inside a block is %s, want one Conv", g.describe(out))
		}
		r = next
	}
	return nil, nil, fmt.Errorf("more than 3 convolutions on one branch")
}

func out(b *net.Block) int {
	if b.Conv3 != nil {
		return b.Conv3.Out
	}
	return b.Conv2.Out
}
