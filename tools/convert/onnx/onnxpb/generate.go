// Package onnxpb holds the Go types of the ONNX protobuf schema.
//
// onnx.proto is copied unchanged from the ONNX 1.12 distribution (Debian's
// python3-onnx, /usr/lib/python3/dist-packages/onnx/onnx.proto; Apache-2.0,
// see its SPDX header). onnx.pb.go is generated from it by Debian's protoc
// and protoc-gen-go v1.36.12 (go install
// google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.12).
package onnxpb

//go:generate protoc --go_out=. --go_opt=paths=source_relative --go_opt=Monnx.proto=github.com/inbrowser-ai/resnet/tools/convert/onnx/onnxpb onnx.proto
