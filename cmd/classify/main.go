// Command classify is the native classifier: the reference path for tests
// and benchmarks, with the same engine as the browser and the edge.
//
//	classify [-model FILE] [-k 5] [-json] IMAGE...
//	classify -model FILE -tensor IN.f32 -logits OUT.f32 [-size HxW]
//
// Class activation maps (cam.go): -cam adds to each result
// "cam": {"index", "size": [h, w], "map"} for the top-1 class (-cam-class N
// for class N); -cam-png DIR writes each image's crop with its map overlaid.
// With -tensor, -cam OUT.f32 writes the N×h×w maps of each image's top-1.
//
// In the first form it prints one result per image (IMAGE "-" is standard
// input); with -json one object per line,
// {"file","model","top":[{"index","label","prob"}],"ms":{…}} or
// {"file","error"} for an image it cannot read or classify — the others
// are still classified, and the exit status is 1. Text output escapes
// control characters in file names, labels and messages. Every input is
// size-checked before it is read (input.go). In the second form IN holds N
// preprocessed images, N×3×H×W float32 little-endian (H×W defaults to the
// model's crop), and OUT receives N×classes float32 logits before softmax.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"strings"

	"github.com/inbrowser-ai/resnet/engine"
	"github.com/inbrowser-ai/resnet/engine/modelfile"
	"github.com/inbrowser-ai/resnet/engine/tensorfile"
)

// DefaultModel is what `make weights` produces.
const DefaultModel = "weights/resnet50-keras.rnm"

var errSomeFailed = errors.New("some images could not be classified")

func main() {
	err := run(os.Args[1:], os.Stdout, os.Stderr)
	switch {
	case err == nil:
	case errors.Is(err, errSomeFailed):
		os.Exit(1)
	default:
		fmt.Fprintln(os.Stderr, "classify:", display(err.Error()))
		os.Exit(1)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("classify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	modelPath := fs.String("model", DefaultModel, "model file (made by tools/convert or `make weights`)")
	k := fs.Int("k", 5, "how many classes to report per image")
	asJSON := fs.Bool("json", false, "one JSON object per line")
	tensor := fs.String("tensor", "", "classify a preprocessed N×3×H×W float32 tensor file instead of images")
	logits := fs.String("logits", "", "with -tensor: where to write N×classes float32 logits")
	size := fs.String("size", "", "with -tensor: HxW of each image (default: the model's crop)")
	cam := &camFlag{file: tensorMode(args)}
	fs.Var(cam, "cam", "add each image's class activation map to the JSON; with -tensor: where to write N×h×w float32 maps")
	camClass := fs.Int("cam-class", -1, "the class whose map -cam and -cam-png give (default: each image's top-1)")
	camPNG := fs.String("cam-png", "", "write each image's crop with its class activation map overlaid to this directory")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: classify [-model FILE] [-k 5] [-json] IMAGE... (IMAGE - is standard input)\n       classify -model FILE -tensor IN.f32 -logits OUT.f32 [-size HxW]\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	b, err := readModel(*modelPath)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) && *modelPath == DefaultModel {
			return fmt.Errorf("%s not found: run `make weights` first, or pass -model FILE", DefaultModel)
		}
		return err
	}
	// Within the budget the file's size grants (engine.FileBudget).
	m, err := engine.Load(b, modelfile.Verify)
	if err != nil {
		return fmt.Errorf("%s: %w", *modelPath, err)
	}
	if *tensor != "" {
		if *logits == "" || fs.NArg() != 0 {
			return fmt.Errorf("-tensor needs -logits and no image arguments")
		}
		if *camPNG != "" {
			return fmt.Errorf("-cam-png needs images, not -tensor")
		}
		return runTensor(m, *tensor, *logits, *size, camOptions{path: cam.path, class: *camClass})
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return fmt.Errorf("no images given")
	}
	if *k < 1 {
		return fmt.Errorf("-k %d: want at least 1", *k)
	}
	co := camOptions{on: cam.on, class: *camClass, pngDir: *camPNG}
	if err := co.check(m); err != nil {
		return err
	}
	return classifyFiles(m, fs.Args(), *k, *asJSON, stdout, co)
}

func classifyFiles(m *engine.Model, files []string, k int, asJSON bool, stdout io.Writer, co camOptions) error {
	enc := json.NewEncoder(stdout)
	failed := false
	for _, file := range files {
		data, err := readImage(file)
		var r *engine.Result
		if err == nil {
			r, err = m.ClassifyImage(data, k)
		}
		failed = failed || err != nil
		rep := m.Report(file, r, err)
		if err == nil {
			if rep.CAM, err = co.apply(m, file, r); err != nil {
				return err
			}
		}
		if asJSON {
			if err := enc.Encode(rep); err != nil {
				// Not this file's answer after all: say so, and go on.
				failed = true
				if err := enc.Encode(engine.Report{File: file, Error: "cannot encode the result: " + err.Error()}); err != nil {
					return err
				}
			}
			continue
		}
		if err != nil {
			fmt.Fprintf(stdout, "%s: error: %s\n", display(file), display(err.Error()))
			continue
		}
		fmt.Fprintf(stdout, "%s: (%.0f ms)\n", display(file), r.MS["total"])
		for _, p := range r.Top {
			fmt.Fprintf(stdout, "  %6.2f%%  %4d  %s\n", 100*p.Prob, p.Index, display(p.Label))
		}
		if rep.CAM != nil {
			fmt.Fprintf(stdout, "  CAM of class %d: %s\n", rep.CAM.Index, camSummary(rep.CAM))
		}
	}
	if failed {
		return errSomeFailed
	}
	return nil
}

func runTensor(m *engine.Model, in, out, size string, co camOptions) error {
	h, w := m.Meta().Pre.Crop, m.Meta().Pre.Crop
	if size != "" {
		if _, err := fmt.Sscanf(strings.ToLower(size), "%dx%d", &h, &w); err != nil {
			return fmt.Errorf("-size %q: want HxW, e.g. 224x224", size)
		}
	}
	if h < 1 || w < 1 || h > 1<<16 || w > 1<<16 {
		return fmt.Errorf("-size %dx%d out of range", h, w)
	}
	b, err := readTensor(in)
	if err != nil {
		return fmt.Errorf("%s: %w", in, err)
	}
	x, err := tensorfile.Decode(b)
	if err != nil {
		return fmt.Errorf("%s: %w", in, err)
	}
	per := 3 * h * w
	if len(x) == 0 || len(x)%per != 0 {
		return fmt.Errorf("%s: %d values is not a whole number of 3×%d×%d images", in, len(x), h, w)
	}
	for i, v := range x {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return fmt.Errorf("%s: value %d (image %d) is %v", in, i, i/per+1, v)
		}
	}
	if co.path == "" {
		y, err := m.Logits(x, len(x)/per, h, w)
		if err != nil {
			return fmt.Errorf("%s: %w", in, err)
		}
		return tensorfile.Write(out, y)
	}
	if err := co.check(m); err != nil {
		return err
	}
	y, maps, _, err := m.LogitsCAM(x, len(x)/per, h, w, co.class)
	if err != nil {
		return fmt.Errorf("%s: %w", in, err)
	}
	if err := tensorfile.Write(out, y); err != nil {
		return err
	}
	return tensorfile.Write(co.path, maps)
}
