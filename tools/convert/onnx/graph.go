package onnx

import (
	"encoding/binary"
	"fmt"
	"math"

	pb "github.com/inbrowser-ai/resnet/tools/convert/onnx/onnxpb"
)

// maxElems bounds one tensor, far above any ResNet layer.
const maxElems = 1 << 28

// graph indexes an ONNX graph for walking it by data flow.
type graph struct {
	consts    map[string]*pb.TensorProto // initializers and Constant outputs
	producer  map[string]*pb.NodeProto   // value name → node that outputs it
	consumers map[string][]*pb.NodeProto // value name → nodes that read it
	outputs   map[string]bool            // graph outputs
	alias     map[string]string          // Identity output → its input
}

func index(g *pb.GraphProto) (*graph, error) {
	x := &graph{
		consts:    map[string]*pb.TensorProto{},
		producer:  map[string]*pb.NodeProto{},
		consumers: map[string][]*pb.NodeProto{},
		outputs:   map[string]bool{},
		alias:     map[string]string{},
	}
	for _, t := range g.GetInitializer() {
		x.consts[t.GetName()] = t
	}
	for _, o := range g.GetOutput() {
		x.outputs[o.GetName()] = true
	}
	for _, n := range g.GetNode() {
		switch n.GetOpType() {
		case "Constant":
			if len(n.GetOutput()) != 1 {
				return nil, fmt.Errorf("Constant node %q with %d outputs", n.GetName(), len(n.GetOutput()))
			}
			var t *pb.TensorProto
			for _, a := range n.GetAttribute() {
				if a.GetName() == "value" {
					t = a.GetT()
				}
			}
			if t == nil {
				return nil, fmt.Errorf("Constant node %q has no tensor value", n.GetName())
			}
			x.consts[n.GetOutput()[0]] = t
			continue
		case "Identity":
			// Exporters add these to share or rename weights; see through them.
			if len(n.GetInput()) != 1 || len(n.GetOutput()) != 1 {
				return nil, fmt.Errorf("Identity node %q is malformed", n.GetName())
			}
			x.alias[n.GetOutput()[0]] = n.GetInput()[0]
			continue
		}
		for _, o := range n.GetOutput() {
			if o == "" {
				continue
			}
			if _, dup := x.producer[o]; dup {
				return nil, fmt.Errorf("value %q is produced twice", o)
			}
			x.producer[o] = n
		}
	}
	for _, n := range g.GetNode() {
		if op := n.GetOpType(); op == "Constant" || op == "Identity" {
			continue
		}
		for _, in := range n.GetInput() {
			if in != "" {
				in = x.resolve(in)
				x.consumers[in] = append(x.consumers[in], n)
			}
		}
	}
	for o, in := range x.alias {
		if x.outputs[o] {
			x.outputs[x.resolve(in)] = true
		}
	}
	return x, nil
}

// resolve follows Identity aliases (bounded, in case they form a loop).
func (g *graph) resolve(name string) string {
	for i := 0; i < 64; i++ {
		a, ok := g.alias[name]
		if !ok {
			break
		}
		name = a
	}
	return name
}

// only returns the single node that reads value, if its op is one of ops.
func (g *graph) only(value string, ops ...string) (*pb.NodeProto, bool) {
	c := g.consumers[g.resolve(value)]
	if len(c) != 1 {
		return nil, false
	}
	for _, op := range ops {
		if c[0].GetOpType() == op {
			return c[0], true
		}
	}
	return nil, false
}

// input returns node's i-th input name (resolved), or "" when absent.
func (g *graph) input(n *pb.NodeProto, i int) string {
	if i >= len(n.GetInput()) {
		return ""
	}
	return g.resolve(n.GetInput()[i])
}

func output(n *pb.NodeProto) (string, error) {
	if len(n.GetOutput()) < 1 || n.GetOutput()[0] == "" {
		return "", fmt.Errorf("%s node %q has no output", n.GetOpType(), n.GetName())
	}
	return n.GetOutput()[0], nil
}

// floats decodes the constant called name as float32 values and its dims.
func (g *graph) floats(name string) ([]float32, []int, error) {
	t, ok := g.consts[g.resolve(name)]
	if !ok {
		return nil, nil, fmt.Errorf("%q is not an initializer or constant", name)
	}
	v, dims, err := decode(t)
	if err != nil {
		return nil, nil, fmt.Errorf("tensor %q: %w", name, err)
	}
	return v, dims, nil
}

// ints decodes an integer constant (Reshape shapes, ReduceMean axes).
func (g *graph) ints(name string) ([]int64, error) {
	t, ok := g.consts[g.resolve(name)]
	if !ok {
		return nil, fmt.Errorf("%q is not an initializer or constant", name)
	}
	if t.GetDataLocation() == pb.TensorProto_EXTERNAL {
		return nil, fmt.Errorf("%q is stored outside the model file", name)
	}
	if t.GetDataType() != int32(pb.TensorProto_INT64) {
		return nil, fmt.Errorf("%q has data type %d, want int64", name, t.GetDataType())
	}
	if raw := t.GetRawData(); raw != nil {
		if len(raw)%8 != 0 || len(raw) > 8*64 {
			return nil, fmt.Errorf("%q: %d bytes of int64 data", name, len(raw))
		}
		out := make([]int64, len(raw)/8)
		for i := range out {
			out[i] = int64(binary.LittleEndian.Uint64(raw[8*i:]))
		}
		return out, nil
	}
	return t.GetInt64Data(), nil
}

