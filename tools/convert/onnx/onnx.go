// Package onnx reads an ImageNet ResNet from an ONNX model into a
// net.Network.
//
// Supported: graphs of Conv (group 1, dilation 1, symmetric padding of k/2),
// optional BatchNormalization after each Conv (inference mode), Relu, a
// 3×3/2 MaxPool, residual Add, GlobalAveragePool or ReduceMean over H and W,
// optional Flatten/Reshape, and Gemm or MatMul+Add, optionally followed by
// Softmax; Identity and Constant nodes are seen through. That covers
// torchvision exports with BatchNorm kept (training=PRESERVE or
// do_constant_folding=False) and folded (the default: Conv with bias, no
// BatchNormalization), both tested on real exports, and v1 graphs that stride
// on a bottleneck's first 1×1, as the ONNX model zoo's MXNet-made resnet*-v1
// do (tested on an edited export; the zoo files themselves could not be
// fetched here). Weights are float32 or
// float64, raw_data or typed fields, inside the file. Not supported:
// external data, pre-activation (v2) ResNets, quantised graphs.
//
// The graph is walked by data flow from the image input, so names in the
// file are never trusted; layers get torchvision's names from the structure.
package onnx

import (
	"fmt"

	"google.golang.org/protobuf/proto"

	"github.com/inbrowser-ai/resnet/tools/convert/net"
	pb "github.com/inbrowser-ai/resnet/tools/convert/onnx/onnxpb"
	"github.com/inbrowser-ai/resnet/tools/convert/regularfile"
)

// Read loads the ONNX model at path: a regular file, whose size is checked
// before it is read.
func Read(path string) (*net.Network, error) {
	b, err := regularfile.ReadPath(path, maxFileBytes)
	if err != nil {
		return nil, err
	}
	n, err := ReadBytes(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return n, nil
}

// ReadBytes loads an ONNX model held in memory.
func ReadBytes(b []byte) (n *net.Network, err error) {
	defer func() {
		// The walk indexes slices whose lengths come from the file; a slip
		// there must surface as a malformed model, not a crash.
		if r := recover(); r != nil {
			n, err = nil, fmt.Errorf("onnx: malformed model (%v)", r)
		}
	}()
	var m pb.ModelProto
	if len(b) > maxFileBytes {
		return nil, fmt.Errorf("onnx: %d bytes, over the limit of %d MiB", len(b), maxFileBytes>>20)
	}
	if err := checkWire(b, m.ProtoReflect().Descriptor(), defaultWireLimits()); err != nil {
		return nil, fmt.Errorf("onnx: %w", err)
	}
	if err := proto.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("onnx: not an ONNX model: %w", err)
	}
	gp := m.GetGraph()
	if gp == nil || len(gp.GetNode()) == 0 {
		return nil, fmt.Errorf("onnx: not an ONNX model (no graph)")
	}
	for _, op := range m.GetOpsetImport() {
		if d := op.GetDomain(); d != "" && d != "ai.onnx" {
			return nil, fmt.Errorf("onnx: operator set %q is not supported", d)
		}
	}
	g, err := index(gp)
	if err != nil {
		return nil, fmt.Errorf("onnx: %w", err)
	}
	input, err := imageInput(gp, g)
	if err != nil {
		return nil, fmt.Errorf("onnx: %w", err)
	}
	n, err = walk(g, input)
	if err == nil {
		err = finish(n)
	}
	if err != nil {
		return nil, fmt.Errorf("onnx: not a supported ResNet: %w", err)
	}
	return n, nil
}

// imageInput is the one graph input that is not a weight (before IR version
// 4, initializers are listed among the inputs too).
func imageInput(gp *pb.GraphProto, g *graph) (string, error) {
	var in []string
	for _, v := range gp.GetInput() {
		if _, isConst := g.consts[v.GetName()]; !isConst {
			in = append(in, v.GetName())
		}
	}
	if len(in) != 1 {
		return "", fmt.Errorf("graph has %d non-weight inputs %q, want one image input", len(in), in)
	}
	return in[0], nil
}
