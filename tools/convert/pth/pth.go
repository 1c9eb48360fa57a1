// Package pth reads a torchvision ResNet from a PyTorch state dict saved with
// torch.save (the zip format of torch ≥ 1.6, or the legacy one before it),
// such as torchvision's resnet18-f37072fd.pth, into a net.Network.
//
// Structure comes from key names (layerS.I.convK, downsample.0/.1, fc), the
// block kind from the presence of conv3, channel counts from tensor shapes,
// and strides from torchvision's rule (the first block of stages 2–4 strides
// on its first 3×3 and its projection). Anything else is refused.
package pth

import (
	"fmt"
	"os"

	"github.com/inbrowser-ai/resnet/tools/convert/net"
)

// Read loads the state dict at path.
func Read(path string) (*net.Network, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	n, err := ReadBytes(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return n, nil
}

// ReadBytes loads a state dict held in memory.
func ReadBytes(b []byte) (n *net.Network, err error) {
	// The unpickler is third-party code fed untrusted bytes: a panic in it
	// is one more way for a file to be malformed.
	defer func() {
		if r := recover(); r != nil {
			n, err = nil, fmt.Errorf("pth: malformed file (%v)", r)
		}
	}()
	obj, err := load(b)
	if err != nil {
		return nil, fmt.Errorf("pth: %w", err)
	}
	sd, err := stateDict(obj)
	if err != nil {
		return nil, fmt.Errorf("pth: %w", err)
	}
	n, err = resnet(sd)
	if err != nil {
		return nil, fmt.Errorf("pth: not a torchvision ResNet: %w", err)
	}
	return n, nil
}
