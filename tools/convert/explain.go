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
// one-layer-at-a-time networks on: a few are enough to rank the layers,
// and the report costs a network per layer.
const reportImages = 4

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
	rows, err := report.Layers(n, src, ranges, inputs)
	if err != nil {
		return err
	}
	q, err := resnet.New(f)
	if err != nil {
		return err
	}
	whole, err := report.Whole(q, n, src, inputs)
	if err != nil {
		return err
	}
	report.Print(w, append(rows, whole), len(inputs))
	return nil
}
