// Package encode turns a checkpoint's network into the project's model file:
// BatchNorm folded into the convolutions, weights reordered for HWC im2col,
// quantised with the reference quantiser and packed in the kernels' layout.
package encode

import (
	"fmt"
	"math"

	"github.com/inbrowser-ai/resnet/engine/kernels"
	"github.com/inbrowser-ai/resnet/engine/modelfile"
	"github.com/inbrowser-ai/resnet/engine/resnet"
	"github.com/inbrowser-ai/resnet/engine/tensorfile"
	"github.com/inbrowser-ai/resnet/tools/convert/calib"
	"github.com/inbrowser-ai/resnet/tools/convert/net"
)

// Options are Encode's choices beyond the weight format.
type Options struct {
	// CalibDir holds the photos that fix an int8 model's activation
	// ranges; "" means the converter's built-in calibration set.
	CalibDir string
}

// Encode writes n as a model file with the given weight quantisation,
// calibrated on the built-in photos. The output depends only on n, q and
// src: the same checkpoint gives the same bytes.
func Encode(n *net.Network, q modelfile.Quant, src modelfile.Source) ([]byte, error) {
	return EncodeWith(n, q, src, Options{})
}

// EncodeWith is Encode with options. An int8 model is made in two passes:
// the f32 model first, run on the calibration photos to find each
// activation's range, then the int8 file that records those ranges.
func EncodeWith(n *net.Network, q modelfile.Quant, src modelfile.Source, o Options) ([]byte, error) {
	if q != modelfile.Int8 {
		return encode(n, q, src, nil)
	}
	ranges, err := Calibrate(n, src, o.CalibDir)
	if err != nil {
		return nil, err
	}
	return encode(n, q, src, ranges)
}

// Calibrate returns the activation ceilings of n's int8 model (see
// calib.Ranges), measured on the photos of dir ("" for the built-in set).
func Calibrate(n *net.Network, src modelfile.Source, dir string) (map[string]float32, error) {
	inputs, err := calib.Inputs(n.Pre, dir)
	if err != nil {
		return nil, err
	}
	f, err := Float(n, src)
	if err != nil {
		return nil, err
	}
	return calib.Ranges(f, inputs, n.Pre.Crop)
}

// Float builds the f32 network of n, ready to run.
func Float(n *net.Network, src modelfile.Source) (*resnet.Net, error) {
	return FloatQuantized(n, src, "")
}

// FloatQuantized is Float with the weights of one layer (a convolution's
// name, or "fc") passed through the int8 quantiser and back: what that
// layer's weights alone cost, for -report.
func FloatQuantized(n *net.Network, src modelfile.Source, layer string) (*resnet.Net, error) {
	b, err := encodeFake(n, src, layer)
	if err != nil {
		return nil, err
	}
	f, err := modelfile.Parse(b, modelfile.Trusted)
	if err != nil {
		return nil, err
	}
	return resnet.New(f)
}

// encode writes the file; ranges are the int8 activation ceilings by
// convolution name (a projection shortcut reads its block's conv1 input).
func encode(n *net.Network, q modelfile.Quant, src modelfile.Source, ranges map[string]float32) ([]byte, error) {
	return encodeLayer(n, q, src, ranges, "")
}

func encodeFake(n *net.Network, src modelfile.Source, fake string) ([]byte, error) {
	return encodeLayer(n, modelfile.F32, src, nil, fake)
}

