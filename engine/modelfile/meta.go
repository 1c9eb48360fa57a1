package modelfile

import (
	"encoding/json"
	"fmt"
)

// BlockKind is the residual block family.
type BlockKind string

const (
	Basic      BlockKind = "basic"      // two 3×3 convolutions (ResNet-18/34)
	Bottleneck BlockKind = "bottleneck" // 1×1 → 3×3 → 1×1, expansion 4 (ResNet-50/101/152)
)

// StridePlacement says which convolution of a down-sampling bottleneck block
// carries stride 2. Basic blocks always stride on their first 3×3.
type StridePlacement string

const (
	StrideOn1x1 StridePlacement = "v1"   // Keras applications, original paper
	StrideOn3x3 StridePlacement = "v1.5" // torchvision
)

// Quant is how convolution and fully-connected weights are stored.
type Quant string

const (
	Int8 Quant = "int8" // symmetric int8 per output channel, f32 scale and bias
	F32  Quant = "f32"  // float32, for parity checks
)

// Preprocess is the recipe that turns an RGB image into the network input.
// Values are in 0–255 pixel units and in the model's channel order:
// input[c] = (pixel[c] - Mean[c]) / Std[c].
type Preprocess struct {
	ChannelOrder string     `json:"channel_order"` // "RGB" or "BGR"
	Mean         [3]float32 `json:"mean"`
	Std          [3]float32 `json:"std"`
	Resize       int        `json:"resize"` // shorter side is resized to this (antialiased bilinear)
	Crop         int        `json:"crop"`   // then a centred Crop×Crop square is taken
}

// TorchvisionPreprocess is the ImageNet recipe of torchvision's ResNets.
var TorchvisionPreprocess = Preprocess{
	ChannelOrder: "RGB",
	Mean:         [3]float32{0.485 * 255, 0.456 * 255, 0.406 * 255},
	Std:          [3]float32{0.229 * 255, 0.224 * 255, 0.225 * 255},
	Resize:       256,
	Crop:         224,
}

// CaffePreprocess is Keras applications' "caffe" recipe (ResNet-50 v1):
// BGR, subtract the ImageNet mean, no scaling.
var CaffePreprocess = Preprocess{
	ChannelOrder: "BGR",
	Mean:         [3]float32{103.939, 116.779, 123.68},
	Std:          [3]float32{1, 1, 1},
	Resize:       256,
	Crop:         224,
}

// Conv describes one convolution layer. Its tensors are Name+".w" (weights
// in the layout of Quant), Name+".scale" (int8 only: f32 per output channel)
// and Name+".bias" (f32 per output channel, BatchNorm folded in).
type Conv struct {
	Name   string `json:"name"`
	In     int    `json:"in"`
	Out    int    `json:"out"`
	K      int    `json:"k"`
	Stride int    `json:"stride"`
	Pad    int    `json:"pad"`
}

// Tensor locates one tensor's bytes in the file.
type Tensor struct {
	Name   string `json:"name"`
	DType  string `json:"dtype"`  // "i8", "i16" (version 2) or "f32", little-endian
	Layout string `json:"layout"` // see FORMAT.md: "o8k2", "o8k1" or "rows"
	Shape  []int  `json:"shape"`  // logical shape; conv weights are [Out][K][K][In]
	Offset int64  `json:"offset"` // from the start of the file, a multiple of Align
	Size   int64  `json:"size"`   // bytes
}

// Meta is the JSON section of a model file: everything but the tensor bytes.
type Meta struct {
	Name    string          `json:"name"`
	Depth   int             `json:"depth"`
	Block   BlockKind       `json:"block"`
	Stride  StridePlacement `json:"stride"`
	Width   int             `json:"width"`  // channels out of the stem; 64 for ImageNet ResNets
	Stages  [4]int          `json:"stages"` // blocks per stage
	Classes int             `json:"classes"`
	Quant   Quant           `json:"quant"`
	Pre     Preprocess      `json:"preprocess"`
	Source  Source          `json:"source"`
	Labels  []string        `json:"labels"`
	Convs   []Conv          `json:"convs"` // forward order: stem, then per block conv1, conv2, [conv3], [downsample]
	Tensors []Tensor        `json:"tensors"`
}

// Source records where the weights came from.
type Source struct {
	Format string `json:"format"` // "tfjs-layers", "pytorch", "onnx"
	File   string `json:"file"`   // base name of the source
	SHA256 string `json:"sha256"` // of the source file (model.json for TF.js)
}

// Features is the width of the pooled feature vector that feeds the
// classifier.
func (m *Meta) Features() int {
	return m.Width * 8 * m.Block.Expansion() // the last stage's planes are Width·2³
}

func (m *Meta) validate() error {
	switch m.Block {
	case Basic, Bottleneck:
	default:
		return fmt.Errorf("unknown block kind %q", m.Block)
	}
	switch m.Stride {
	case StrideOn1x1, StrideOn3x3:
	default:
		return fmt.Errorf("unknown stride placement %q", m.Stride)
	}
	switch m.Quant {
	case Int8, F32:
	default:
		return fmt.Errorf("unknown quantisation %q", m.Quant)
	}
	switch m.Pre.ChannelOrder {
	case "RGB", "BGR":
	default:
		return fmt.Errorf("unknown channel order %q", m.Pre.ChannelOrder)
	}
	if err := m.Pre.checkValues(); err != nil {
		return err
	}
	if m.Pre.Crop < 16 || m.Pre.Crop > 1024 || m.Pre.Resize < m.Pre.Crop || m.Pre.Resize > 4096 {
		return fmt.Errorf("preprocess resize %d / crop %d out of range", m.Pre.Resize, m.Pre.Crop)
	}
	if m.Width < 1 || m.Width > 1024 {
		return fmt.Errorf("width %d out of range", m.Width)
	}
	if m.Classes < 1 || m.Classes > 100000 {
		return fmt.Errorf("classes %d out of range", m.Classes)
	}
	if len(m.Labels) != m.Classes {
		return fmt.Errorf("%d labels for %d classes", len(m.Labels), m.Classes)
	}
	return m.checkArchitecture()
}

// decodeMeta parses the JSON section strictly: an unknown field means a
// writer newer than this reader, and is refused rather than ignored.
func decodeMeta(b []byte) (*Meta, error) {
	if err := checkLists(b); err != nil {
		return nil, err
	}
	var m Meta
	dec := json.NewDecoder(bytesReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("trailing data after JSON")
	}
	return &m, nil
}
