package onnx

import (
	"encoding/binary"
	"math"
	"os"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/inbrowser-ai/resnet/engine/modelfile"
	"github.com/inbrowser-ai/resnet/tools/convert/net"
	pb "github.com/inbrowser-ai/resnet/tools/convert/onnx/onnxpb"
)

// These tests edit a real export the way other exporters differ from
// torchvision's (or the way a broken file would), then read it.

func model(t *testing.T, file string) *pb.ModelProto {
	t.Helper()
	b, err := os.ReadFile(parity + file)
	if err != nil {
		t.Fatal(err)
	}
	var m pb.ModelProto
	if err := proto.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return &m
}

func readModel(t *testing.T, m *pb.ModelProto) (*net.Network, error) {
	t.Helper()
	b, err := proto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return ReadBytes(b)
}

func nodes(m *pb.ModelProto, op string) []*pb.NodeProto {
	var out []*pb.NodeProto
	for _, n := range m.Graph.Node {
		if n.GetOpType() == op {
			out = append(out, n)
		}
	}
	return out
}

func setInts(n *pb.NodeProto, name string, v ...int64) {
	for _, a := range n.Attribute {
		if a.GetName() == name {
			a.Ints = v
			return
		}
	}
	n.Attribute = append(n.Attribute, &pb.AttributeProto{Name: proto.String(name), Type: pb.AttributeProto_INTS.Enum(), Ints: v})
}

func setInt(n *pb.NodeProto, name string, v int64) {
	for _, a := range n.Attribute {
		if a.GetName() == name {
			a.I = proto.Int64(v)
			return
		}
	}
	n.Attribute = append(n.Attribute, &pb.AttributeProto{Name: proto.String(name), Type: pb.AttributeProto_INT.Enum(), I: proto.Int64(v)})
}

func initializer(m *pb.ModelProto, name string) *pb.TensorProto {
	for _, t := range m.Graph.Initializer {
		if t.GetName() == name {
			return t
		}
	}
	return nil
}