// decode returns a float tensor's values in row-major order and its dims.
func decode(t *pb.TensorProto) ([]float32, []int, error) {
	if t.GetDataLocation() == pb.TensorProto_EXTERNAL {
		return nil, nil, fmt.Errorf("stored outside the model file (external data is not supported)")
	}
	if t.GetSegment() != nil {
		return nil, nil, fmt.Errorf("segmented tensors are not supported")
	}
	n := 1
	dims := make([]int, len(t.GetDims()))
	for i, d := range t.GetDims() {
		if d < 0 || d > maxElems {
			return nil, nil, fmt.Errorf("bad dimension %d", d)
		}
		dims[i] = int(d)
		n *= int(d)
		if n > maxElems {
			return nil, nil, fmt.Errorf("dims %v too large", t.GetDims())
		}
	}
	raw := t.GetRawData()
	le := binary.LittleEndian
	// The dims are only a claim: each case checks that the data is there
	// before it allocates n floats.
	var out []float32
	switch pb.TensorProto_DataType(t.GetDataType()) {
	case pb.TensorProto_FLOAT:
		if raw != nil {
			if len(raw) != 4*n {
				return nil, nil, fmt.Errorf("%d bytes for %d float32s", len(raw), n)
			}
			out = make([]float32, n)
			for i := range out {
				out[i] = math.Float32frombits(le.Uint32(raw[4*i:]))
			}
			return out, dims, nil
		}
		if len(t.GetFloatData()) != n {
			return nil, nil, fmt.Errorf("%d float_data for %d elements", len(t.GetFloatData()), n)
		}
		out = append(out, t.GetFloatData()...)
	case pb.TensorProto_DOUBLE:
		if raw != nil {
			if len(raw) != 8*n {
				return nil, nil, fmt.Errorf("%d bytes for %d float64s", len(raw), n)
			}
			out = make([]float32, n)
			for i := range out {
				out[i] = float32(math.Float64frombits(le.Uint64(raw[8*i:])))
			}
			return out, dims, nil
		}
		if len(t.GetDoubleData()) != n {
			return nil, nil, fmt.Errorf("%d double_data for %d elements", len(t.GetDoubleData()), n)
		}
		out = make([]float32, n)
		for i, v := range t.GetDoubleData() {
			out[i] = float32(v)
		}
	default:
		return nil, nil, fmt.Errorf("data type %s, want FLOAT or DOUBLE", pb.TensorProto_DataType(t.GetDataType()))
	}
	return out, dims, nil
}

// attrs is a node's attributes by name.
type attrs map[string]*pb.AttributeProto

func attributes(n *pb.NodeProto) attrs {
	m := attrs{}
	for _, a := range n.GetAttribute() {
		m[a.GetName()] = a
	}
	return m
}

func (a attrs) int(name string, def int64) int64 {
	if v, ok := a[name]; ok {
		return v.GetI()
	}
	return def
}

func (a attrs) float(name string, def float32) float32 {
	if v, ok := a[name]; ok {
		return v.GetF()
	}
	return def
}

func (a attrs) ints(name string) []int64 {
	if v, ok := a[name]; ok {
		return v.GetInts()
	}
	return nil
}

func (a attrs) str(name string) string {
	if v, ok := a[name]; ok {
		return string(v.GetS())
	}
	return ""
}

// square checks that a 2-D attribute (kernel, strides, dilations) has equal
// entries and returns that value, or def when the attribute is absent.
func (a attrs) square(name string, def int64) (int, error) {
	v := a.ints(name)
	if v == nil {
		return int(def), nil
	}
	if len(v) != 2 || v[0] != v[1] || v[0] < 0 || v[0] > 1024 {
		return 0, fmt.Errorf("%s %v: only square 2-D values are supported", name, v)
	}
	return int(v[0]), nil
}

// pads returns a symmetric 2-D padding, refusing asymmetric ones and auto_pad.
func (a attrs) pads() (int, error) {
	switch ap := a.str("auto_pad"); ap {
	case "", "NOTSET":
	case "VALID":
		return 0, nil
	default:
		return 0, fmt.Errorf("auto_pad %s is not supported", ap)
	}
	p := a.ints("pads")
	if p == nil {
		return 0, nil
	}
	if len(p) != 4 || p[0] != p[1] || p[0] != p[2] || p[0] != p[3] || p[0] < 0 || p[0] > 1024 {
		return 0, fmt.Errorf("pads %v: only equal padding on all four sides is supported", p)
	}
	return int(p[0]), nil
}
