package onnx

import (
	"fmt"
	"strconv"

	"github.com/inbrowser-ai/resnet/engine/modelfile"
	"github.com/inbrowser-ai/resnet/tools/convert/net"
)

// stages groups blocks into stages (each stage starts with a projection
// shortcut, except the first of a basic ResNet), names the layers as
// torchvision does and checks that every stride and kernel sits where a
// ResNet has it, telling v1 (stride on a bottleneck's first 1×1) from v1.5
// (on its 3×3).
func stages(n *net.Network, blocks []*net.Block) error {
	if len(blocks) == 0 {
		return fmt.Errorf("no residual blocks")
	}
	n.Block = modelfile.Basic
	if blocks[0].Conv3 != nil {
		n.Block = modelfile.Bottleneck
	}
	for i, b := range blocks {
		if (b.Conv3 != nil) != (n.Block == modelfile.Bottleneck) {
			return fmt.Errorf("block %d is not a %s block like the first", i+1, n.Block)
		}
		if i == 0 || b.Downsample != nil {
			n.Stages = append(n.Stages, nil)
		}
		s := len(n.Stages) - 1
		n.Stages[s] = append(n.Stages[s], *b)
	}
	if len(n.Stages) != 4 {
		return fmt.Errorf("%d stages (blocks with a projection shortcut start one), a ResNet has 4", len(n.Stages))
	}
	n.Stride = modelfile.StrideOn3x3 // basic blocks: their first conv is the 3×3
	placed := false
	for s, stage := range n.Stages {
		for i := range stage {
			b := &stage[i]
			p := "layer" + strconv.Itoa(s+1) + "." + strconv.Itoa(i) + "."
			want := 1
			if s > 0 && i == 0 {
				want = 2
			}
			convs := []*net.Conv{b.Conv1, b.Conv2, b.Conv3}
			kernels := []int{3, 3}
			if n.Block == modelfile.Bottleneck {
				kernels = []int{1, 3, 1}
				if want == 2 {
					place := modelfile.StrideOn3x3
					if b.Conv1.Stride == 2 {
						place = modelfile.StrideOn1x1
					}
					if placed && place != n.Stride {
						return fmt.Errorf("%s strides on a different convolution than an earlier block", p)
					}
					n.Stride, placed = place, true
				}
			}
			for j, k := range kernels {
				c := convs[j]
				c.Name = p + "conv" + strconv.Itoa(j+1)
				st := 1
				if want == 2 && strideAt(n, j) {
					st = 2
				}
				if c.K != k || c.Stride != st {
					return fmt.Errorf("%s is %d×%d/%d, want %d×%d/%d", c.Name, c.K, c.K, c.Stride, k, k, st)
				}
			}
			if d := b.Downsample; d != nil {
				d.Name = p + "downsample"
				if d.Stride != want {
					return fmt.Errorf("%s has stride %d, want %d", d.Name, d.Stride, want)
				}
			} else if want == 2 {
				return fmt.Errorf("%s halves the resolution but has no projection shortcut", p)
			}
		}
	}
	return nil
}

// strideAt says whether conv j (0-based) of a down-sampling block carries the
// stride under n's placement.
func strideAt(n *net.Network, j int) bool {
	if n.Block == modelfile.Basic || n.Stride == modelfile.StrideOn1x1 {
		return j == 0
	}
	return j == 1
}

