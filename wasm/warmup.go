//go:build js && wasm

package main

import (
	"bytes"
	_ "embed"
	"fmt"
	"image"
	"syscall/js"
	"time"

	"github.com/inbrowser-ai/resnet/engine/modelfile"
	"github.com/inbrowser-ai/resnet/engine/preprocess"
)

// warmupJPEG is a 64×43 baseline JPEG with 4:2:0 chroma, as cameras write
// them (1.5 kB, a downscaled testdata/photos/coffee.jpg).
//
//go:embed warmup.jpg
var warmupJPEG []byte

// warmup runs, on a tiny JPEG, the code a first classification goes
// through before the forward pass: probing and decoding the image, the
// resize, crop and normalisation. V8 compiles a WebAssembly function when
// it is first called (lazily, for a module this size), and those first
// calls are most of what makes a first classification slow: ~80 ms of a
// 600×400 JPEG's ~120 ms of decode and preprocessing in Chromium, for
// ~20–40 ms here. The worker calls it once a model is loaded, in the time
// the first image takes to arrive. (The model file's code is warmed by
// expect, on the real file's head.) The forward pass is not warmed: on
// anything but the real model it costs more than it saves.
//
// Returns {ms} or an error value; it has no effect on later results.
func (s *state) warmup(args []js.Value) (any, error) {
	t0 := time.Now()
	if err := warmupImage(); err != nil {
		return nil, &codedError{"internal", fmt.Errorf("warm-up: %w", err)}
	}
	return map[string]any{"ms": float64(time.Since(t0).Microseconds()) / 1000}, nil
}

func warmupImage() error {
	if _, err := preprocess.CheckHeader(warmupJPEG, preprocess.MaxPixels); err != nil {
		return err
	}
	if _, _, err := image.DecodeConfig(bytes.NewReader(warmupJPEG)); err != nil {
		return err
	}
	img, err := preprocess.Decode(warmupJPEG, preprocess.MaxPixels)
	if err != nil {
		return err
	}
	pre := modelfile.TorchvisionPreprocess
	pre.Resize, pre.Crop = 32, 28
	crop, err := preprocess.ResizeCrop(img, pre.Resize, pre.Crop)
	if err != nil {
		return err
	}
	return preprocess.Normalize(crop, pre, make([]float32, 3*pre.Crop*pre.Crop))
}
