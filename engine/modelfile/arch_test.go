package modelfile

import (
	"fmt"
	"testing"
)

// TestArchitecture pins the architecture against the published models:
// convolution counts (ResNet-18: 20 = stem + 16 + 3 projections; ResNet-50:
// 53 = stem + 48 + 4), the stride placement of v1 and v1.5, and the
// feature width the classifier sees.
func TestArchitecture(t *testing.T) {
	for _, c := range []struct {
		block    BlockKind
		stride   StridePlacement
		stages   [4]int
		convs    int
		features int
		stageTwo string // the first block of stage 2, as convs
	}{
		{Basic, StrideOn3x3, [4]int{2, 2, 2, 2}, 20, 512,
			"layer2.0.conv1 64→128 k3/2 p1, layer2.0.conv2 128→128 k3/1 p1, layer2.0.downsample 64→128 k1/2 p0"},
		{Bottleneck, StrideOn3x3, [4]int{3, 4, 6, 3}, 53, 2048,
			"layer2.0.conv1 256→128 k1/1 p0, layer2.0.conv2 128→128 k3/2 p1, layer2.0.conv3 128→512 k1/1 p0, layer2.0.downsample 256→512 k1/2 p0"},
		{Bottleneck, StrideOn1x1, [4]int{3, 4, 6, 3}, 53, 2048,
			"layer2.0.conv1 256→128 k1/2 p0, layer2.0.conv2 128→128 k3/1 p1, layer2.0.conv3 128→512 k1/1 p0, layer2.0.downsample 256→512 k1/2 p0"},
	} {
		t.Run(fmt.Sprintf("%s_%s", c.block, c.stride), func(t *testing.T) {
			stem, stages := Architecture(c.block, c.stride, c.stages, 64)
			if stem != (ConvShape{"conv1", 3, 64, 7, 2, 3}) {
				t.Errorf("stem %+v", stem)
			}
			convs := 1
			for si, stage := range stages {
				if len(stage) != c.stages[si] {
					t.Fatalf("stage %d has %d blocks, want %d", si+1, len(stage), c.stages[si])
				}
				for _, b := range stage {
					convs += 2
					if b.Conv3 != nil {
						convs++
					}
					if b.Down != nil {
						convs++
					}
				}
			}
			if convs != c.convs {
				t.Errorf("%d convolutions, want %d", convs, c.convs)
			}
			last := stages[3][len(stages[3])-1]
			m := Meta{Block: c.block, Width: 64}
			if last.Out() != c.features || m.Features() != c.features {
				t.Errorf("last block out %d, Features %d, want %d", last.Out(), m.Features(), c.features)
			}
			b := stages[1][0]
			var got string
			for i, cv := range []*ConvShape{&b.Conv1, &b.Conv2, b.Conv3, b.Down} {
				if cv == nil {
					continue
				}
				if i > 0 {
					got += ", "
				}
				got += fmt.Sprintf("%s %d→%d k%d/%d p%d", cv.Name, cv.In, cv.Out, cv.K, cv.Stride, cv.Pad)
			}
			if got != c.stageTwo {
				t.Errorf("stage 2, block 0:\n got %s\nwant %s", got, c.stageTwo)
			}
		})
	}
}
