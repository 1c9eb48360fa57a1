package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/inbrowser-ai/resnet/engine"
	"github.com/inbrowser-ai/resnet/engine/modelfile"
	"github.com/inbrowser-ai/resnet/tools/agreement/compare"
	"github.com/inbrowser-ai/resnet/tools/convert/encode"
	"github.com/inbrowser-ai/resnet/tools/convert/tfjs"
)

// defaultModel is the int8 file `make weights` writes.
const defaultModel = "../../weights/resnet50-keras.rnm"

// TestInt8Agreement holds the default int8 model to its f32 twin on the
// committed agreement photos (downscaled real photos, none of them used for
// calibration): the same top-1 wherever the f32 winner leads by 0.02 or
// more. The goal for the mean top-5 overlap is 0.99; calibrated ceilings
// reach 0.969 here (README, "int8 against f32"), so the bound below guards
// that level until the quantiser gets there. The full-size evaluation set
// gives the README's figures (tools/agreement).
func TestInt8Agreement(t *testing.T) {
	for _, p := range []string{keras, defaultModel} {
		if _, err := os.Stat(p); err != nil {
			if os.Getenv("RESNET_REQUIRE_WEIGHTS") != "" {
				t.Fatalf("%s missing: run `make weights`", p)
			}
			t.Skipf("%s missing: run `make weights`", p)
		}
	}
	b, err := os.ReadFile(defaultModel)
	if err != nil {
		t.Fatal(err)
	}
	q, err := engine.Load(b, modelfile.Verify)
	if err != nil {
		t.Fatalf("%s: %v", defaultModel, err)
	}
	n, err := tfjs.Read(keras)
	if err != nil {
		t.Fatal(err)
	}
	if err := setLabels(n, ""); err != nil {
		t.Fatal(err)
	}
	fb, err := encode.Encode(n, modelfile.F32, modelfile.Source{Format: "tfjs-layers"})
	if err != nil {
		t.Fatal(err)
	}
	f, err := engine.Load(fb, modelfile.Trusted)
	if err != nil {
		t.Fatal(err)
	}
	photos, _ := filepath.Glob("../../testdata/agreement/*.jpg")
	if len(photos) < 30 {
		t.Fatalf("%d agreement photos, want at least 30", len(photos))
	}
	var s compare.Summary
	for _, p := range photos {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		ref, err := compare.Probs(f, data)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		got, err := compare.Probs(q, data)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		r := s.Add(ref, got, 0.02)
		if r.Counted {
			t.Errorf("%s: %s", filepath.Base(p), r.Describe(f.Meta().Labels))
		}
	}
	t.Log(s.String())
	if s.Top5() < 0.96 {
		t.Errorf("mean top-5 overlap %.4f < 0.96 (measured 0.969 when this test was written; the goal is 0.99)", s.Top5())
	}
}
