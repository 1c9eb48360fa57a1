package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/inbrowser-ai/resnet/engine"
	"github.com/inbrowser-ai/resnet/engine/modelfile"
	"github.com/inbrowser-ai/resnet/tools/convert/encode"
	"github.com/inbrowser-ai/resnet/tools/convert/net"
)

// fixture writes a narrow random ResNet-18 and a two-image input tensor.
func fixture(t *testing.T) (model, tensor string, m *engine.Model, first []float32) {
	t.Helper()
	dir := t.TempDir()
	n := net.Random(modelfile.Basic, modelfile.StrideOn3x3, [4]int{2, 2, 2, 2}, 4, 10, 7)
	b, err := encode.Encode(n, modelfile.Int8, modelfile.Source{Format: "test"})
	if err != nil {
		t.Fatal(err)
	}
	model = filepath.Join(dir, "m.rnm")
	if err := os.WriteFile(model, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if m, err = engine.Load(b, modelfile.Verify); err != nil {
		t.Fatal(err)
	}
	in := make([]byte, 2*3*side*side*4)
	first = make([]float32, 3*side*side)
	for i := range 2 * 3 * side * side {
		v := float32(math.Sin(float64(i) * 0.37))
		if i < len(first) {
			first[i] = v
		}
		binary.LittleEndian.PutUint32(in[4*i:], math.Float32bits(v))
	}
	tensor = filepath.Join(dir, "in.f32")
	if err := os.WriteFile(tensor, in, 0o644); err != nil {
		t.Fatal(err)
	}
	return model, tensor, m, first
}

func TestRunTimesTheFirstImage(t *testing.T) {
	model, tensor, m, first := fixture(t)
	out := filepath.Join(t.TempDir(), "logits.f32")
	var stdout, stderr bytes.Buffer
	if err := run([]string{"-model", model, "-tensor", tensor, "-warmup", "1", "-runs", "3", "-threads", "1", "-logits", out}, &stdout, &stderr); err != nil {
		t.Fatalf("run: %v (%s)", err, stderr.String())
	}
	var r result
	if err := json.Unmarshal(stdout.Bytes(), &r); err != nil {
		t.Fatalf("output %q: %v", stdout.String(), err)
	}
	if len(r.RunsMS) != 3 || r.Threads != 1 || r.Quant != "int8" {
		t.Errorf("got %d runs, %d threads, quant %q; want 3, 1, int8", len(r.RunsMS), r.Threads, r.Quant)
	}
	want, err := m.Logits(first, 1, side, side)
	if err != nil {
		t.Fatal(err)
	}
	if r.Top1 != argmax(want) {
		t.Errorf("top-1 %d, the engine says %d", r.Top1, argmax(want))
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) != 4*len(want) {
		t.Fatalf("logits file has %d bytes, want %d", len(b), 4*len(want))
	}
	for i, w := range want {
		if g := math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:])); g != w {
			t.Fatalf("logit %d: wrote %v, engine %v", i, g, w)
		}
	}
}

func TestRunRejectsBadInput(t *testing.T) {
	model, tensor, _, _ := fixture(t)
	short := filepath.Join(t.TempDir(), "short.f32")
	if err := os.WriteFile(short, make([]byte, 4*3*side*side-4), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no model", []string{"-tensor", tensor}, "need -model"},
		{"zero runs", []string{"-model", model, "-tensor", tensor, "-runs", "0"}, "need -model"},
		{"short tensor", []string{"-model", model, "-tensor", short}, "is not N×3×224×224"},
		{"not a model", []string{"-model", tensor, "-tensor", tensor}, tensor},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(tc.args, &stdout, &stderr)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one mentioning %q", err, tc.want)
			}
			if stdout.Len() != 0 {
				t.Errorf("printed %q on failure", stdout.String())
			}
		})
	}
}
