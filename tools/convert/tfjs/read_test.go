package tfjs

import (
	"math"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/inbrowser-ai/resnet/engine/modelfile"
	"github.com/inbrowser-ai/resnet/tools/convert/net"
)

func readSynth(t *testing.T, s *synth, damage func(m map[string]any)) (*net.Network, error) {
	t.Helper()
	m := s.model()
	if damage != nil {
		damage(m)
	}
	return ReadFS(s.files(t, m), "model.json")
}

// checkAgainstSynth compares every tensor of n with what synth wrote, going
// through the Keras layouts by hand: HWIO kernels, [in][out] dense.
func checkAgainstSynth(t *testing.T, s *synth, n *net.Network) {
	t.Helper()
	// Synth creates weights in forward order: stem, then per block conv1,
	// conv2, [conv3], [downsample], then the classifier — the same order as
	// the convolutions below, so the i-th conv's kernel is the i-th
	// "/kernel" weight.
	var kernels []synthWeight
	for _, w := range s.weights {
		if strings.HasSuffix(w.name, "/kernel") {
			kernels = append(kernels, w)
		}
	}
	convs := []*net.Conv{n.Stem}
	for _, st := range n.Stages {
		for _, b := range st {
			for _, c := range []*net.Conv{b.Conv1, b.Conv2, b.Conv3, b.Downsample} {
				if c != nil {
					convs = append(convs, c)
				}
			}
		}
	}
	if len(convs)+1 != len(kernels) {
		t.Fatalf("%d convolutions + fc, synth wrote %d kernels", len(convs), len(kernels))
	}
	for ci, c := range convs {
		w := kernels[ci]
		conv := strings.TrimSuffix(w.name, "/kernel")
		k, in, out := w.shape[0], w.shape[2], w.shape[3]
		if c.K != k || c.In != in || c.Out != out {
			t.Fatalf("%s: k %d in %d out %d, synth %v", c.Name, c.K, c.In, c.Out, w.shape)
		}
		for y := 0; y < k; y++ {
			for x := 0; x < k; x++ {
				for i := 0; i < in; i++ {
					for o := 0; o < out; o++ {
						got := c.Weight[((o*in+i)*k+y)*k+x]
						want := w.vals[((y*k+x)*in+i)*out+o]
						if got != want {
							t.Fatalf("%s weight[o=%d][i=%d][%d][%d] = %v, want HWIO value %v", c.Name, o, i, y, x, got, want)
						}
					}
				}
			}
		}
		if !reflect.DeepEqual(c.Bias, s.values[conv+"/bias"]) {
			t.Fatalf("%s bias differs", c.Name)
		}
		if c.BN == nil || c.BN.Eps != 0.001 {
			t.Fatalf("%s: BN %+v, want eps 0.001", c.Name, c.BN)
		}
	}
	fc := kernels[len(kernels)-1]
	if n.FC.In != fc.shape[0] || n.FC.Out != fc.shape[1] {
		t.Fatalf("fc %d×%d, synth %v", n.FC.Out, n.FC.In, fc.shape)
	}
	for i := 0; i < n.FC.In; i++ {
		for o := 0; o < n.FC.Out; o++ {
			if got, want := n.FC.Weight[o*n.FC.In+i], fc.vals[i*n.FC.Out+o]; got != want {
				t.Fatalf("fc weight[%d][%d] = %v, want %v", o, i, got, want)
			}
		}
	}
}

