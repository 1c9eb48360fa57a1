// Package engine classifies images with an ImageNet ResNet read from a model
// file. It is the one code path behind the command line, the browser
// (WebAssembly) and the edge worker: decode and preprocess, forward pass,
// softmax and top-k.
package engine

import (
	"fmt"
	"image"
	"math"
	"sort"
	"time"

	"github.com/inbrowser-ai/resnet/engine/modelfile"
	"github.com/inbrowser-ai/resnet/engine/preprocess"
	"github.com/inbrowser-ai/resnet/engine/resnet"
)

// Info describes a loaded model, as the page and the worker report it.
type Info struct {
	Name    string `json:"name"`
	Depth   int    `json:"depth"`
	Classes int    `json:"classes"`
	Bytes   int    `json:"bytes"`
	Quant   string `json:"quant"`
}

// Prediction is one entry of a top-k list.
type Prediction struct {
	Index int     `json:"index"`
	Label string  `json:"label"`
	Prob  float32 `json:"prob"`
}

// Result is the outcome of classifying one image. MS holds stage timings in
// milliseconds: "decode", "preprocess", "inference", "total". Crop is the
// Crop×Crop RGB image the network saw.
type Result struct {
	Top  []Prediction       `json:"top"`
	MS   map[string]float64 `json:"ms"`
	Crop *image.RGBA        `json:"-"`
	// Decode says how encoded bytes were decoded: "full", or "scaled 1/4"
	// for a large JPEG decoded at reduced scale (empty for frames).
	Decode string `json:"decode,omitempty"`
}

// Report is the JSON object the command line prints per image and the edge
// worker returns: one shape for both.
type Report struct {
	File  string             `json:"file,omitempty"`
	Model string             `json:"model,omitempty"`
	Top   []Prediction       `json:"top,omitempty"`
	MS    map[string]float64 `json:"ms,omitempty"`
	CAM   *CAM               `json:"cam,omitempty"` // set by the caller that asked for one (cam.go)
	// Decode is Result.Decode: which decode path ran.
	Decode string `json:"decode,omitempty"`
	Error  string `json:"error,omitempty"`
}

// Report turns a result (or the error that stood in its way) into the
// shared JSON shape.
func (m *Model) Report(file string, r *Result, err error) Report {
	if err != nil {
		return Report{File: file, Error: err.Error()}
	}
	return Report{File: file, Model: m.net.Meta.Name, Top: r.Top, MS: r.MS, Decode: r.Decode}
}

// Model is a loaded network, ready to classify. It is not safe for
// concurrent use: it owns preallocated activation buffers.
type Model struct {
	net          *resnet.Net
	maxPixels    int
	decodeBudget int64 // decode memory, bytes (preprocess.Limits.Budget); 0: preprocess's default
	size         int
	input        []float32 // Crop×Crop×3, reused
	probs        []float64
	budget       int64 // bytes the host allows (FileBudget, LoadWithin)
}

// Load parses a model file held in b (which must stay unmodified while the
// Model is in use: int8 weights are used in place), within the budget its
// size grants (FileBudget).
func Load(b []byte, check modelfile.Checksum) (*Model, error) {
	return LoadWithin(b, check, FileBudget(int64(len(b))))
}

// LoadFile is Load for a model file parsed already (the browser parses the
// JSON section while the weights download: modelfile.ReadHead, ParseHead).
func LoadFile(f *modelfile.File) (*Model, error) {
	return LoadFileWithin(f, FileBudget(int64(f.Size())))
}

// LoadFileWithin is LoadFile with an explicit memory budget.
func LoadFileWithin(f *modelfile.File, budget int64) (*Model, error) {
	if err := checkBudget(f.Meta, int64(f.Size()), budget); err != nil {
		return nil, err
	}
	n, err := resnet.New(f)
	if err != nil {
		return nil, err
	}
	crop := f.Meta.Pre.Crop
	return &Model{net: n, maxPixels: preprocess.MaxPixels, size: f.Size(), input: make([]float32, crop*crop*3), probs: make([]float64, f.Meta.Classes), budget: budget}, nil
}

// SetMaxPixels bounds width×height of the images ClassifyImage decodes
// (default preprocess.MaxPixels, 50 MP).
func (m *Model) SetMaxPixels(n int) { m.maxPixels = n }

// SetDecodeBudget bounds the memory ClassifyImage may spend decoding and
// resizing one image, estimated from its header before decoding (default
// preprocess.DefaultBudget). A host with little memory — a 128 MB edge
// isolate — sets less; images over it are refused with an error that
// wraps preprocess.ErrOverBudget and ErrTooLarge.
func (m *Model) SetDecodeBudget(bytes int64) { m.decodeBudget = bytes }

// DecodeLimits are the limits ClassifyImage decodes under, for hosts that
// check an upload's header before loading the model (preprocess.Check).
func (m *Model) DecodeLimits() preprocess.Limits {
	return preprocess.Limits{MaxPixels: m.maxPixels, Budget: m.decodeBudget, Resize: m.net.Meta.Pre.Resize}
}

// Reserve allocates the network's run state for the model's crop now
// (resnet.Net.Reserve) rather than on the first classification.
func (m *Model) Reserve() { m.net.Reserve(m.net.Meta.Pre.Crop, m.net.Meta.Pre.Crop) }