// encodeLayer is encode where, in an f32 file, the layer named fake has
// int8-rounded weights.
func encodeLayer(n *net.Network, q modelfile.Quant, src modelfile.Source, ranges map[string]float32, fake string) ([]byte, error) {
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
	add := func(c *net.Conv, input string) error {
		if c == nil {
			return nil
		}
		mc := modelfile.Conv{Name: c.Name, In: c.In, Out: c.Out, K: c.K, Stride: c.Stride, Pad: c.Pad}
		if q == modelfile.Int8 && c != n.Stem {
			var ok bool
			if mc.ActMax, ok = ranges[input]; !ok {
				return fmt.Errorf("encode: no calibrated range for the input of %s", c.Name)
			}
		}
		meta.Convs = append(meta.Convs, mc)
		t, err := convTensors(c, q, c.Name == fake)
		tensors = append(tensors, t...)
		return err
	}
	if err := add(n.Stem, ""); err != nil {
		return nil, err
	}
	for _, stage := range n.Stages {
		for _, b := range stage {
			for _, c := range []*net.Conv{b.Conv1, b.Conv2, b.Conv3, b.Downsample} {
				input := ""
				if c != nil {
					input = c.Name
				}
				if c == b.Downsample {
					input = b.Conv1.Name
				}
				if err := add(c, input); err != nil {
					return nil, err
				}
			}
		}
	}
	fc, err := denseTensors(&n.FC, q, fake == "fc")
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

func convTensors(c *net.Conv, q modelfile.Quant, fake bool) ([]modelfile.TensorData, error) {
	w, bias, err := fold(c)
	if err != nil {
		return nil, err
	}
	kdim := c.K * c.K * c.In
	if fake {
		w = roundTrip(w, c.Out, kdim)
	}
	shape := []int{c.Out, c.K, c.K, c.In}
	out := []modelfile.TensorData{}
	if q == modelfile.Int8 {
		qw, scale := kernels.QuantizeRowsInt8(w, c.Out, kdim)
		out = append(out,
			modelfile.TensorData{Name: c.Name + ".w", DType: "i8", Layout: "o8k2", Shape: shape, Data: int8Bytes(kernels.PackO8K2(qw, c.Out, kdim))},
			vectorData(c.Name+".scale", scale))
	} else {
		out = append(out, modelfile.TensorData{Name: c.Name + ".w", DType: "f32", Layout: "o8k1", Shape: shape, Data: tensorfile.Encode(kernels.PackO8K1(w, c.Out, kdim))})
	}
	return append(out, vectorData(c.Name+".bias", bias)), nil
}

func denseTensors(d *net.Dense, q modelfile.Quant, fake bool) ([]modelfile.TensorData, error) {
	if len(d.Weight) != d.Out*d.In || len(d.Bias) != d.Out {
		return nil, fmt.Errorf("encode: fc has %d weights and %d biases for %d×%d", len(d.Weight), len(d.Bias), d.Out, d.In)
	}
	weight := d.Weight
	if fake {
		weight = roundTrip(weight, d.Out, d.In)
	}
	shape := []int{d.Out, d.In}
	if q == modelfile.Int8 {
		qw, scale := kernels.QuantizeRowsInt8(d.Weight, d.Out, d.In)
		return []modelfile.TensorData{
			{Name: "fc.w", DType: "i8", Layout: "rows", Shape: shape, Data: int8Bytes(qw)},
			vectorData("fc.scale", scale),
			vectorData("fc.bias", d.Bias),
		}, nil
	}
	return []modelfile.TensorData{
		{Name: "fc.w", DType: "f32", Layout: "rows", Shape: shape, Data: tensorfile.Encode(weight)},
		vectorData("fc.bias", d.Bias),
	}, nil
}

// roundTrip is w through the reference int8 quantiser and back.
func roundTrip(w []float32, rows, cols int) []float32 {
	q, scale := kernels.QuantizeRowsInt8(w, rows, cols)
	out := make([]float32, len(w))
	for i, v := range q {
		out[i] = float32(v) * scale[i/cols]
	}
	return out
}

func vectorData(name string, v []float32) modelfile.TensorData {
	return modelfile.TensorData{Name: name, DType: "f32", Layout: "rows", Shape: []int{len(v)}, Data: tensorfile.Encode(v)}
}

func int8Bytes(v []int8) []byte {
	b := make([]byte, len(v))
	for i, x := range v {
		b[i] = byte(x)
	}
	return b
}
