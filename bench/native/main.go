// Command native times the engine's forward pass on the command line's
// path (engine.Load + Model.Logits, what `classify -tensor` runs), for the
// native rows of `make bench`: one JSON object on stdout.
//
//	native -model FILE.rnm -tensor IN.f32 [-threads N] [-warmup 3] [-runs 10] [-logits OUT.f32]
//
// IN is a preprocessed N×3×224×224 float32 tensor; only its first image is
// used, the same input onnxruntime-node gets. -threads sets GOMAXPROCS
// after start-up: bild's parallel package resets it to NumCPU in its init,
// so the GOMAXPROCS environment variable has no effect.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"time"

	"github.com/inbrowser-ai/resnet/engine"
	"github.com/inbrowser-ai/resnet/engine/modelfile"
	"github.com/inbrowser-ai/resnet/engine/tensorfile"
)

const side = 224

// result is what `make bench` reads back.
type result struct {
	Model      string    `json:"model"`
	Quant      string    `json:"quant"`
	Threads    int       `json:"threads"`
	LoadMS     float64   `json:"loadMs"`
	RunsMS     []float64 `json:"runsMs"`
	Top1       int       `json:"top1"`
	ModelBytes int       `json:"modelBytes"`
}

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "native:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("native", flag.ContinueOnError)
	fs.SetOutput(stderr)
	modelPath := fs.String("model", "", "model file (.rnm)")
	tensorPath := fs.String("tensor", "", "preprocessed N×3×224×224 float32 input")
	warmup := fs.Int("warmup", 3, "untimed runs first")
	runs := fs.Int("runs", 10, "timed runs")
	threads := fs.Int("threads", 0, "GOMAXPROCS for the forward pass (0: leave as is)")
	logitsPath := fs.String("logits", "", "write the first image's logits here (float32)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *modelPath == "" || *tensorPath == "" || *runs < 1 || *warmup < 0 || *threads < 0 {
		return errors.New("need -model, -tensor, -runs ≥ 1 and -threads ≥ 0")
	}
	if *threads > 0 {
		runtime.GOMAXPROCS(*threads)
	}
	in, err := readImage(*tensorPath)
	if err != nil {
		return err
	}
	t0 := time.Now()
	b, err := os.ReadFile(*modelPath)
	if err != nil {
		return err
	}
	m, err := engine.Load(b, modelfile.Verify)
	if err != nil {
		return fmt.Errorf("%s: %w", *modelPath, err)
	}
	res := result{Model: m.Info().Name, Quant: m.Info().Quant, Threads: runtime.GOMAXPROCS(0), LoadMS: msSince(t0), ModelBytes: len(b)}
	var logits []float32
	for i := range *warmup + *runs {
		t := time.Now()
		logits, err = m.Logits(in, 1, side, side)
		if err != nil {
			return err
		}
		if i >= *warmup {
			res.RunsMS = append(res.RunsMS, msSince(t))
		}
	}
	res.Top1 = argmax(logits)
	if *logitsPath != "" {
		if err := tensorfile.Write(*logitsPath, logits); err != nil {
			return err
		}
	}
	return json.NewEncoder(stdout).Encode(res)
}

// readImage returns the first 3×224×224 image of a float32 tensor file.
func readImage(path string) ([]float32, error) {
	v, err := tensorfile.Read(path)
	if err != nil {
		return nil, err
	}
	n := 3 * side * side
	if len(v) < n || len(v)%n != 0 {
		return nil, fmt.Errorf("%s: %d values is not N×3×%d×%d", path, len(v), side, side)
	}
	return v[:n], nil
}

func argmax(v []float32) int {
	best := 0
	for i, x := range v {
		if x > v[best] {
			best = i
		}
	}
	return best
}

func msSince(t time.Time) float64 { return float64(time.Since(t).Microseconds()) / 1000 }
