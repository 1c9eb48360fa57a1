package main

import (
	"fmt"
	"io"

	"github.com/inbrowser-ai/resnet/engine/modelfile"
	"github.com/inbrowser-ai/resnet/engine/resnet"
	"github.com/inbrowser-ai/resnet/tools/convert/calib"
	"github.com/inbrowser-ai/resnet/tools/convert/net"
	"github.com/inbrowser-ai/resnet/tools/convert/report"
)

// reportImages is how many calibration photos -report runs each of its
// one-layer-at-a-time networks on, at half the model's crop (2×2 pixel
// averages): enough to rank the layers, and the report costs a float
// network per layer.
const reportImages = 2

// explain prints -report's table for the int8 model file b converted from
// n: each layer's share of the logit error, then the whole model's.
func explain(w io.Writer, n *net.Network, src modelfile.Source, b []byte, calibDir string) error {
	f, err := modelfile.Parse(b, modelfile.Trusted)
	if err != nil {
		return err
	}
	if f.Meta.Quant != modelfile.Int8 {
		return fmt.Errorf("-report explains an int8 model's error: use it with -quant int8")
	}
	ranges := map[string]float32{}
	for _, c := range f.Meta.Convs {
		ranges[c.Name] = c.ActMax
	}
	inputs, err := calib.Inputs(n.Pre, calibDir)
	if err != nil {
		return err
	}
	inputs = inputs[:min(len(inputs), reportImages)]
	side := n.Pre.Crop / 2
	for i, in := range inputs {
		inputs[i] = halve(in, n.Pre.Crop)
	}
	rows, err := report.Layers(n, src, ranges, inputs, side)
	if err != nil {
		return err
	}
	q, err := resnet.New(f)
	if err != nil {
		return err
	}
	whole, err := report.Whole(q, n, src, inputs, side)
	if err != nil {
		return err
	}
	report.Print(w, append(rows, whole), len(inputs), side)
	return nil
}

// halve averages 2×2 pixels of an s×s×3 HWC image.
func halve(in []float32, s int) []float32 {
	h := s / 2
	out := make([]float32, h*h*3)
	for y := range h {
		for x := range h {
			for c := range 3 {
				at := func(yy, xx int) float32 { return in[(yy*s+xx)*3+c] }
				out[(y*h+x)*3+c] = (at(2*y, 2*x) + at(2*y, 2*x+1) + at(2*y+1, 2*x) + at(2*y+1, 2*x+1)) / 4
			}
		}
	}
	return out
}
