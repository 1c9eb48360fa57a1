package modelfile

import (
	"fmt"
	"math"
)

// Architectures are the ImageNet ResNets a model file may describe: its
// depth is a name for a block kind and a number of blocks per stage, and
// the three must agree (2 layers per basic block, 3 per bottleneck, plus
// the stem and the classifier).
var Architectures = []struct {
	Depth  int
	Block  BlockKind
	Stages [4]int
}{
	{18, Basic, [4]int{2, 2, 2, 2}},
	{34, Basic, [4]int{3, 4, 6, 3}},
	{50, Bottleneck, [4]int{3, 4, 6, 3}},
	{101, Bottleneck, [4]int{3, 4, 23, 3}},
	{152, Bottleneck, [4]int{3, 8, 36, 3}},
}

// Bounds on the preprocessing recipe, in 0–255 pixel units. They admit
// every recipe in use (torchvision: mean ≈ 104–124, std ≈ 57; Keras
// "caffe": std 1; Inception-style: mean = std = 127.5) and keep the
// network's input finite and within ±(255 + MaxMean)/MinStd, far from
// float32's range: a file whose std is 1e-38 or mean 3e38 would turn
// every pixel into Inf or NaN.
const (
	MaxMean = 1024
	MinStd  = 1.0 / 64
	MaxStd  = 1024
)

// checkArchitecture says whether depth, block kind and stages name one of
// the Architectures.
func (m *Meta) checkArchitecture() error {
	for _, a := range Architectures {
		if a.Depth == m.Depth {
			if a.Block != m.Block || a.Stages != m.Stages {
				return fmt.Errorf("depth %d is %s blocks %v, the file says %s blocks %v", m.Depth, a.Block, a.Stages, m.Block, m.Stages)
			}
			return nil
		}
	}
	return fmt.Errorf("depth %d is not 18, 34, 50, 101 or 152", m.Depth)
}

// checkValues bounds the mean and std (NaN fails every comparison, so
// it is refused too).
func (p *Preprocess) checkValues() error {
	for c := range 3 {
		if !(math.Abs(float64(p.Mean[c])) <= MaxMean) {
			return fmt.Errorf("preprocess mean %v outside ±%d", p.Mean, MaxMean)
		}
		if !(p.Std[c] >= MinStd && p.Std[c] <= MaxStd) {
			return fmt.Errorf("preprocess std %v outside [%g, %d]", p.Std, MinStd, MaxStd)
		}
	}
	return nil
}

// checkExtent holds the length the header declares to the tensor table:
// the file ends where its last tensor ends (Write lays them out so), or
// after the JSON section's padding if it has none. A header that claims
// more bytes than its own table accounts for is refused before anything
// is allocated for them (ReadHead).
func (m *Meta) checkExtent(dataStart, fileLen int64) error {
	end := dataStart
	for _, t := range m.Tensors {
		if t.Offset < dataStart || t.Size < 0 || t.Offset > fileLen || t.Size > fileLen-t.Offset {
			return fmt.Errorf("tensor %q: bytes [%d,+%d) outside the data section [%d,%d)", t.Name, t.Offset, t.Size, dataStart, fileLen)
		}
		end = max(end, t.Offset+t.Size)
	}
	if end != fileLen {
		return fmt.Errorf("the header declares %d bytes, the tensor table ends at %d", fileLen, end)
	}
	return nil
}
