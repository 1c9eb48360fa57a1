package tfjs

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"math/rand"
	"testing"
	"testing/fstest"

	"github.com/inbrowser-ai/resnet/engine/modelfile"
)

// synth builds a small Keras-style ResNet as TF.js would export it: the
// functional graph, a weights manifest in two groups, and shards of an odd
// size so that tensors straddle shard boundaries. Layer names are
// meaningless ("n17") so that the reader cannot lean on Keras's names.
type synth struct {
	kind    modelfile.BlockKind
	stages  [4]int
	width   int
	classes int
	v15     bool   // bottleneck stride on the 3×3 instead of the first 1×1
	enc     string // "float32", "uint8", "uint16" or "float16"

	n       int
	seq     int
	layers  []map[string]any
	weights []synthWeight
	values  map[string][]float32 // what the reader must return, by weight name
}

type synthWeight struct {
	name  string
	shape []int
	vals  []float32
}

const synthShard = 1000 // bytes; not a multiple of 4 on purpose

func newSynth(kind modelfile.BlockKind, stages [4]int) *synth {
	return &synth{kind: kind, stages: stages, width: 4, classes: 5, enc: "float32", values: map[string][]float32{}}
}

func (s *synth) layer(class string, cfg map[string]any, inputs ...string) string {
	s.n++
	name := fmt.Sprintf("n%d", s.n)
	cfg["name"] = name
	inbound := []any{}
	if len(inputs) > 0 {
		var refs []any
		for _, in := range inputs {
			refs = append(refs, []any{in, 0, 0, map[string]any{}})
		}
		inbound = []any{refs}
	}
	s.layers = append(s.layers, map[string]any{"name": name, "class_name": class, "config": cfg, "inbound_nodes": inbound})
	return name
}

// next returns a value that every encoding stores exactly: a multiple of
// 1/64 in [-1, 1] (float16 has 11 bits; uint8 with scale 1/64 is exact).
func (s *synth) next() float32 {
	s.seq++
	return float32((s.seq*37)%129-64) / 64
}

func (s *synth) weight(name string, shape []int, positive bool) {
	n := 1
	for _, d := range shape {
		n *= d
	}
	v := make([]float32, n)
	for i := range v {
		v[i] = s.next()
		if positive {
			v[i] = 0.5 + float32(math.Abs(float64(v[i])))
		}
	}
	s.weights = append(s.weights, synthWeight{name, shape, v})
	s.values[name] = v
}

func (s *synth) unit(x string, cin, cout, k, stride int, relu bool) string {
	padding := "valid"
	if k > 1 && stride == 1 {
		padding = "same"
	} else if k > 1 {
		x = s.layer("ZeroPadding2D", map[string]any{"padding": [][]int{{(k - 1) / 2, (k - 1) / 2}, {(k - 1) / 2, (k - 1) / 2}}, "data_format": "channels_last"}, x)
	}
	c := s.layer("Conv2D", map[string]any{
		"filters": cout, "kernel_size": []int{k, k}, "strides": []int{stride, stride}, "padding": padding,
		"data_format": "channels_last", "dilation_rate": []int{1, 1}, "activation": "linear", "use_bias": true,
	}, x)
	s.weight(c+"/kernel", []int{k, k, cin, cout}, false)
	s.weight(c+"/bias", []int{cout}, false)
	b := s.layer("BatchNormalization", map[string]any{"axis": []int{3}, "epsilon": 0.001, "center": true, "scale": true}, c)
	s.weight(b+"/gamma", []int{cout}, false)
	s.weight(b+"/beta", []int{cout}, false)
	s.weight(b+"/moving_mean", []int{cout}, false)
	s.weight(b+"/moving_variance", []int{cout}, true)
	if relu {
		return s.relu(b)
	}
	return b
}

func (s *synth) relu(x string) string {
	return s.layer("Activation", map[string]any{"activation": "relu"}, x)
}

func (s *synth) block(x string, cin, mid, stride int) (string, int) {
	var y string
	out := mid
	if s.kind == modelfile.Basic {
		y = s.unit(x, cin, mid, 3, stride, true)
		y = s.unit(y, mid, mid, 3, 1, false)
	} else {
		out = 4 * mid
		s1, s3 := stride, 1
		if s.v15 {
			s1, s3 = 1, stride
		}
		y = s.unit(x, cin, mid, 1, s1, true)
		y = s.unit(y, mid, mid, 3, s3, true)
		y = s.unit(y, mid, out, 1, 1, false)
	}
	sc := x
	if stride != 1 || cin != out {
		sc = s.unit(x, cin, out, 1, stride, false)
	}
	return s.relu(s.layer("Add", map[string]any{}, y, sc)), out
}

