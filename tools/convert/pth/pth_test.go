package pth

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/inbrowser-ai/resnet/engine/modelfile"
	"github.com/inbrowser-ai/resnet/tools/convert/net"
)

// Fixtures are made by testdata/parity/gen.py (seeded, reduced-width
// torchvision ResNets; see testdata/parity/README.md).
const parity = "../../../testdata/parity/"

func TestReadTorchvisionFixtures(t *testing.T) {
	for _, tc := range []struct {
		file   string
		depth  int
		block  modelfile.BlockKind
		width  int
		stride string // the conv that carries layer2.0's stride 2
	}{
		{"resnet18-w8.pth", 18, modelfile.Basic, 8, "conv1"},
		{"resnet50-w4.pth", 50, modelfile.Bottleneck, 4, "conv2"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			n, err := Read(parity + tc.file)
			if err != nil {
				t.Fatal(err)
			}
			if d, err := n.Depth(); err != nil || d != tc.depth || n.Block != tc.block {
				t.Fatalf("depth %d (%v), block %s; want %d %s", d, err, n.Block, tc.depth, tc.block)
			}
			if n.Stride != modelfile.StrideOn3x3 || n.Pre != modelfile.TorchvisionPreprocess || n.Labels != nil {
				t.Errorf("stride %s, pre %+v, labels %d", n.Stride, n.Pre, len(n.Labels))
			}
			s := n.Stem
			if s.Name != "conv1" || s.In != 3 || s.Out != tc.width || s.K != 7 || s.Stride != 2 || s.Pad != 3 || s.BN == nil || s.BN.Eps != 1e-5 {
				t.Errorf("stem %+v", *s)
			}
			expansion := 1
			if tc.block == modelfile.Bottleneck {
				expansion = 4
			}
			if n.FC.In != tc.width*8*expansion || n.FC.Out != 1000 || len(n.FC.Weight) != 1000*n.FC.In || len(n.FC.Bias) != 1000 {
				t.Errorf("fc %d→%d", n.FC.In, n.FC.Out)
			}
			for s, stage := range n.Stages {
				for i, b := range stage {
					down := s > 0 && i == 0
					for _, c := range []*net.Conv{b.Conv1, b.Conv2, b.Conv3, b.Downsample} {
						if c == nil {
							continue
						}
						want := 1
						if down && (strings.HasSuffix(c.Name, "."+tc.stride) || strings.HasSuffix(c.Name, "downsample")) {
							want = 2
						}
						if c.Stride != want || c.Pad != c.K/2 || len(c.Weight) != c.Out*c.In*c.K*c.K || c.BN == nil || len(c.BN.Var) != c.Out || c.Bias != nil {
							t.Errorf("%s: stride %d (want %d) pad %d k %d", c.Name, c.Stride, want, c.Pad, c.K)
						}
					}
				}
			}
			if d := n.Stages[1][0].Downsample; d == nil || d.Name != "layer2.0.downsample" {
				t.Errorf("layer2.0 downsample %+v", d)
			}
			if got := n.Stages[3][len(n.Stages[3])-1].Conv2.Name; !strings.HasPrefix(got, "layer4.") {
				t.Errorf("last block named %q", got)
			}
		})
	}
}

// TestTensorViews checks dtype widening and strided views against values
// torch wrote (gen.py reader_fixtures).
func TestTensorViews(t *testing.T) {
	b, err := os.ReadFile("testdata/views.pth")
	if err != nil {
		t.Fatal(err)
	}
	c, err := load(bytes.NewReader(b), int64(len(b)), defaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	entries, err := dictEntries(c.obj)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]*tensor{}
	var all []*tensor
	for _, e := range entries {
		got[e.key], _ = e.value.(*tensor)
		all = append(all, got[e.key])
	}
	if err := c.fetch(all); err != nil {
		t.Fatal(err)
	}
	// f32 is base[:, :, :2, :2] of arange(2·3·7·7)/8 shaped 2×3×7×7.
	var f32 []float32
	for o := 0; o < 2; o++ {
		for i := 0; i < 3; i++ {
			for y := 0; y < 2; y++ {
				for x := 0; x < 2; x++ {
					f32 = append(f32, float32(((o*3+i)*7+y)*7+x)/8)
				}
			}
		}
	}
	for name, want := range map[string][]float32{
		"f32":  f32,
		"f16":  {1.5, -2.25, 65504, 1.0 / (1 << 24)},
		"bf16": {1.5, -3},
		"f64":  {0.1, 0.3, 0.2, 0.4}, // transposed view
	} {
		v, err := got[name].float32s()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(v) != len(want) {
			t.Fatalf("%s: %d values, want %d", name, len(v), len(want))
		}
		for i := range v {
			if v[i] != want[i] {
				t.Errorf("%s[%d] = %v, want %v", name, i, v[i], want[i])
			}
		}
	}
	if _, err := got["i64"].float32s(); err == nil || !strings.Contains(err.Error(), "int64") {
		t.Errorf("int64 tensor as floats: %v", err)
	}
}

