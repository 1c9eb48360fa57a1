package tfjs

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// modelJSON is the top level of a TF.js model.json.
type modelJSON struct {
	Format          string          `json:"format"`
	GeneratedBy     string          `json:"generatedBy"`
	ModelTopology   json.RawMessage `json:"modelTopology"`
	WeightsManifest []weightGroup   `json:"weightsManifest"`
}

// modelConfig is a Keras functional model's config. TF.js writes it either
// wrapped ({"keras_version":…, "model_config": {…}}, what the Python
// converter emits) or bare (what tf.LayersModel.save emits); tfjs-layers
// accepts both, so do we.
type modelConfig struct {
	ClassName string `json:"class_name"`
	Config    struct {
		Name         string              `json:"name"`
		Layers       []layerJSON         `json:"layers"`
		InputLayers  [][]json.RawMessage `json:"input_layers"`
		OutputLayers [][]json.RawMessage `json:"output_layers"`
	} `json:"config"`
}

type layerJSON struct {
	Name         string          `json:"name"`
	ClassName    string          `json:"class_name"`
	Config       json.RawMessage `json:"config"`
	InboundNodes json.RawMessage `json:"inbound_nodes"`
}

// parseModelJSON decodes model.json and its Keras model config, refusing
// anything that is not a TF.js layers model of a functional Keras model.
func parseModelJSON(b []byte) (*modelJSON, *modelConfig, error) {
	var m modelJSON
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, nil, fmt.Errorf("model.json: %w", err)
	}
	switch m.Format {
	case "layers-model":
	case "":
		// TF.js converters before 1.0 wrote no format; the topology check
		// below still refuses anything that is not a Keras model.
	case "graph-model":
		return nil, nil, fmt.Errorf("model.json is a TF.js graph model (a frozen TensorFlow graph); only layers models (Keras) are supported")
	default:
		return nil, nil, fmt.Errorf("model.json format %q is not \"layers-model\"", m.Format)
	}
	if len(m.ModelTopology) == 0 || string(m.ModelTopology) == "null" {
		return nil, nil, fmt.Errorf("model.json has no modelTopology")
	}
	var wrap struct {
		ModelConfig json.RawMessage `json:"model_config"`
	}
	if err := json.Unmarshal(m.ModelTopology, &wrap); err != nil {
		return nil, nil, fmt.Errorf("model.json modelTopology: %w", err)
	}
	raw := m.ModelTopology
	if len(wrap.ModelConfig) > 0 && string(wrap.ModelConfig) != "null" {
		raw = wrap.ModelConfig
	}
	var mc modelConfig
	if err := json.Unmarshal(raw, &mc); err != nil {
		return nil, nil, fmt.Errorf("model.json model_config: %w", err)
	}
	switch mc.ClassName {
	case "Model", "Functional":
	case "Sequential":
		return nil, nil, fmt.Errorf("model.json holds a Keras Sequential model; a ResNet needs the functional API (residual branches)")
	case "":
		return nil, nil, fmt.Errorf("model.json modelTopology is not a Keras model config (no class_name)")
	default:
		return nil, nil, fmt.Errorf("model.json model class %q is not a Keras functional model", mc.ClassName)
	}
	if len(m.WeightsManifest) == 0 {
		return nil, nil, fmt.Errorf("model.json has no weightsManifest")
	}
	return &m, &mc, nil
}

// endpointName reads the layer name out of a Keras [name, node, tensor]
// reference (input_layers, output_layers, inbound_nodes entries). A ResNet
// never reuses a layer, so node and tensor indices must be 0.
func endpointName(ref []json.RawMessage) (string, error) {
	if len(ref) < 1 {
		return "", fmt.Errorf("empty layer reference")
	}
	var name string
	if err := json.Unmarshal(ref[0], &name); err != nil {
		return "", fmt.Errorf("layer reference: name: %w", err)
	}
	for i := 1; i < len(ref) && i < 3; i++ {
		var idx int
		if err := json.Unmarshal(ref[i], &idx); err != nil {
			return "", fmt.Errorf("layer reference to %q: index: %w", name, err)
		}
		if idx != 0 {
			return "", fmt.Errorf("layer %q is used more than once (node/tensor index %d); shared layers are not part of a ResNet", name, idx)
		}
	}
	return name, nil
}

// inboundNames returns the names of the layers feeding l, in order.
func inboundNames(l *layerJSON) ([]string, error) {
	if len(l.InboundNodes) == 0 || string(l.InboundNodes) == "null" {
		return nil, nil
	}
	var nodes [][][]json.RawMessage
	if err := json.Unmarshal(l.InboundNodes, &nodes); err != nil {
		return nil, fmt.Errorf("layer %q: inbound_nodes in an unknown format (Keras 3 models are not supported): %w", l.Name, err)
	}
	switch len(nodes) {
	case 0:
		return nil, nil
	case 1:
	default:
		return nil, fmt.Errorf("layer %q is called %d times; shared layers are not part of a ResNet", l.Name, len(nodes))
	}
	names := make([]string, 0, len(nodes[0]))
	for _, ref := range nodes[0] {
		n, err := endpointName(ref)
		if err != nil {
			return nil, fmt.Errorf("layer %q: %w", l.Name, err)
		}
		names = append(names, n)
	}
	return names, nil
}

