package engine

import (
	"errors"
	"fmt"
	"math"

	"github.com/inbrowser-ai/resnet/engine/modelfile"
	"github.com/inbrowser-ai/resnet/engine/preprocess"
	"github.com/inbrowser-ai/resnet/engine/resnet"
)

// ErrBudget is returned for a model, or an input size, that needs more
// memory than the host allows.
var ErrBudget = errors.New("needs more memory than this host allows")

// ErrNonFinite is returned when the network's output is NaN or infinite:
// the model's parameters overflow float32 on this input. The answer would
// be meaningless, so there is none.
var ErrNonFinite = errors.New("the model produced non-finite logits (NaN or Inf)")

// runStateAllowance is what FileBudget grants beyond four times the file's
// size: the activations, im2col buffers and preprocessing of the model's
// crop. ImageNet ResNets at 224×224 need 26 MiB of it (f32) to 122 MiB
// (int8 ResNet-152, Winograd weights included; TestNeedOfRealModels), so
// no real model comes near it, while a small file whose JSON asks for a
// 1024-pixel crop after a 4096-pixel resize is refused.
const runStateAllowance = 256 << 20

// FileBudget is the memory budget of a host that has a model file's bytes
// in hand (the command line, Load): the file itself, four times its size
// for what is derived from its weights (Winograd weights take at most 3.6
// bytes per int8 weight), and runStateAllowance. No value in a header or
// JSON section can make the engine allocate more than this multiple of the
// bytes it was actually given.
func FileBudget(size int64) int64 { return 5*size + runStateAllowance }

// Need is the memory a model needs beyond its file's bytes to classify
// images: the network's run state and Winograd weights at its crop
// (resnet.Footprint), preprocessing (the resized intermediate, at most
// preprocess.MaxAspect·resize² RGBA pixels, and bild's second pass over
// it), the crop and the normalised input, and the softmax. It depends on
// the JSON section alone, so a host can check it before the weights
// arrive (CheckHead).
func Need(meta *modelfile.Meta) int64 {
	crop, resize := int64(meta.Pre.Crop), int64(meta.Pre.Resize)
	n := resnet.Footprint(meta, meta.Pre.Crop, meta.Pre.Crop)
	n += 2 * preprocess.MaxAspect * resize * resize * 4
	n += crop*crop*4 + crop*crop*3*4 + int64(meta.Classes)*8
	return n
}

// CheckHead checks a model file's head (modelfile.ReadHead) against a
// budget before anything is allocated for the rest of the file: the file
// length its header declares plus what the model will need.
func CheckHead(head *modelfile.Head, budget int64) error {
	return checkBudget(head.Meta, int64(head.Len), budget)
}

func checkBudget(meta *modelfile.Meta, size, budget int64) error {
	if need := size + Need(meta); need > budget {
		return fmt.Errorf("model %q: %w: %d bytes of file and %d of run state, the budget is %d MiB",
			meta.Name, ErrBudget, size, need-size, budget>>20)
	}
	return nil
}

// LoadWithin is Load with an explicit memory budget (see FileBudget,
// Need): a model that needs more is refused before its network is built.
func LoadWithin(b []byte, check modelfile.Checksum, budget int64) (*Model, error) {
	f, err := modelfile.Parse(b, check)
	if err != nil {
		return nil, err
	}
	return LoadFileWithin(f, budget)
}

// checkLogits refuses NaN and infinite logits.
func checkLogits(logits []float32) error {
	for i, v := range logits {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return fmt.Errorf("%w: logit %d is %v", ErrNonFinite, i, v)
		}
	}
	return nil
}

// checkInputSize bounds the run state of an h×w input (Logits) by what is
// left of the budget after the file and the model's own crop.
func (m *Model) checkInputSize(h, w int) error {
	if h < resnet.MinSide || w < resnet.MinSide || h > resnet.MaxSide || w > resnet.MaxSide {
		return fmt.Errorf("engine: input %d×%d outside %d…%d pixels a side", w, h, resnet.MinSide, resnet.MaxSide)
	}
	meta := m.net.Meta
	need := int64(m.size) + Need(meta) + resnet.Footprint(meta, h, w) + int64(h)*int64(w)*3*4
	if need > m.budget {
		return fmt.Errorf("engine: a %d×%d input %w: %d MiB, the budget is %d MiB", w, h, ErrBudget, need>>20, m.budget>>20)
	}
	return nil
}
