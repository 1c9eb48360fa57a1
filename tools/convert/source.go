package main

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/inbrowser-ai/resnet/engine/modelfile"
	"github.com/inbrowser-ai/resnet/tools/convert/net"
	"github.com/inbrowser-ai/resnet/tools/convert/onnx"
	"github.com/inbrowser-ai/resnet/tools/convert/pth"
	"github.com/inbrowser-ai/resnet/tools/convert/regularfile"
	"github.com/inbrowser-ai/resnet/tools/convert/tfjs"
)

// Reader names, as recorded in the model file's source.
const (
	fromPyTorch = "pytorch"
	fromONNX    = "onnx"
	fromTFJS    = "tfjs-layers"
)

// sniffLen is how much of a file sniff looks at.
const sniffLen = 64

// sniff tells a source's format from its first bytes, so that a file is
// read by the reader for what it is, whatever its name. reader is one of
// the from* names, or "" with what describing a format this converter does
// not read.
func sniff(head []byte) (reader, what string) {
	switch {
	case len(head) == 0:
		return "", "an empty file"
	case bytes.HasPrefix(head, []byte("PK\x03\x04")), bytes.HasPrefix(head, []byte("PK\x05\x06")):
		return fromPyTorch, "a zip archive (torch.save's format since PyTorch 1.6)"
	case len(head) >= 2 && head[0] == 0x80 && head[1] >= 2 && head[1] <= 5:
		return fromPyTorch, "a pickle (torch.save's format before PyTorch 1.6)"
	case isONNX(head):
		return fromONNX, "an ONNX model"
	case bytes.HasPrefix(head, []byte(modelfile.Magic)):
		return "", "already a model file of this project"
	case bytes.HasPrefix(head, []byte("\x89HDF\r\n\x1a\n")):
		return "", "an HDF5 file (a Keras .h5 model?): convert it with tensorflowjs_converter --input_format keras to a TF.js layers model.json first"
	case bytes.HasPrefix(head, []byte("\x1f\x8b")):
		return "", "gzip-compressed: decompress it first"
	case len(head) >= 8 && string(head[4:8]) == "TFL3":
		return "", "a TensorFlow Lite model"
	case isSafetensors(head):
		return "", "a safetensors file: load it in PyTorch and torch.save the state dict"
	}
	text := bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\xef\xbb\xbf")), " \t\r\n")
	switch {
	case bytes.HasPrefix(text, []byte("{")):
		return fromTFJS, "a JSON object (a TF.js model.json?)"
	case bytes.HasPrefix(text, []byte("[")):
		return "", "a JSON list (a labels file? pass it as -labels)"
	}
	return "", fmt.Sprintf("of no format this converter knows (it starts % x)", head[:min(len(head), 8)])
}

// isONNX recognises a serialised onnx.ModelProto: protobuf writes fields in
// number order, so it starts with ir_version (field 1, a small varint) and
// goes on with another ModelProto field.
func isONNX(b []byte) bool {
	if len(b) < 3 || b[0] != 0x08 || b[1] == 0 || b[1] > 0x7f {
		return false
	}
	switch b[2] {
	case 0x12, 0x1a, 0x22, 0x28, 0x32, 0x3a, 0x42, 0x72: // fields 2–8, 14
		return true
	case 0xa2, 0xca: // fields 20, 25 (two-byte tags)
		return len(b) > 3 && b[3] == 0x01
	}
	return false
}

// isSafetensors recognises a little-endian header length then a JSON header.
func isSafetensors(b []byte) bool {
	return len(b) > 9 && binary.LittleEndian.Uint64(b) < 100<<20 && b[8] == '{' && b[9] == '"'
}

// read reads the source at path with the reader its content calls for.
// Only regular files are read: a device or a pipe named as -in would be
// read without end.
func read(path string) (string, *net.Network, error) {
	f, _, err := regularfile.OpenPath(path)
	if err != nil {
		return "", nil, err
	}
	head := make([]byte, sniffLen)
	k, err := io.ReadFull(f, head)
	f.Close()
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return "", nil, err
	}
	reader, what := sniff(head[:k])
	ext := strings.ToLower(filepath.Ext(path))
	if reader == "" && ext == ".onnx" && k > 0 {
		// protobuf allows fields in any order: let the ONNX reader judge.
		reader = fromONNX
	}
	var n *net.Network
	switch reader {
	case fromPyTorch:
		n, err = pth.Read(path)
	case fromONNX:
		n, err = onnx.Read(path)
	case fromTFJS:
		n, err = tfjs.Read(path)
	default:
		return "", nil, fmt.Errorf("%s is %s; the converter reads a PyTorch .pth, an ONNX file or a TF.js model.json", path, what)
	}
	if err != nil && !expects(ext, reader) {
		err = fmt.Errorf("%s, read as %s despite its name: %w", what, reader, err)
	}
	return reader, n, err
}

// expects says whether a file name's extension matches the reader its
// content chose, so that errors can say when they do not.
func expects(ext, reader string) bool {
	switch ext {
	case ".pth", ".pt", ".bin", ".tar", ".ckpt":
		return reader == fromPyTorch
	case ".onnx":
		return reader == fromONNX
	case ".json":
		return reader == fromTFJS
	}
	return true
}
