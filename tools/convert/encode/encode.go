// Package encode turns a checkpoint's network into the project's model file:
// BatchNorm folded into the convolutions, weights reordered for HWC im2col,
// quantised with the reference quantiser and packed in the kernels' layout.
package encode

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/inbrowser-ai/resnet/engine/kernels"
	"github.com/inbrowser-ai/resnet/engine/modelfile"
	"github.com/inbrowser-ai/resnet/engine/resnet"
	"github.com/inbrowser-ai/resnet/engine/tensorfile"
	"github.com/inbrowser-ai/resnet/tools/convert/net"
)

// Encode writes n as a model file with the given weight quantisation and,
// for int8, the default wide layers (DefaultWide). The output depends only
// on n, q and src: the same checkpoint gives the same bytes.
func Encode(n *net.Network, q modelfile.Quant, src modelfile.Source) ([]byte, error) {
	return EncodeWith(n, q, src, DefaultWide(n))
}

// Wide names the layers (convolution names, "fc" for the classifier) that an
// int8 model keeps at 16-bit weights.
type Wide map[string]bool

// The wide weights' largest range: ±4095 for convolutions (13 bits; fewer
// where the layer's input would lose levels, wideConvLevels), ±3640
// (kernels.WinogradWideMax) for stride-1 3×3 ones, whose Winograd
// transforms must fit int16, ±32767 for the classifier, which multiplies
// in float32.
const (
	WideConvMax  = 4095
	WideDenseMax = 32767
)

// DefaultWide is the stem, every convolution of the first two stages, and
// the classifier. Measured on the default ResNet-50 (one layer at a time in
// int8, the rest f32, relative logit error on real photos; README), the
// early layers are where int8 loses most — the stem 1.6 %, layer1.0's conv1
// 1.5 %, the classifier 1.35 %, layer1.0's projection 1.1 %, against
// 0.15–0.35 % for a typical later layer — because their errors pass through
// every later one. They hold few weights: in a ResNet-50 the classifier's
// 2 M and 1.4 M for the rest, so the file grows by 13 %.
func DefaultWide(n *net.Network) Wide {
	w := Wide{"fc": true}
	if n.Stem != nil {
		w[n.Stem.Name] = true
	}
	for _, stage := range n.Stages[:min(2, len(n.Stages))] {
		for _, b := range stage {
			for _, c := range []*net.Conv{b.Conv1, b.Conv2, b.Conv3, b.Downsample} {
				if c != nil {
					w[c.Name] = true
				}
			}
		}
	}
	return w
}

// EncodeWith is Encode with the given wide layers (ignored for f32) and no
// calibration.
func EncodeWith(n *net.Network, q modelfile.Quant, src modelfile.Source, wide Wide) ([]byte, error) {
	return EncodeOptions(n, q, src, Options{Wide: wide})
}

// Options are an int8 encoding's choices beyond the checkpoint.
type Options struct {
	Wide   Wide   // layers kept at 16-bit weights
	Inputs Inputs // calibration: each convolution's input statistics
}

// Inputs are, per convolution name, statistics of its GEMM's input columns
// over calibration photos, from the float32 network.
type Inputs map[string]*ColumnStats

// ColumnStats are the mean of each input column (HWC im2col order, k·k·in
// values) and, for the layers whose int8 weights are rounded by error
// feedback (gptq.go), their Gram matrix E[x·xᵀ] (k×k, nil for the others).
type ColumnStats struct {
	Mean []float64
	Gram []float64
}

// EncodeOptions is Encode with the given options (ignored for f32).
func EncodeOptions(n *net.Network, q modelfile.Quant, src modelfile.Source, opt Options) ([]byte, error) {
	wide := opt.Wide
	depth, err := n.Depth()
	if err != nil {
		return nil, err
	}
	if n.Stem == nil {
		return nil, fmt.Errorf("encode: network has no stem")
	}
	meta := modelfile.Meta{
		Name:    n.Name,
		Depth:   depth,
		Block:   n.Block,
		Stride:  n.Stride,
		Width:   n.Stem.Out,
		Classes: n.FC.Out,
		Quant:   q,
		Pre:     n.Pre,
		Source:  src,
		Labels:  n.Labels,
	}
	if n.Block == modelfile.Basic {
		meta.Stride = modelfile.StrideOn3x3 // basic blocks stride on their first 3×3 either way
	}
	for i, s := range n.Stages {
		meta.Stages[i] = len(s)
	}
	if meta.Name == "" {
		meta.Name = fmt.Sprintf("resnet%d", depth)
	}
	var tensors []modelfile.TensorData
	add := func(c *net.Conv) error {
		if c == nil {
			return nil
		}
		meta.Convs = append(meta.Convs, modelfile.Conv{Name: c.Name, In: c.In, Out: c.Out, K: c.K, Stride: c.Stride, Pad: c.Pad})
		t, err := convTensors(c, q, wide[c.Name], opt.Inputs[c.Name])
		tensors = append(tensors, t...)
		return err
	}
	if err := add(n.Stem); err != nil {
		return nil, err
	}
	for _, stage := range n.Stages {
		for _, b := range stage {
			for _, c := range []*net.Conv{b.Conv1, b.Conv2, b.Conv3, b.Downsample} {
				if err := add(c); err != nil {
					return nil, err
				}
			}
		}
	}
	fc, err := denseTensors(&n.FC, q, wide["fc"])
	if err != nil {
		return nil, err
	}
	tensors = append(tensors, fc...)

	b, err := modelfile.Write(meta, tensors)
	if err != nil {
		return nil, err
	}
	// Build the network from the file we just wrote, so that a converter
	// bug shows up here and not in a user's browser.
	f, err := modelfile.Parse(b, modelfile.Trusted)
	if err != nil {
		return nil, err
	}
	if _, err := resnet.New(f); err != nil {
		return nil, fmt.Errorf("encode: written model does not load: %w", err)
	}
	return b, nil
}