func TestRefusesUnsupportedGraphs(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(m *pb.ModelProto)
		want string
	}{
		{"grouped conv", func(m *pb.ModelProto) { setInt(nodes(m, "Conv")[3], "group", 2) }, "group 2"},
		{"dilated conv", func(m *pb.ModelProto) { setInts(nodes(m, "Conv")[3], "dilations", 2, 2) }, "dilation must be 1"},
		{"asymmetric pads", func(m *pb.ModelProto) { setInts(nodes(m, "Conv")[2], "pads", 1, 1, 0, 0) }, "only equal padding"},
		{"odd padding", func(m *pb.ModelProto) { setInts(nodes(m, "Conv")[2], "pads", 0, 0, 0, 0) }, "a ResNet pads 1"},
		{"same padding", func(m *pb.ModelProto) {
			c := nodes(m, "Conv")[2]
			c.Attribute = append(c.Attribute, &pb.AttributeProto{Name: proto.String("auto_pad"), Type: pb.AttributeProto_STRING.Enum(), S: []byte("SAME_UPPER")})
		}, "auto_pad SAME_UPPER"},
		{"training batchnorm", func(m *pb.ModelProto) { setInt(nodes(m, "BatchNormalization")[0], "training_mode", 1) }, "training mode"},
		{"external data", func(m *pb.ModelProto) {
			initializer(m, "layer1.0.conv1.weight").DataLocation = pb.TensorProto_EXTERNAL.Enum()
		}, "outside the model file"},
		{"float16 weights", func(m *pb.ModelProto) {
			initializer(m, "layer1.0.conv1.weight").DataType = proto.Int32(int32(pb.TensorProto_FLOAT16))
		}, "data type FLOAT16"},
		{"short weights", func(m *pb.ModelProto) {
			w := initializer(m, "layer1.0.conv1.weight")
			w.RawData = w.RawData[:len(w.RawData)-4]
		}, "bytes for"},
		{"stride moved", func(m *pb.ModelProto) { setInts(nodes(m, "Conv")[3], "strides", 2, 2) }, "is 3×3/2, want 3×3/1"},
		{"missing relu", func(m *pb.ModelProto) {
			// Bypass the Relu after layer1.0's first BatchNorm.
			r := nodes(m, "Relu")[1]
			for _, n := range m.Graph.Node {
				for i, in := range n.Input {
					if in == r.Output[0] {
						n.Input[i] = r.Input[0]
					}
				}
			}
		}, "not followed by a Relu"},
		{"custom domain", func(m *pb.ModelProto) {
			m.OpsetImport = append(m.OpsetImport, &pb.OperatorSetIdProto{Domain: proto.String("com.microsoft"), Version: proto.Int64(1)})
		}, `operator set "com.microsoft"`},
		{"two inputs", func(m *pb.ModelProto) {
			m.Graph.Input = append(m.Graph.Input, &pb.ValueInfoProto{Name: proto.String("extra")})
		}, "2 non-weight inputs"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := model(t, "resnet18-w8.onnx")
			tc.edit(m)
			_, err := readModel(t, m)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// TestExporterVariants rewrites the head and weight encodings into forms
// other exporters use; each must read as the same network.
func TestExporterVariants(t *testing.T) {
	ref, err := Read(parity + "resnet18-w8.onnx")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		edit func(t *testing.T, m *pb.ModelProto)
	}{
		{"gemm transB=0", func(t *testing.T, m *pb.ModelProto) {
			g := nodes(m, "Gemm")[0]
			setInt(g, "transB", 0)
			transpose(t, initializer(m, g.Input[1]))
		}},
		{"matmul add", func(t *testing.T, m *pb.ModelProto) {
			g := nodes(m, "Gemm")[0]
			transpose(t, initializer(m, g.Input[1]))
			bias, out := g.Input[2], g.Output[0]
			g.OpType, g.Attribute = proto.String("MatMul"), nil
			g.Input, g.Output = g.Input[:2], []string{"mm"}
			m.Graph.Node = append(m.Graph.Node, &pb.NodeProto{OpType: proto.String("Add"), Input: []string{bias, "mm"}, Output: []string{out}})
		}},
		{"reducemean reshape", func(t *testing.T, m *pb.ModelProto) {
			p := nodes(m, "GlobalAveragePool")[0]
			p.OpType = proto.String("ReduceMean")
			setInts(p, "axes", 2, 3)
			f := nodes(m, "Flatten")[0]
			f.OpType, f.Attribute = proto.String("Reshape"), nil
			f.Input = append(f.Input, "shape")
			m.Graph.Initializer = append(m.Graph.Initializer, &pb.TensorProto{Name: proto.String("shape"), DataType: proto.Int32(int32(pb.TensorProto_INT64)), Dims: []int64{2}, Int64Data: []int64{0, -1}})
		}},
		{"softmax output", func(t *testing.T, m *pb.ModelProto) {
			g := nodes(m, "Gemm")[0]
			out := g.Output[0]
			g.Output[0] = "logits_"
			m.Graph.Node = append(m.Graph.Node, &pb.NodeProto{OpType: proto.String("Softmax"), Input: []string{"logits_"}, Output: []string{out}})
		}},
		{"float_data and identity", func(t *testing.T, m *pb.ModelProto) {
			w := initializer(m, "layer3.1.conv2.weight")
			w.FloatData = make([]float32, len(w.RawData)/4)
			for i := range w.FloatData {
				w.FloatData[i] = math.Float32frombits(binary.LittleEndian.Uint32(w.RawData[4*i:]))
			}
			w.RawData = nil
			c := nodes(m, "Conv")[0]
			m.Graph.Node = append([]*pb.NodeProto{{OpType: proto.String("Identity"), Input: []string{c.Input[1]}, Output: []string{"alias"}}}, m.Graph.Node...)
			c.Input[1] = "alias"
		}},
		{"initializers listed as inputs (IR < 4)", func(t *testing.T, m *pb.ModelProto) {
			for _, w := range m.Graph.Initializer {
				m.Graph.Input = append(m.Graph.Input, &pb.ValueInfoProto{Name: proto.String(w.GetName())})
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := model(t, "resnet18-w8.onnx")
			tc.edit(t, m)
			n, err := readModel(t, m)
			if err != nil {
				t.Fatal(err)
			}
			sameNetwork(t, n, ref)
		})
	}
}

// transpose turns a 2-D raw float initializer [a b] into [b a].
func transpose(t *testing.T, w *pb.TensorProto) {
	t.Helper()
	r, c := int(w.Dims[0]), int(w.Dims[1])
	if len(w.RawData) != 4*r*c {
		t.Fatalf("initializer %s is not raw float32", w.GetName())
	}
	out := make([]byte, len(w.RawData))
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			copy(out[4*(j*r+i):], w.RawData[4*(i*c+j):4*(i*c+j)+4])
		}
	}
	w.RawData, w.Dims = out, []int64{int64(c), int64(r)}
}