// SetWinograd chooses whether int8 stride-1 3×3 convolutions run as
// Winograd F(2×2, 3×3) (the default): bit-identical results, about 30 %
// less inference time on ResNet-18, at the cost of transformed weights
// made on first use (ResNet-50: 29 MB, ~40 ms in the browser). A host that
// makes a fresh instance for every image — the edge — turns it off.
func (m *Model) SetWinograd(on bool) { m.net.SetWinograd(on) }

// ObserveConvInputs passes every convolution's input of a float32 model to
// f during later classifications (resnet.Net.ObserveConvInputs).
func (m *Model) ObserveConvInputs(f resnet.ConvInputs) { m.net.ObserveConvInputs(f) }

// Info describes the model.
func (m *Model) Info() Info {
	meta := m.net.Meta
	return Info{Name: meta.Name, Depth: meta.Depth, Classes: meta.Classes, Bytes: m.size, Quant: string(meta.Quant)}
}

// Meta is the model file's description of the network.
func (m *Model) Meta() *modelfile.Meta { return m.net.Meta }

// ClassifyImage decodes encoded image bytes (JPEG, PNG, GIF, WebP, BMP),
// preprocesses them as the model file says and returns the k most likely
// classes. Errors wrap preprocess.ErrEmpty, ErrFormat, ErrTooLarge (and
// ErrOverBudget) or ErrCorrupt.
func (m *Model) ClassifyImage(data []byte, k int) (*Result, error) {
	t0 := time.Now()
	img, cost, err := preprocess.DecodeWithin(data, m.DecodeLimits())
	r, err := m.classifyDecoded(t0, img, err, k)
	if r != nil {
		r.Decode = cost.Path()
	}
	return r, err
}

// ClassifyRGBA classifies a w×h RGBA frame (webcam, canvas): stride is the
// byte distance between rows. Alpha is composited over white.
func (m *Model) ClassifyRGBA(pix []byte, w, h, stride, k int) (*Result, error) {
	t0 := time.Now()
	img, err := preprocess.FromRGBA(pix, w, h, stride)
	return m.classifyDecoded(t0, img, err, k)
}

// classifyDecoded finishes either entry point: everything from t0 until
// the pixels were ready counts as "decode".
func (m *Model) classifyDecoded(t0 time.Time, img *image.RGBA, err error, k int) (*Result, error) {
	if err != nil {
		return nil, err
	}
	r, err := m.classify(img, k)
	if err != nil {
		return nil, err
	}
	r.MS["decode"] = ms(t0) - r.MS["total"]
	r.MS["total"] = ms(t0)
	return r, nil
}

func (m *Model) classify(img *image.RGBA, k int) (*Result, error) {
	pre := m.net.Meta.Pre
	t0 := time.Now()
	crop, err := preprocess.ResizeCrop(img, pre.Resize, pre.Crop)
	if err != nil {
		return nil, err
	}
	if err := preprocess.Normalize(crop, pre, m.input); err != nil {
		return nil, err
	}
	t1 := time.Now()
	logits, err := m.net.Forward(m.input, pre.Crop, pre.Crop)
	if err != nil {
		return nil, err
	}
	if err := checkLogits(logits); err != nil {
		return nil, err
	}
	t2 := time.Now()
	return &Result{
		Top:  m.topK(logits, k),
		Crop: crop,
		MS: map[string]float64{
			"preprocess": float64(t1.Sub(t0).Microseconds()) / 1000,
			"inference":  float64(t2.Sub(t1).Microseconds()) / 1000,
			"total":      ms(t0),
		},
	}, nil
}

// Logits runs the network on n already-preprocessed images in NCHW float32
// layout (n×3×h×w) and returns n×classes logits before softmax.
func (m *Model) Logits(input []float32, n, h, w int) ([]float32, error) {
	if err := m.checkInputSize(h, w); err != nil {
		return nil, err
	}
	if n < 1 || len(input) != n*3*h*w {
		return nil, fmt.Errorf("engine: %d values is not %d×3×%d×%d", len(input), n, h, w)
	}
	classes := m.net.Meta.Classes
	out := make([]float32, 0, n*classes)
	hwc := make([]float32, h*w*3)
	for i := range n {
		img := input[i*3*h*w : (i+1)*3*h*w]
		for c := range 3 {
			for p := range h * w {
				hwc[p*3+c] = img[c*h*w+p]
			}
		}
		logits, err := m.net.Forward(hwc, h, w)
		if err != nil {
			return nil, err
		}
		if err := checkLogits(logits); err != nil {
			return nil, fmt.Errorf("image %d of %d: %w", i+1, n, err)
		}
		out = append(out, logits...)
	}
	return out, nil
}

// topK is a numerically stable softmax (in float64) and the k largest.
func (m *Model) topK(logits []float32, k int) []Prediction {
	mx := math.Inf(-1)
	for _, v := range logits {
		mx = max(mx, float64(v))
	}
	var sum float64
	for i, v := range logits {
		m.probs[i] = math.Exp(float64(v) - mx)
		sum += m.probs[i]
	}
	idx := make([]int, len(logits))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return m.probs[idx[a]] > m.probs[idx[b]] })
	k = max(1, min(k, len(idx)))
	top := make([]Prediction, k)
	labels := m.net.Meta.Labels
	for i, j := range idx[:k] {
		top[i] = Prediction{Index: j, Label: labels[j], Prob: float32(m.probs[j] / sum)}
	}
	return top
}

func ms(t time.Time) float64 { return float64(time.Since(t).Microseconds()) / 1000 }