// pair is a Keras size or stride: written as a number, [n] or [a, b].
type pair [2]int

func (p *pair) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '[' {
		var l []int
		if err := json.Unmarshal(b, &l); err != nil {
			return err
		}
		switch len(l) {
		case 1:
			*p = pair{l[0], l[0]}
		case 2:
			*p = pair{l[0], l[1]}
		default:
			return fmt.Errorf("%d values where 1 or 2 are expected", len(l))
		}
		return nil
	}
	var n int
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*p = pair{n, n}
	return nil
}

// square returns the single value of a pair, refusing rectangles, which no
// ResNet layer has and the engine does not implement.
func (p pair) square(what string) (int, error) {
	if p[0] != p[1] {
		return 0, fmt.Errorf("%s %v is not square", what, p)
	}
	if p[0] < 1 || p[0] > 64 {
		return 0, fmt.Errorf("%s %d out of range", what, p[0])
	}
	return p[0], nil
}

// axis is a BatchNormalization axis: a number or a one-element list.
type axis int

func (a *axis) UnmarshalJSON(b []byte) error {
	var p pair
	if err := p.UnmarshalJSON(b); err != nil {
		return err
	}
	if p[0] != p[1] {
		return fmt.Errorf("batch normalisation over several axes %v", p)
	}
	*a = axis(p[0])
	return nil
}

type inputConfig struct {
	BatchInputShape []*int `json:"batch_input_shape"`
	BatchShape      []*int `json:"batch_shape"` // newer Keras name of the same field
}

type convConfig struct {
	Filters      int    `json:"filters"`
	KernelSize   pair   `json:"kernel_size"`
	Strides      *pair  `json:"strides"`
	Padding      string `json:"padding"`
	DataFormat   string `json:"data_format"`
	DilationRate *pair  `json:"dilation_rate"`
	Groups       int    `json:"groups"`
	Activation   string `json:"activation"`
	UseBias      *bool  `json:"use_bias"`
}

type bnConfig struct {
	Axis    *axis    `json:"axis"`
	Epsilon *float64 `json:"epsilon"`
	Center  *bool    `json:"center"`
	Scale   *bool    `json:"scale"`
}

type padConfig struct {
	Padding    json.RawMessage `json:"padding"`
	DataFormat string          `json:"data_format"`
}

type poolConfig struct {
	PoolSize   pair   `json:"pool_size"`
	Strides    *pair  `json:"strides"`
	Padding    string `json:"padding"`
	DataFormat string `json:"data_format"`
}

type gapConfig struct {
	DataFormat string `json:"data_format"`
	KeepDims   bool   `json:"keepdims"`
}

type activationConfig struct {
	Activation string `json:"activation"`
}

type reluConfig struct {
	MaxValue      *float64 `json:"max_value"`
	NegativeSlope float64  `json:"negative_slope"`
	Threshold     float64  `json:"threshold"`
}

type denseConfig struct {
	Units      int    `json:"units"`
	Activation string `json:"activation"`
	UseBias    *bool  `json:"use_bias"`
}

// decodeConfig unmarshals a layer's config, naming the layer on error.
func decodeConfig(l *layerJSON, v any) error {
	if len(l.Config) == 0 || string(l.Config) == "null" {
		return fmt.Errorf("layer %q (%s) has no config", l.Name, l.ClassName)
	}
	if err := json.Unmarshal(l.Config, v); err != nil {
		return fmt.Errorf("layer %q (%s) config: %w", l.Name, l.ClassName, err)
	}
	return nil
}

// checkChannelsLast refuses channels_first layers: TF.js runs Keras models
// channels_last, and the kernel transposes below assume it.
func checkChannelsLast(l *layerJSON, format string) error {
	if format != "" && format != "channels_last" {
		return fmt.Errorf("layer %q: data_format %q (only channels_last is supported)", l.Name, format)
	}
	return nil
}

// zeroPadding returns the symmetric padding of a ZeroPadding2D layer.
// Keras writes it as n, [h, w] or [[top, bottom], [left, right]].
func zeroPadding(l *layerJSON) (int, error) {
	var c padConfig
	if err := decodeConfig(l, &c); err != nil {
		return 0, err
	}
	if err := checkChannelsLast(l, c.DataFormat); err != nil {
		return 0, err
	}
	var tb, lr pair
	var nested [][]int
	if err := json.Unmarshal(c.Padding, &nested); err == nil && len(nested) == 2 && len(nested[0]) == 2 && len(nested[1]) == 2 {
		tb, lr = pair{nested[0][0], nested[0][1]}, pair{nested[1][0], nested[1][1]}
	} else {
		var hw pair
		if err := json.Unmarshal(c.Padding, &hw); err != nil {
			return 0, fmt.Errorf("layer %q: padding %s not understood", l.Name, c.Padding)
		}
		tb, lr = pair{hw[0], hw[0]}, pair{hw[1], hw[1]}
	}
	if tb[0] != tb[1] || lr[0] != lr[1] || tb[0] != lr[0] {
		return 0, fmt.Errorf("layer %q: asymmetric zero padding %v/%v (the engine pads symmetrically)", l.Name, tb, lr)
	}
	if tb[0] < 0 || tb[0] > 64 {
		return 0, fmt.Errorf("layer %q: padding %d out of range", l.Name, tb[0])
	}
	return tb[0], nil
}
