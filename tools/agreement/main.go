// Command agreement measures how faithfully an int8 model file reproduces
// the float model it was converted from, on a directory of photos:
//
//	agreement -ref f32.rnm -model int8.rnm -dir PHOTOS [-cache ref.json] [-v]
//
// It prints the figures the int8 quantiser is held to: top-1 agreement
// where a disagreement counts only if the f32 winner leads the int8 winner
// by at least -margin in f32 probability, the plain top-1 agreement, and the
// mean overlap of the two top-5 sets. -cache keeps the f32 model's
// probabilities between runs (the slow half), keyed by file name and model.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/inbrowser-ai/resnet/engine"
	"github.com/inbrowser-ai/resnet/engine/modelfile"
	"github.com/inbrowser-ai/resnet/tools/agreement/compare"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "agreement:", err)
		os.Exit(1)
	}
}

func run(args []string, w io.Writer) error {
	fs := flag.NewFlagSet("agreement", flag.ContinueOnError)
	ref := fs.String("ref", "", "the f32 model file")
	model := fs.String("model", "", "the int8 model file")
	dir := fs.String("dir", "", "directory of photos")
	cache := fs.String("cache", "", "JSON file keeping the reference probabilities between runs")
	margin := fs.Float64("margin", 0.02, "a top-1 disagreement counts when the f32 winner leads by at least this much")
	verbose := fs.Bool("v", false, "print every counted disagreement and every top-5 loss")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *ref == "" || *model == "" || *dir == "" {
		return fmt.Errorf("need -ref, -model and -dir")
	}
	files, err := photos(*dir)
	if err != nil {
		return err
	}
	refModel, err := load(*ref)
	if err != nil {
		return err
	}
	q, err := load(*model)
	if err != nil {
		return err
	}
	refProbs, err := cached(*cache, *ref, refModel, files)
	if err != nil {
		return err
	}
	var s compare.Summary
	for i, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		p, err := compare.Probs(q, b)
		if err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		r := s.Add(refProbs[i], p, float32(*margin))
		if *verbose && (r.Counted || r.Top5 < 1) {
			fmt.Fprintf(w, "%-70s %s\n", filepath.Base(f), r.Describe(refModel.Meta().Labels))
		}
	}
	fmt.Fprintln(w, s.String())
	return nil
}

func photos(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range ents {
		ext := strings.ToLower(filepath.Ext(e.Name()))
		if e.Type().IsRegular() && (ext == ".jpg" || ext == ".jpeg" || ext == ".png" || ext == ".webp" || ext == ".gif" || ext == ".bmp") {
			out = append(out, filepath.Join(dir, e.Name()))
		}
	}
	sort.Strings(out)
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no photos", dir)
	}
	return out, nil
}

func load(path string) (*engine.Model, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	m, err := engine.Load(b, modelfile.Verify)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// cached returns the reference probabilities of every file, from the cache
// where it has them for this reference model.
func cached(cache, refPath string, m *engine.Model, files []string) ([][]float32, error) {
	store := map[string][]float32{}
	key := func(f string) string { return filepath.Base(refPath) + "|" + filepath.Base(f) }
	if cache != "" {
		if b, err := os.ReadFile(cache); err == nil {
			if err := json.Unmarshal(b, &store); err != nil {
				return nil, fmt.Errorf("%s: %w", cache, err)
			}
		}
	}
	out := make([][]float32, len(files))
	dirty := false
	for i, f := range files {
		if p, ok := store[key(f)]; ok {
			out[i] = p
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		if out[i], err = compare.Probs(m, b); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		store[key(f)], dirty = out[i], true
		if cache != "" && i%25 == 24 { // an interrupted run keeps what it has done
			if err := save(cache, store); err != nil {
				return nil, err
			}
		}
	}
	if cache != "" && dirty {
		return out, save(cache, store)
	}
	return out, nil
}

func save(path string, store map[string][]float32) error {
	b, err := json.Marshal(store)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}
