package engine_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/inbrowser-ai/resnet/engine"
	"github.com/inbrowser-ai/resnet/engine/modelfile"
	"github.com/inbrowser-ai/resnet/tools/convert/encode"
	"github.com/inbrowser-ai/resnet/tools/convert/net"
)

// Every ImageNet ResNet at its 224×224 crop needs less than FileBudget's
// fixed allowance beyond what its file's size grants, so FileBudget refuses
// no real model.
func TestNeedOfRealModels(t *testing.T) {
	for _, a := range modelfile.Architectures {
		for _, q := range []modelfile.Quant{modelfile.Int8, modelfile.F32} {
			meta := &modelfile.Meta{Depth: a.Depth, Block: a.Block, Stride: modelfile.StrideOn3x3, Stages: a.Stages,
				Width: 64, Classes: 1000, Quant: q, Pre: modelfile.TorchvisionPreprocess}
			need := engine.Need(meta)
			t.Logf("ResNet-%d %s: %.1f MiB beyond the file", a.Depth, q, float64(need)/(1<<20))
			if need > engine.FileBudget(0) {
				t.Errorf("ResNet-%d %s needs %d bytes, more than FileBudget allows any file", a.Depth, q, need)
			}
		}
	}
}

func tinyModelBytes(t *testing.T, q modelfile.Quant) []byte {
	t.Helper()
	b, err := encode.Encode(net.Random(modelfile.Basic, modelfile.StrideOn3x3, [4]int{2, 2, 2, 2}, 8, 10, 3), q, modelfile.Source{Format: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// patchJSON replaces the first match of re in a model file with repl,
// padded with spaces to the same length (JSON ignores them), and reseals
// the checksum: a file edited on purpose.
func patchJSON(t *testing.T, b []byte, re, repl string) []byte {
	t.Helper()
	b = bytes.Clone(b)
	loc := regexp.MustCompile(re).FindIndex(b)
	if loc == nil || len(repl) > loc[1]-loc[0] {
		t.Fatalf("cannot replace %s with %q", re, repl)
	}
	copy(b[loc[0]:], repl+strings.Repeat(" ", loc[1]-loc[0]-len(repl)))
	sum := sha256.Sum256(b[modelfile.HeaderSize:])
	copy(b[24:56], sum[:])
	return b
}

// A small, well-formed file whose JSON asks for a 4096-pixel resize and a
// 1024-pixel crop would need far more memory than its size grants: it is
// refused before the network is built, and the refusal names the budget.
func TestLoadRefusesWhatItCannotAfford(t *testing.T) {
	b := patchJSON(t, tinyModelBytes(t, modelfile.Int8), `"mean":\[[^\]]*\],"std":\[[^\]]*\],"resize":256,"crop":224`,
		`"mean":[0,0,0],"std":[1,1,1],"resize":4096,"crop":1024`)
	_, err := engine.Load(b, modelfile.Verify)
	if !errors.Is(err, engine.ErrBudget) || !strings.Contains(err.Error(), "MiB") {
		t.Fatalf("got %v, want ErrBudget", err)
	}
	f, err := modelfile.Parse(b, modelfile.Verify)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := engine.LoadFileWithin(f, int64(f.Size())+engine.Need(f.Meta)); err != nil {
		t.Errorf("with a budget that covers it: %v", err)
	}
	// The head alone is enough to know.
	end := modelfile.HeaderSize + int(binary.LittleEndian.Uint32(b[12:]))
	head, err := modelfile.ReadHead(b[:end])
	if err != nil {
		t.Fatal(err)
	}
	if err := engine.CheckHead(head, 512<<20); !errors.Is(err, engine.ErrBudget) {
		t.Errorf("CheckHead: %v, want ErrBudget", err)
	}

	// Tensors of a size the budget cannot hold are refused as well.
	m, err := engine.Load(tinyModelBytes(t, modelfile.Int8), modelfile.Verify)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Logits(nil, 1, 2048, 2048); !errors.Is(err, engine.ErrBudget) {
		t.Errorf("Logits at 2048×2048 on a 200 KB model: %v, want ErrBudget", err)
	}
	if _, err := m.Logits(nil, 1, 100000, 100000); err == nil {
		t.Error("Logits at 100000×100000 accepted")
	}
}

// Parameters within every load-time bound can still overflow float32
// through fifty layers of products; the engine then returns ErrNonFinite,
// never a "NaN %" answer.
func TestNonFiniteLogitsAreAnError(t *testing.T) {
	n := net.Random(modelfile.Basic, modelfile.StrideOn3x3, [4]int{2, 2, 2, 2}, 8, 10, 3)
	grow := func(c *net.Conv) {
		if c != nil {
			for i := range c.Weight {
				c.Weight[i] *= 2000
			}
		}
	}
	grow(n.Stem)
	for _, s := range n.Stages {
		for _, b := range s {
			grow(b.Conv1)
			grow(b.Conv2)
			grow(b.Downsample)
		}
	}
	for _, q := range []modelfile.Quant{modelfile.Int8, modelfile.F32} {
		b, err := encode.Encode(n, q, modelfile.Source{Format: "test"})
		if err != nil {
			t.Fatal(err)
		}
		m, err := engine.Load(b, modelfile.Verify)
		if err != nil {
			t.Fatalf("%s: the file is within every bound, yet: %v", q, err)
		}
		photo, err := os.ReadFile("../testdata/photos/coffee.jpg")
		if err != nil {
			t.Fatal(err)
		}
		if r, err := m.ClassifyImage(photo, 5); !errors.Is(err, engine.ErrNonFinite) {
			t.Errorf("%s: ClassifyImage = %+v, %v; want ErrNonFinite", q, r, err)
		}
		x := make([]float32, 2*3*64*64)
		if _, err := m.Logits(x, 2, 64, 64); !errors.Is(err, engine.ErrNonFinite) || !strings.Contains(err.Error(), "image 1 of 2") {
			t.Errorf("%s: Logits: %v; want ErrNonFinite naming the image", q, err)
		}
	}
}