func TestSyntheticResNets(t *testing.T) {
	for _, tc := range []struct {
		name   string
		kind   modelfile.BlockKind
		stages [4]int
		v15    bool
		enc    string
		depth  int
		stride modelfile.StridePlacement
	}{
		{"resnet18", modelfile.Basic, [4]int{2, 2, 2, 2}, false, "float32", 18, modelfile.StrideOn3x3},
		{"resnet34_uint8", modelfile.Basic, [4]int{3, 4, 6, 3}, false, "uint8", 34, modelfile.StrideOn3x3},
		{"resnet50_v1", modelfile.Bottleneck, [4]int{3, 4, 6, 3}, false, "float32", 50, modelfile.StrideOn1x1},
		{"resnet50_v15_uint16", modelfile.Bottleneck, [4]int{3, 4, 6, 3}, true, "uint16", 50, modelfile.StrideOn3x3},
		{"resnet101_float16", modelfile.Bottleneck, [4]int{3, 4, 23, 3}, false, "float16", 101, modelfile.StrideOn1x1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSynth(tc.kind, tc.stages)
			s.v15, s.enc = tc.v15, tc.enc
			n, err := readSynth(t, s, nil)
			if err != nil {
				t.Fatal(err)
			}
			d, err := n.Depth()
			if err != nil || d != tc.depth {
				t.Fatalf("depth %d (%v), want %d", d, err, tc.depth)
			}
			if n.Block != tc.kind || n.Stride != tc.stride {
				t.Fatalf("block %s stride %s, want %s %s", n.Block, n.Stride, tc.kind, tc.stride)
			}
			if n.Name != "resnet"+strconv.Itoa(tc.depth)+"-keras" || n.Pre != modelfile.CaffePreprocess || n.Labels != nil {
				t.Fatalf("name %q pre %+v labels %v", n.Name, n.Pre, n.Labels)
			}
			if s0 := n.Stem; s0.Name != "conv1" || s0.K != 7 || s0.Stride != 2 || s0.Pad != 3 || s0.In != 3 {
				t.Fatalf("stem %+v", *s0)
			}
			b := n.Stages[1][0]
			strided := b.Conv1
			if tc.v15 {
				strided = b.Conv2
			}
			if strided.Stride != 2 || b.Downsample == nil || b.Downsample.Stride != 2 || b.Downsample.Name != "layer2.0.downsample" {
				t.Fatalf("layer2.0: strided conv %s stride %d, downsample %+v", strided.Name, strided.Stride, b.Downsample)
			}
			if b.Conv2.Pad != 1 || b.Conv1.Name != "layer2.0.conv1" {
				t.Fatalf("layer2.0.conv2 pad %d, conv1 named %q", b.Conv2.Pad, b.Conv1.Name)
			}
			if n.Stages[0][1].Downsample != nil {
				t.Fatalf("layer1.1 has a downsample")
			}
			checkAgainstSynth(t, s, n)
		})
	}
}

// TestGraphNotNames: the same model with its layer list shuffled reads to
// the same network; only the edges matter.
func TestGraphNotNames(t *testing.T) {
	s := newSynth(modelfile.Bottleneck, [4]int{3, 4, 6, 3})
	want, err := readSynth(t, s, nil)
	if err != nil {
		t.Fatal(err)
	}
	for seed := int64(1); seed <= 3; seed++ {
		got, err := readSynth(t, s, func(m map[string]any) { shuffleLayers(m, seed) })
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("seed %d: shuffled layer list reads differently", seed)
		}
	}
}

// findLayer returns the first layer of class in m.
func findLayer(t *testing.T, m map[string]any, class string) map[string]any {
	for _, l := range layersOf(m) {
		if l["class_name"] == class {
			return l
		}
	}
	t.Fatalf("no %s layer", class)
	return nil
}

// shard returns the name of shard i (1-based; -1 for the last) of group g.
func shard(fs fstest.MapFS, g, i int) string {
	var names []string
	for n := range fs {
		if strings.HasPrefix(n, "group"+strconv.Itoa(g)+"-") {
			names = append(names, n)
		}
	}
	if i < 0 {
		i = len(names)
	}
	return "group" + strconv.Itoa(g) + "-shard" + strconv.Itoa(i) + "of" + strconv.Itoa(len(names)) + ".bin"
}

