// Package net is the source-independent description of a ResNet that every
// checkpoint reader (TF.js, PyTorch .pth, ONNX) produces and the encoder
// consumes. It is float32, unfolded (BatchNorm kept beside its convolution)
// and named in torchvision's terms, so that a reader only has to map its own
// names and layouts onto these, and the rest of the converter is shared.
package net

import (
	"fmt"

	"github.com/inbrowser-ai/resnet/engine/modelfile"
)

// BatchNorm holds inference-time batch-normalisation parameters:
// y = (x - Mean) / sqrt(Var + Eps) * Gamma + Beta, per channel.
type BatchNorm struct {
	Gamma, Beta, Mean, Var []float32
	Eps                    float32
}

// Conv is a 2-D convolution with square kernel and symmetric zero padding,
// optionally followed by a BatchNorm.
type Conv struct {
	Name           string    // torchvision-style: "conv1", "layer2.0.conv1", "layer2.0.downsample"
	Out, In        int       // channels
	K, Stride, Pad int       // square kernel, stride, symmetric padding
	Weight         []float32 // [Out][In][K][K] (PyTorch OIHW order)
	Bias           []float32 // [Out], nil when the convolution has none
	BN             *BatchNorm
}

// Block is one residual block. Conv3 is nil for a basic block; Downsample is
// nil where the shortcut is the identity.
type Block struct {
	Conv1, Conv2, Conv3 *Conv
	Downsample          *Conv
}

// Network is a whole ResNet as read from a checkpoint.
type Network struct {
	Name   string
	Block  modelfile.BlockKind
	Stride modelfile.StridePlacement // where a bottleneck's stride-2 sits (basic blocks: always the first 3×3)
	Stem   *Conv                     // 7×7/2 with pad 3; the 3×3/2 max-pool (pad 1) follows it
	Stages [][]Block                 // four stages
	FC     Dense
	Pre    modelfile.Preprocess
	Labels []string // Classes entries, index order
}

// Dense is the final fully-connected layer.
type Dense struct {
	Out, In int
	Weight  []float32 // [Out][In]
	Bias    []float32 // [Out]
}

// Depths maps (block kind, blocks per stage) to the standard ResNet depth.
var Depths = []struct {
	Block  modelfile.BlockKind
	Stages [4]int
	Depth  int
}{
	{modelfile.Basic, [4]int{2, 2, 2, 2}, 18},
	{modelfile.Basic, [4]int{3, 4, 6, 3}, 34},
	{modelfile.Bottleneck, [4]int{3, 4, 6, 3}, 50},
	{modelfile.Bottleneck, [4]int{3, 4, 23, 3}, 101},
	{modelfile.Bottleneck, [4]int{3, 8, 36, 3}, 152},
}

// Depth returns the standard depth of n, or an error naming what is not a
// standard ImageNet ResNet.
func (n *Network) Depth() (int, error) {
	if len(n.Stages) != 4 {
		return 0, fmt.Errorf("net: %d stages, a ResNet has 4", len(n.Stages))
	}
	var got [4]int
	for i, s := range n.Stages {
		got[i] = len(s)
	}
	for _, d := range Depths {
		if d.Block == n.Block && d.Stages == got {
			return d.Depth, nil
		}
	}
	return 0, fmt.Errorf("net: %s blocks per stage %v is not ResNet-18/34/50/101/152", n.Block, got)
}

// Convs lists the convolutions in forward order: the stem, then per block
// conv1, conv2, conv3, downsample (those present).
func (n *Network) Convs() []*Conv {
	var out []*Conv
	if n.Stem != nil {
		out = append(out, n.Stem)
	}
	for _, s := range n.Stages {
		for _, b := range s {
			for _, c := range []*Conv{b.Conv1, b.Conv2, b.Conv3, b.Downsample} {
				if c != nil {
					out = append(out, c)
				}
			}
		}
	}
	return out
}