// head reads global average pooling, an optional flatten, and the fully
// connected layer (Gemm, or MatMul + Add), optionally followed by Softmax.
func (g *graph) head(x string, ch int) (net.Dense, error) {
	var fc net.Dense
	pool, _ := g.only(x, "GlobalAveragePool", "ReduceMean")
	if pool.GetOpType() == "ReduceMean" {
		axes := attributes(pool).ints("axes")
		if axes == nil && g.input(pool, 1) != "" { // opset 18 moved axes to an input
			var err error
			if axes, err = g.ints(g.input(pool, 1)); err != nil {
				return fc, fmt.Errorf("ReduceMean axes: %w", err)
			}
		}
		if len(axes) != 2 || !(axes[0] == 2 && axes[1] == 3 || axes[0] == -2 && axes[1] == -1) {
			return fc, fmt.Errorf("ReduceMean over axes %v, want the spatial axes [2 3]", axes)
		}
	}
	x, err := output(pool)
	if err != nil {
		return fc, err
	}
	if f, ok := g.only(x, "Flatten", "Reshape"); ok {
		if f.GetOpType() == "Flatten" && attributes(f).int("axis", 1) != 1 {
			return fc, fmt.Errorf("Flatten %q with axis %d, want 1", f.GetName(), attributes(f).int("axis", 1))
		}
		if x, err = output(f); err != nil {
			return fc, err
		}
	}
	dense, ok := g.only(x, "Gemm", "MatMul")
	if !ok {
		return fc, fmt.Errorf("pooled features are %s, want a Gemm or MatMul", g.describe(x))
	}
	if g.input(dense, 0) != g.resolve(x) {
		return fc, fmt.Errorf("the features are not the first operand of %s %q", dense.GetOpType(), dense.GetName())
	}
	w, dims, err := g.floats(g.input(dense, 1))
	if err != nil {
		return fc, fmt.Errorf("%s weight: %w", dense.GetOpType(), err)
	}
	if len(dims) != 2 {
		return fc, fmt.Errorf("%s weight dims %v, want 2-D", dense.GetOpType(), dims)
	}
	a := attributes(dense)
	transposed := dense.GetOpType() == "Gemm" && a.int("transB", 0) == 1 // [out in], as torch stores it
	if dense.GetOpType() == "Gemm" && (a.int("transA", 0) != 0 || a.float("alpha", 1) != 1 || a.float("beta", 1) != 1) {
		return fc, fmt.Errorf("Gemm %q with transA/alpha/beta other than 0/1/1", dense.GetName())
	}
	fc.Out, fc.In = dims[1], dims[0]
	if transposed {
		fc.Out, fc.In = dims[0], dims[1]
		fc.Weight = w
	} else {
		fc.Weight = make([]float32, len(w))
		for i := 0; i < fc.In; i++ {
			for o := 0; o < fc.Out; o++ {
				fc.Weight[o*fc.In+i] = w[i*fc.Out+o]
			}
		}
	}
	if fc.In != ch {
		return fc, fmt.Errorf("fully connected layer reads %d features, the network gives %d", fc.In, ch)
	}
	out, err := output(dense)
	if err != nil {
		return fc, err
	}
	bias := g.input(dense, 2)
	if dense.GetOpType() == "MatMul" {
		add, ok := g.only(out, "Add")
		if !ok {
			return fc, fmt.Errorf("MatMul %q is not followed by a bias Add", dense.GetName())
		}
		bias = g.input(add, 1)
		if bias == g.resolve(out) {
			bias = g.input(add, 0)
		}
		if out, err = output(add); err != nil {
			return fc, err
		}
	}
	if bias == "" {
		fc.Bias = make([]float32, fc.Out)
	} else if fc.Bias, err = g.vector(bias, fc.Out); err != nil {
		return fc, fmt.Errorf("fully connected bias: %w", err)
	}
	// Logits are the model's output; a trailing Softmax is the engine's job.
	if sm, ok := g.only(out, "Softmax"); ok {
		if out, err = output(sm); err != nil {
			return fc, err
		}
	}
	if !g.outputs[out] {
		return fc, fmt.Errorf("the fully connected layer's result is not the graph output (%s)", g.describe(out))
	}
	return fc, nil
}

// finish validates the depth and names the network.
func finish(n *net.Network) error {
	depth, err := n.Depth()
	if err != nil {
		return err
	}
	n.Name = "resnet" + strconv.Itoa(depth)
	return nil
}