func TestCheckpointShapes(t *testing.T) {
	for _, tc := range []struct{ file, want string }{
		// {"state_dict": {"module.conv1.weight": …}}: unwrapped, prefix
		// stripped, conv1 read, then bn1 is missing.
		{"testdata/wrapped.pth", `missing "bn1.weight"`},
		// The same dict in the pre-1.6 format.
		{"testdata/legacy.pth", `missing "bn1.weight"`},
		{"testdata/module.pth", "pickled torch.nn.modules.conv.Conv2d object"},
	} {
		_, err := Read(tc.file)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.file, err, tc.want)
		}
	}
}

func fixtureDict(t *testing.T, file string) map[string]*tensor {
	b, err := os.ReadFile(parity + file)
	if err != nil {
		t.Fatal(err)
	}
	c, err := load(bytes.NewReader(b), int64(len(b)), defaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	sd, err := stateDict(c.obj, defaultLimits().wrapDepth)
	if err != nil {
		t.Fatal(err)
	}
	var all []*tensor
	for _, v := range sd {
		all = append(all, v)
	}
	if err := c.fetch(all); err != nil {
		t.Fatal(err)
	}
	return sd
}

func TestRefusesWhatIsNotATorchvisionResNet(t *testing.T) {
	for _, tc := range []struct {
		name, file string
		edit       func(sd map[string]*tensor)
		want       string
	}{
		{"missing key", "resnet18-w8.pth", func(sd map[string]*tensor) { delete(sd, "layer3.1.bn2.running_var") }, `missing "layer3.1.bn2.running_var"`},
		{"extra key", "resnet18-w8.pth", func(sd map[string]*tensor) { sd["conv1.bias"] = sd["bn1.bias"] }, `"conv1.bias"`},
		{"no downsample", "resnet50-w4.pth", func(sd map[string]*tensor) {
			for _, k := range []string{"0.weight", "1.weight", "1.bias", "1.running_mean", "1.running_var"} {
				delete(sd, "layer3.0.downsample."+k)
			}
		}, "layer3.0. changes shape"},
		{"wrong kernel", "resnet18-w8.pth", func(sd map[string]*tensor) { sd["layer1.0.conv2.weight"] = sd["layer2.0.downsample.0.weight"] }, `"layer1.0.conv2.weight" has shape`},
		{"three stages", "resnet18-w8.pth", func(sd map[string]*tensor) {
			for k := range sd {
				if strings.HasPrefix(k, "layer4.") {
					delete(sd, k)
				}
			}
		}, "no blocks in layer4"},
		{"resnet-26", "resnet50-w4.pth", func(sd map[string]*tensor) {
			for k := range sd {
				if strings.HasPrefix(k, "layer3.5.") || strings.HasPrefix(k, "layer3.4.") || strings.HasPrefix(k, "layer3.3.") {
					delete(sd, k)
				}
			}
		}, "is not ResNet-18/34/50/101/152"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sd := fixtureDict(t, tc.file)
			tc.edit(sd)
			_, err := (&builder{sd: sd}).resnet()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// TestCorruptFiles cuts and damages a real checkpoint: every cut must give an
// error, and no damage may panic (ReadBytes recovers, but the recovery
// itself is part of what is tested).
func TestCorruptFiles(t *testing.T) {
	b, err := os.ReadFile(parity + "resnet18-w8.pth")
	if err != nil {
		t.Fatal(err)
	}
	for _, cut := range []int{0, 1, 4, 100, 1000, len(b) / 3, len(b) / 2, len(b) - 22, len(b) - 1} {
		if _, err := ReadBytes(b[:cut]); err == nil {
			t.Errorf("truncated to %d bytes: no error", cut)
		}
	}
	// The pickle sits near the end, before the zip directory; damage there
	// and in the headers exercises the unpickler on bad input.
	c := make([]byte, len(b))
	for i := 0; i < 400; i++ {
		copy(c, b)
		pos := (i * 7919) % len(b)
		if i%2 == 0 {
			pos = len(b) - 1 - (i*37)%20000
		}
		c[pos] ^= byte(1 << (i % 8))
		ReadBytes(c) // must return, error or not
	}
	for _, junk := range [][]byte{nil, []byte("PK\x03\x04"), []byte("\x80\x02}q\x00."), []byte("\x80\x02K\x01."), []byte("not a checkpoint")} {
		if _, err := ReadBytes(junk); err == nil {
			t.Errorf("%q: no error", junk)
		}
	}
}

func FuzzReadBytes(f *testing.F) {
	// The hostile checkpoints that are quick to refuse (the nested ones
	// cost the unpickler 0.1 s each, too slow to mutate).
	hostile := []string{"cycle.pth", "cycle2.pth"}
	for i, h := range hostile {
		hostile[i] = "../../../testdata/hostile/" + h
	}
	for _, p := range append([]string{"testdata/views.pth", "testdata/wrapped.pth", "testdata/legacy.pth", "testdata/module.pth"}, hostile...) {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		n, err := ReadBytes(b)
		if err == nil {
			if _, derr := n.Depth(); derr != nil {
				t.Fatalf("accepted a network of no standard depth: %v", derr)
			}
		}
	})
}