func TestRefusals(t *testing.T) {
	for _, tc := range []struct {
		name   string
		damage func(t *testing.T, m map[string]any)
		files  func(fs fstest.MapFS) string // damages the shards, returns the name of the one damaged
		want   []string                     // substrings of the error
	}{
		{name: "missing shard", files: func(fs fstest.MapFS) string {
			p := shard(fs, 1, 3)
			delete(fs, p)
			return p
		}, want: []string{"file does not exist"}},
		{name: "truncated middle shard", files: func(fs fstest.MapFS) string {
			p := shard(fs, 2, 2)
			fs[p].Data = fs[p].Data[:10]
			return p
		}, want: []string{"truncated", "short"}},
		{name: "truncated last shard", files: func(fs fstest.MapFS) string {
			p := shard(fs, 1, -1)
			fs[p].Data = fs[p].Data[:len(fs[p].Data)-1]
			return p
		}, want: []string{"truncated", "1 short"}},
		{name: "long shard", files: func(fs fstest.MapFS) string {
			p := shard(fs, 1, -1)
			fs[p].Data = append(fs[p].Data, 0)
			return p
		}, want: []string{"need only"}},
		{name: "unknown layer", damage: func(t *testing.T, m map[string]any) {
			// Dropout between the pooling and the classifier.
			gap, dense := findLayer(t, m, "GlobalAveragePooling2D"), findLayer(t, m, "Dense")
			dense["inbound_nodes"] = []any{[]any{[]any{"drop", 0, 0, map[string]any{}}}}
			setLayers(m, append(layersOf(m), map[string]any{"name": "drop", "class_name": "Dropout", "config": map[string]any{"rate": 0.5},
				"inbound_nodes": []any{[]any{[]any{gap["name"], 0, 0, map[string]any{}}}}}))
		}, want: []string{"drop", "Dropout"}},
		{name: "graph model", damage: func(t *testing.T, m map[string]any) { m["format"] = "graph-model" }, want: []string{"graph model"}},
		{name: "sequential", damage: func(t *testing.T, m map[string]any) {
			m["modelTopology"].(map[string]any)["model_config"].(map[string]any)["class_name"] = "Sequential"
		}, want: []string{"Sequential"}},
		{name: "stride-2 same 3x3", damage: func(t *testing.T, m map[string]any) {
			// Make the stem's max-pool input go straight into a 'same' stride-2 3×3.
			for _, l := range layersOf(m) {
				if c := l["config"].(map[string]any); l["class_name"] == "Conv2D" && c["kernel_size"].([]int)[0] == 3 {
					c["strides"], c["padding"] = []int{2, 2}, "same"
					return
				}
			}
		}, want: []string{"asymmetric"}},
		{name: "dangling layer", damage: func(t *testing.T, m map[string]any) {
			setLayers(m, append(layersOf(m), map[string]any{"name": "extra", "class_name": "Activation", "config": map[string]any{"activation": "relu"},
				"inbound_nodes": []any{}}))
		}, want: []string{"extra", "not on the ResNet's path"}},
		{name: "maxpool without padding", damage: func(t *testing.T, m map[string]any) {
			pool := findLayer(t, m, "MaxPooling2D")
			var pad map[string]any
			for _, l := range layersOf(m) {
				if l["name"] == pool["inbound_nodes"].([]any)[0].([]any)[0].([]any)[0] {
					pad = l
				}
			}
			pad["config"].(map[string]any)["padding"] = 0
		}, want: []string{"max-pool", "padding 1"}},
		{name: "epsilon", damage: func(t *testing.T, m map[string]any) {
			findLayer(t, m, "BatchNormalization")["config"].(map[string]any)["epsilon"] = -1
		}, want: []string{"epsilon"}},
		{name: "keras 3 inbound nodes", damage: func(t *testing.T, m map[string]any) {
			findLayer(t, m, "Dense")["inbound_nodes"] = []any{map[string]any{"args": []any{}}}
		}, want: []string{"Keras 3"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSynth(modelfile.Basic, [4]int{2, 2, 2, 2})
			m := s.model()
			if tc.damage != nil {
				tc.damage(t, m)
			}
			fsys := s.files(t, m)
			if tc.files != nil {
				tc.want = append(tc.want, tc.files(fsys))
			}
			_, err := ReadFS(fsys, "model.json")
			if err == nil {
				t.Fatal("no error")
			}
			t.Log(err)
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

// TestRefusesManifestTrouble covers errors found while matching weights to
// layers, which need the manifest rather than the graph changed.
func TestRefusesManifestTrouble(t *testing.T) {
	s := newSynth(modelfile.Basic, [4]int{2, 2, 2, 2})
	edit := func(f func(ws []synthWeight) []synthWeight) error {
		m := s.model()
		s.weights = f(s.weights)
		_, err := ReadFS(s.files(t, m), "model.json")
		return err
	}
	for _, tc := range []struct {
		name string
		f    func(ws []synthWeight) []synthWeight
		want string
	}{
		{"unused weight", func(ws []synthWeight) []synthWeight {
			return append(ws, synthWeight{"mystery/kernel", []int{2}, []float32{1, 2}})
		}, "mystery/kernel"},
		{"missing weight", func(ws []synthWeight) []synthWeight { return ws[1:] }, "not in the manifest"},
		{"wrong shape", func(ws []synthWeight) []synthWeight {
			ws[0].shape = []int{7, 7, 4, 3}
			return ws
		}, "the layer's config implies [7 7 3 4]"},
		{"NaN", func(ws []synthWeight) []synthWeight {
			ws[2].vals[0] = float32(math.NaN())
			return ws
		}, "NaN"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := edit(tc.f)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one mentioning %q", err, tc.want)
			}
		})
	}
}

func TestRefusesNonStandardDepth(t *testing.T) {
	_, err := readSynth(t, newSynth(modelfile.Basic, [4]int{2, 2, 2, 3}), nil)
	if err == nil || !strings.Contains(err.Error(), "not ResNet-18/34/50/101/152") {
		t.Fatalf("error %v", err)
	}
}

func TestRefusesMalformedJSON(t *testing.T) {
	for _, in := range []string{``, `{`, `[]`, `{"format":"layers-model"}`, `{"format":"layers-model","modelTopology":{"class_name":"Model","config":{}}}`,
		`{"format":"layers-model","modelTopology":{"class_name":"Model","config":{"layers":[]}},"weightsManifest":[{"paths":[],"weights":[]}]}`} {
		if _, err := fromBytes([]byte(in), fstest.MapFS{}); err == nil {
			t.Errorf("%q: no error", in)
		}
	}
}

func TestHalfToFloat(t *testing.T) {
	for _, tc := range []struct {
		h    uint16
		want float32
	}{
		{0x0000, 0}, {0x3c00, 1}, {0xc000, -2}, {0x3800, 0.5}, {0x7bff, 65504},
		{0x0001, 1.0 / (1 << 24)}, {0x8001, -1.0 / (1 << 24)}, {0x03ff, 1023.0 / (1 << 24)}, {0x3555, 0.333251953125},
		{0x7c00, float32(math.Inf(1))}, {0xfc00, float32(math.Inf(-1))},
	} {
		if got := halfToFloat(tc.h); got != tc.want {
			t.Errorf("halfToFloat(%#04x) = %v, want %v", tc.h, got, tc.want)
		}
	}
	if v := halfToFloat(0x7e00); v == v {
		t.Errorf("halfToFloat(NaN) = %v", v)
	}
}

func TestParseLabels(t *testing.T) {
	got, err := parseLabels([]byte(`{"1":"b","0":"a","2":"c"}`))
	if err != nil || !reflect.DeepEqual(got, []string{"a", "b", "c"}) {
		t.Fatalf("object: %v %v", got, err)
	}
	got, err = parseLabels([]byte(`["x","y"]`))
	if err != nil || !reflect.DeepEqual(got, []string{"x", "y"}) {
		t.Fatalf("list: %v %v", got, err)
	}
	for _, bad := range []string{`{"0":"a","2":"c"}`, `{"00":"a"}`, `{}`, `[]`, `3`, `{"-1":"a"}`} {
		if _, err := parseLabels([]byte(bad)); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}
