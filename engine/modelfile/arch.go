package modelfile

import "strconv"

// ConvShape is one convolution as a ResNet's architecture fixes it: its
// name in model files (torchvision's), channels, kernel, stride, padding.
type ConvShape struct {
	Name                    string
	In, Out, K, Stride, Pad int
}

// BlockShape is one residual block's convolutions. Conv3 is set for
// bottleneck blocks only, Down where the shortcut is a 1×1 projection
// (the block changes shape) rather than the identity.
type BlockShape struct {
	Conv1, Conv2 ConvShape
	Conv3, Down  *ConvShape
}

// Expansion is how many times a block's inner width its output is.
func (b BlockKind) Expansion() int {
	if b == Bottleneck {
		return 4
	}
	return 1
}

// Architecture is the one statement of a ResNet's architecture: the stem
// and the blocks of each stage, every convolution in forward order (stem,
// then per block conv1, conv2, conv3, downsample), for the engine's loader,
// the converter's reference network and the model metadata alike. The
// first block of every stage but the first halves the resolution: on its
// 3×3 (torchvision "v1.5", StrideOn3x3) or its first 1×1 (Keras "v1").
func Architecture(block BlockKind, stride StridePlacement, stages [4]int, width int) (stem ConvShape, blocks [][]BlockShape) {
	stem = ConvShape{"conv1", 3, width, 7, 2, 3}
	exp := block.Expansion()
	in := width
	for si, depth := range stages {
		planes := width << si
		var stage []BlockShape
		for bi := range depth {
			s := 1
			if si > 0 && bi == 0 {
				s = 2
			}
			p := "layer" + strconv.Itoa(si+1) + "." + strconv.Itoa(bi) + "."
			var b BlockShape
			if block == Bottleneck {
				s1, s3 := 1, s
				if stride == StrideOn1x1 {
					s1, s3 = s, 1
				}
				b.Conv1 = ConvShape{p + "conv1", in, planes, 1, s1, 0}
				b.Conv2 = ConvShape{p + "conv2", planes, planes, 3, s3, 1}
				b.Conv3 = &ConvShape{p + "conv3", planes, planes * exp, 1, 1, 0}
			} else {
				b.Conv1 = ConvShape{p + "conv1", in, planes, 3, s, 1}
				b.Conv2 = ConvShape{p + "conv2", planes, planes, 3, 1, 1}
			}
			if s != 1 || in != planes*exp {
				b.Down = &ConvShape{p + "downsample", in, planes * exp, 1, s, 0}
			}
			stage = append(stage, b)
			in = planes * exp
		}
		blocks = append(blocks, stage)
	}
	return stem, blocks
}

// Out is the block's output channels.
func (b BlockShape) Out() int {
	if b.Conv3 != nil {
		return b.Conv3.Out
	}
	return b.Conv2.Out
}