// fold returns the convolution's weights with its BatchNorm folded in,
// reordered from OIHW to O(KH·KW·I) for HWC im2col, and its bias.
func fold(c *net.Conv) (w []float32, bias []float32, err error) {
	kdim := c.K * c.K * c.In
	if len(c.Weight) != c.Out*kdim {
		return nil, nil, fmt.Errorf("encode: %s has %d weights, %d×%d×%d×%d needs %d", c.Name, len(c.Weight), c.Out, c.In, c.K, c.K, c.Out*kdim)
	}
	if c.Bias != nil && len(c.Bias) != c.Out {
		return nil, nil, fmt.Errorf("encode: %s has %d biases for %d channels", c.Name, len(c.Bias), c.Out)
	}
	w = make([]float32, c.Out*kdim)
	bias = make([]float32, c.Out)
	for o := range c.Out {
		mul, add := 1.0, 0.0
		if c.Bias != nil {
			add = float64(c.Bias[o])
		}
		if bn := c.BN; bn != nil {
			if len(bn.Gamma) != c.Out || len(bn.Beta) != c.Out || len(bn.Mean) != c.Out || len(bn.Var) != c.Out {
				return nil, nil, fmt.Errorf("encode: %s batch norm has the wrong number of channels", c.Name)
			}
			if !(float64(bn.Var[o])+float64(bn.Eps) > 0) {
				return nil, nil, fmt.Errorf("encode: %s batch norm variance %g + eps %g is not positive", c.Name, bn.Var[o], bn.Eps)
			}
			mul = float64(bn.Gamma[o]) / math.Sqrt(float64(bn.Var[o])+float64(bn.Eps))
			add = (add-float64(bn.Mean[o]))*mul + float64(bn.Beta[o])
		}
		bias[o] = float32(add)
		for i := range c.In {
			for ky := range c.K {
				for kx := range c.K {
					v := float64(c.Weight[((o*c.In+i)*c.K+ky)*c.K+kx]) * mul
					w[o*kdim+(ky*c.K+kx)*c.In+i] = float32(v)
				}
			}
		}
	}
	for _, v := range w {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return nil, nil, fmt.Errorf("encode: %s has a non-finite weight", c.Name)
		}
	}
	return w, bias, nil
}

// wideConvLevels is the ±Q a wide convolution's weights are rounded to. The
// engine gives a layer's input as many levels L as its int32 sums allow
// (L·max_n Σ_k|q[n][k]| < 2³¹, with 4L for stride-1 3×3 layers, whose
// Winograd sums are larger), so weight and activation levels share one
// budget: Σ_k|q[n][k]| = Q·r_n, with r_n = Σ_k|w[n][k]|/max_k|w[n][k]|.
// Rounding errors of weights and activations add, so the split that
// minimises them gives both the same Q = L = √(2³¹/(4·r)). A layer with
// many inputs would otherwise spend its budget on weight bits and leave its
// input coarser than in an int8 layer. Q stays within ±4095 (±3640 for
// Winograd, kernels.WinogradWideMax, whose transforms must fit int16) and
// never below int8's 127.
func wideConvLevels(w []float32, c *net.Conv) int {
	kdim := c.K * c.K * c.In
	qmax, sums := WideConvMax, 1.0
	if c.K == 3 && c.Stride == 1 {
		qmax, sums = kernels.WinogradWideMax, 4 // so that it still runs as Winograd
	}
	r := 1.0
	for n := range c.Out {
		row := w[n*kdim : (n+1)*kdim]
		var l1, m float64
		for _, v := range row {
			a := math.Abs(float64(v))
			l1, m = l1+a, max(m, a)
		}
		if m > 0 {
			r = max(r, l1/m)
		}
	}
	return max(127, min(qmax, int(math.Sqrt(math.MaxInt32/(sums*r)))))
}