// model returns model.json as a generic map, so that tests can damage it.
func (s *synth) model() map[string]any {
	s.n, s.seq, s.layers, s.weights, s.values = 0, 0, nil, nil, map[string][]float32{}
	in := s.layer("InputLayer", map[string]any{"batch_input_shape": []any{nil, 32, 32, 3}, "dtype": "float32"})
	x := s.layer("ZeroPadding2D", map[string]any{"padding": [][]int{{3, 3}, {3, 3}}}, in)
	x = s.layer("Conv2D", map[string]any{"filters": s.width, "kernel_size": []int{7, 7}, "strides": []int{2, 2}, "padding": "valid", "use_bias": true, "activation": "linear"}, x)
	s.weight(x+"/kernel", []int{7, 7, 3, s.width}, false)
	s.weight(x+"/bias", []int{s.width}, false)
	x = s.layer("BatchNormalization", map[string]any{"axis": 3, "epsilon": 0.001}, x)
	for _, p := range []string{"gamma", "beta", "moving_mean"} {
		s.weight(x+"/"+p, []int{s.width}, false)
	}
	s.weight(x+"/moving_variance", []int{s.width}, true)
	x = s.relu(x)
	x = s.layer("ZeroPadding2D", map[string]any{"padding": []int{1, 1}}, x)
	x = s.layer("MaxPooling2D", map[string]any{"pool_size": []int{3, 3}, "strides": []int{2, 2}, "padding": "valid"}, x)
	c := s.width
	for si, nb := range s.stages {
		mid := s.width << si
		for b := 0; b < nb; b++ {
			stride := 1
			if si > 0 && b == 0 {
				stride = 2
			}
			x, c = s.block(x, c, mid, stride)
		}
	}
	x = s.layer("GlobalAveragePooling2D", map[string]any{"data_format": "channels_last"}, x)
	out := s.layer("Dense", map[string]any{"units": s.classes, "activation": "softmax", "use_bias": true}, x)
	s.weight(out+"/kernel", []int{c, s.classes}, false)
	s.weight(out+"/bias", []int{s.classes}, false)
	return map[string]any{
		"format":      "layers-model",
		"generatedBy": "synth",
		"modelTopology": map[string]any{"keras_version": "2.2.4-tf", "model_config": map[string]any{
			"class_name": "Model",
			"config": map[string]any{
				"name": "synth", "layers": s.layers,
				"input_layers": []any{[]any{in, 0, 0}}, "output_layers": []any{[]any{out, 0, 0}},
			},
		}},
	}
}

// files encodes the weights into two groups of shards and returns the
// file system holding model.json and the shards.
func (s *synth) files(t testing.TB, m map[string]any) fstest.MapFS {
	fsys := fstest.MapFS{}
	half := len(s.weights) / 2
	var manifest []any
	for gi, ws := range [][]synthWeight{s.weights[:half], s.weights[half:]} {
		var buf []byte
		var entries []any
		for _, w := range ws {
			e := map[string]any{"name": w.name, "shape": w.shape, "dtype": "float32"}
			buf, e = s.encode(buf, w, e)
			entries = append(entries, e)
		}
		var paths []string
		for i := 0; i*synthShard < len(buf); i++ {
			p := fmt.Sprintf("group%d-shard%dof%d.bin", gi+1, i+1, (len(buf)+synthShard-1)/synthShard)
			paths = append(paths, p)
			fsys[p] = &fstest.MapFile{Data: buf[i*synthShard : min(len(buf), (i+1)*synthShard)]}
		}
		manifest = append(manifest, map[string]any{"paths": paths, "weights": entries})
	}
	m["weightsManifest"] = manifest
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	fsys["model.json"] = &fstest.MapFile{Data: b}
	return fsys
}

func (s *synth) encode(buf []byte, w synthWeight, e map[string]any) ([]byte, map[string]any) {
	lo := float32(0)
	for _, v := range w.vals {
		lo = min(lo, v)
	}
	switch s.enc {
	case "float32":
		for _, v := range w.vals {
			buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
		}
	case "uint8", "uint16":
		e["quantization"] = map[string]any{"dtype": s.enc, "scale": 1.0 / 64, "min": lo}
		for _, v := range w.vals {
			q := int((v - lo) * 64)
			if s.enc == "uint8" {
				buf = append(buf, byte(q))
			} else {
				buf = binary.LittleEndian.AppendUint16(buf, uint16(q))
			}
		}
	case "float16":
		e["quantization"] = map[string]any{"dtype": "float16"}
		for _, v := range w.vals {
			buf = binary.LittleEndian.AppendUint16(buf, floatToHalf(v))
		}
	}
	return buf, e
}

// floatToHalf encodes the values synth produces (normal, exactly
// representable in binary16, or zero); it is not a general encoder.
func floatToHalf(f float32) uint16 {
	if f == 0 {
		return 0
	}
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	exp := int(b>>23&0xff) - 127 + 15
	return sign | uint16(exp)<<10 | uint16(b>>13&0x3ff)
}

// layers returns the model's layer list for in-place damage.
func layersOf(m map[string]any) []map[string]any {
	return m["modelTopology"].(map[string]any)["model_config"].(map[string]any)["config"].(map[string]any)["layers"].([]map[string]any)
}

func setLayers(m map[string]any, l []map[string]any) {
	m["modelTopology"].(map[string]any)["model_config"].(map[string]any)["config"].(map[string]any)["layers"] = l
}

// shuffleLayers permutes the layer list: Keras lists layers in topological
// order, but nothing in the format promises it.
func shuffleLayers(m map[string]any, seed int64) {
	l := layersOf(m)
	rand.New(rand.NewSource(seed)).Shuffle(len(l), func(i, j int) { l[i], l[j] = l[j], l[i] })
}
