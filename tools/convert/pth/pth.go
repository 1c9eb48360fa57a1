// Package pth reads a torchvision ResNet from a PyTorch state dict saved with
// torch.save (the zip format of torch ≥ 1.6, or the legacy one before it),
// such as torchvision's resnet18-f37072fd.pth, into a net.Network.
//
// Structure comes from key names (layerS.I.convK, downsample.0/.1, fc), the
// block kind from the presence of conv3, channel counts from tensor shapes,
// and strides from torchvision's rule (the first block of stages 2–4 strides
// on its first 3×3 and its projection). Anything else is refused.
//
// A checkpoint is untrusted input: the pickle is scanned before it runs, no
// walk over its result recurses, and the network's shapes and dtypes are
// checked before a byte of tensor data is read, within the limits in
// limits.go.
package pth

import (
	"bytes"
	"fmt"
	"io"

	"github.com/inbrowser-ai/resnet/tools/convert/net"
	"github.com/inbrowser-ai/resnet/tools/convert/regularfile"
)

// Read loads the state dict at path. A zip checkpoint is read where it lies:
// only its pickle and the storages the network needs come into memory.
func Read(path string) (*net.Network, error) {
	f, fi, err := regularfile.OpenPath(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	n, err := decode(f, fi.Size(), defaultLimits())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return n, nil
}

// ReadBytes loads a state dict held in memory.
func ReadBytes(b []byte) (*net.Network, error) {
	return decode(bytes.NewReader(b), int64(len(b)), defaultLimits())
}

func decode(r io.ReaderAt, size int64, lim limits) (n *net.Network, err error) {
	// The unpickler is third-party code fed untrusted bytes: a panic in it
	// is one more way for a file to be malformed.
	defer func() {
		if r := recover(); r != nil {
			n, err = nil, fmt.Errorf("pth: malformed file (%v)", r)
		}
	}()
	c, err := load(r, size, lim)
	if err != nil {
		return nil, fmt.Errorf("pth: %w", err)
	}
	sd, err := stateDict(c.obj, lim.wrapDepth)
	if err != nil {
		return nil, fmt.Errorf("pth: %w", err)
	}
	// First the structure, shapes and dtypes alone: a file that is not a
	// ResNet, or a bomb, is refused before its storages are read.
	dry := &builder{sd: copyDict(sd), dry: true}
	if _, err := dry.resnet(); err != nil {
		return nil, fmt.Errorf("pth: not a torchvision ResNet: %w", err)
	}
	if err := c.fetch(dry.taken); err != nil {
		return nil, fmt.Errorf("pth: %w", err)
	}
	n, err = (&builder{sd: sd}).resnet()
	if err != nil {
		return nil, fmt.Errorf("pth: not a torchvision ResNet: %w", err)
	}
	return n, nil
}

func copyDict(sd map[string]*tensor) map[string]*tensor {
	c := make(map[string]*tensor, len(sd))
	for k, v := range sd {
		c[k] = v
	}
	return c
}