func convTensors(c *net.Conv, q modelfile.Quant, wide bool, in *ColumnStats) ([]modelfile.TensorData, error) {
	w, bias, err := fold(c)
	if err != nil {
		return nil, err
	}
	kdim := c.K * c.K * c.In
	var mean []float64
	if in != nil {
		if len(in.Mean) != kdim || in.Gram != nil && len(in.Gram) != kdim*kdim {
			return nil, fmt.Errorf("encode: %s: calibration has %d input columns, the layer %d", c.Name, len(in.Mean), kdim)
		}
		mean = in.Mean
	}
	shape := []int{c.Out, c.K, c.K, c.In}
	out := []modelfile.TensorData{}
	if q == modelfile.Int8 && wide {
		qw, scale := kernels.QuantizeRowsInt16(w, c.Out, kdim, wideConvLevels(w, c))
		correctBias(bias, w, kdim, mean, func(i int) float64 { return float64(qw[i]) * float64(scale[i/kdim]) })
		out = append(out,
			modelfile.TensorData{Name: c.Name + ".w", DType: "i16", Layout: "o8k2", Shape: shape, Data: int16Bytes(kernels.PackO8K2(qw, c.Out, kdim))},
			vectorData(c.Name+".scale", scale))
	} else if q == modelfile.Int8 {
		var qw []int8
		var scale []float32
		if in != nil && in.Gram != nil {
			if qw, scale, err = quantizeRowsInt8GPTQ(w, c.Out, kdim, in.Gram); err != nil {
				return nil, fmt.Errorf("%s: %w", c.Name, err)
			}
		} else {
			qw, scale = kernels.QuantizeRowsInt8(w, c.Out, kdim)
		}
		correctBias(bias, w, kdim, mean, func(i int) float64 { return float64(qw[i]) * float64(scale[i/kdim]) })
		out = append(out,
			modelfile.TensorData{Name: c.Name + ".w", DType: "i8", Layout: "o8k2", Shape: shape, Data: int8Bytes(kernels.PackO8K2(qw, c.Out, kdim))},
			vectorData(c.Name+".scale", scale))
	} else {
		out = append(out, modelfile.TensorData{Name: c.Name + ".w", DType: "f32", Layout: "o8k1", Shape: shape, Data: tensorfile.Encode(kernels.PackO8K1(w, c.Out, kdim))})
	}
	return append(out, vectorData(c.Name+".bias", bias)), nil
}

// correctBias removes from each output channel's bias the mean shift its
// rounded weights would add on calibration inputs: Σ_j (ŵ_j − w_j)·E[x_j].
// Rounding errors are fixed per weight, so on inputs whose mean is large
// next to their spread — every input after a ReLU — much of a layer's
// output error is this shift, the same on every photo. (Nagel et al., "Data-Free
// Quantization Through Weight Equalization and Bias Correction", 2019.)
func correctBias(bias, w []float32, kdim int, mean []float64, deq func(i int) float64) {
	if mean == nil {
		return
	}
	for o := range bias {
		var d float64
		for j, mu := range mean {
			i := o*kdim + j
			d += (deq(i) - float64(w[i])) * mu
		}
		bias[o] = float32(float64(bias[o]) - d)
	}
}

func denseTensors(d *net.Dense, q modelfile.Quant, wide bool) ([]modelfile.TensorData, error) {
	if len(d.Weight) != d.Out*d.In || len(d.Bias) != d.Out {
		return nil, fmt.Errorf("encode: fc has %d weights and %d biases for %d×%d", len(d.Weight), len(d.Bias), d.Out, d.In)
	}
	shape := []int{d.Out, d.In}
	if q == modelfile.Int8 && wide {
		qw, scale := kernels.QuantizeRowsInt16(d.Weight, d.Out, d.In, WideDenseMax)
		return []modelfile.TensorData{
			{Name: "fc.w", DType: "i16", Layout: "rows", Shape: shape, Data: int16Bytes(qw)},
			vectorData("fc.scale", scale),
			vectorData("fc.bias", d.Bias),
		}, nil
	}
	if q == modelfile.Int8 {
		qw, scale := kernels.QuantizeRowsInt8(d.Weight, d.Out, d.In)
		return []modelfile.TensorData{
			{Name: "fc.w", DType: "i8", Layout: "rows", Shape: shape, Data: int8Bytes(qw)},
			vectorData("fc.scale", scale),
			vectorData("fc.bias", d.Bias),
		}, nil
	}
	return []modelfile.TensorData{
		{Name: "fc.w", DType: "f32", Layout: "rows", Shape: shape, Data: tensorfile.Encode(d.Weight)},
		vectorData("fc.bias", d.Bias),
	}, nil
}

func vectorData(name string, v []float32) modelfile.TensorData {
	return modelfile.TensorData{Name: name, DType: "f32", Layout: "rows", Shape: []int{len(v)}, Data: tensorfile.Encode(v)}
}

func int16Bytes(v []int16) []byte {
	b := make([]byte, 2*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint16(b[2*i:], uint16(x))
	}
	return b
}

func int8Bytes(v []int8) []byte {
	b := make([]byte, len(v))
	for i, x := range v {
		b[i] = byte(x)
	}
	return b
}