// TestStrideOnFirst1x1 moves the stride of ResNet-50's down-sampling blocks
// from the 3×3 to the first 1×1, as Keras and MXNet (v1) graphs have it.
func TestStrideOnFirst1x1(t *testing.T) {
	m := model(t, "resnet50-w4-folded.onnx")
	moved := 0
	for _, c := range nodes(m, "Conv") {
		for _, a := range c.Attribute {
			if a.GetName() == "strides" && a.Ints[0] == 2 && len(a.Ints) == 2 {
				// Folded exports keep no names: find a stride-2 3×3 by its weight.
				if w := initializer(m, c.Input[1]); w.Dims[2] == 3 {
					a.Ints = []int64{1, 1}
					prev := producerConv(m, c.Input[0])
					setInts(prev, "strides", 2, 2)
					moved++
				}
			}
		}
	}
	if moved != 3 {
		t.Fatalf("moved %d strides, want 3", moved)
	}
	n, err := readModel(t, m)
	if err != nil {
		t.Fatal(err)
	}
	if n.Stride != modelfile.StrideOn1x1 || n.Stages[1][0].Conv1.Stride != 2 || n.Stages[1][0].Conv2.Stride != 1 {
		t.Fatalf("stride placement %s, layer2.0 conv1/conv2 strides %d/%d", n.Stride, n.Stages[1][0].Conv1.Stride, n.Stages[1][0].Conv2.Stride)
	}
}

// producerConv finds the Conv that feeds value through one Relu.
func producerConv(m *pb.ModelProto, value string) *pb.NodeProto {
	for _, r := range m.Graph.Node {
		if r.GetOpType() == "Relu" && r.Output[0] == value {
			for _, c := range m.Graph.Node {
				if c.GetOpType() == "Conv" && c.Output[0] == r.Input[0] {
					return c
				}
			}
		}
	}
	return nil
}

func TestCorruptFiles(t *testing.T) {
	b, err := os.ReadFile(parity + "resnet18-w8-folded.onnx")
	if err != nil {
		t.Fatal(err)
	}
	for _, cut := range []int{0, 1, 16, 1000, len(b) / 2, len(b) - 100, len(b) - 1} {
		if _, err := ReadBytes(b[:cut]); err == nil {
			t.Errorf("truncated to %d bytes: no error", cut)
		}
	}
	// Damage the graph structure, which sits after the weights at the end.
	c := make([]byte, len(b))
	for i := 0; i < 300; i++ {
		copy(c, b)
		c[len(b)-1-(i*13)%8000] ^= byte(1 << (i % 8))
		c[(i*7919)%len(b)] ^= 0x55
		ReadBytes(c) // must return, error or not
	}
	for _, junk := range [][]byte{nil, {0x08}, []byte("not onnx at all"), {0x3a, 0x02, 0x0a, 0x00}} {
		if _, err := ReadBytes(junk); err == nil {
			t.Errorf("%q: no error", junk)
		}
	}
}

func FuzzReadBytes(f *testing.F) {
	b, err := os.ReadFile(parity + "resnet18-w8-folded.onnx")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add([]byte{0x3a, 0x02, 0x0a, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		n, err := ReadBytes(b)
		if err == nil {
			if _, derr := n.Depth(); derr != nil {
				t.Fatalf("accepted a network of no standard depth: %v", derr)
			}
		}
	})
}
