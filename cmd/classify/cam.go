package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/inbrowser-ai/resnet/engine"
)

// camFlag is -cam: a switch when classifying images, the maps' output file
// with -tensor (as -logits is). Go's flag package knows a flag's kind only
// from its value, so the command line decides it before parsing.
type camFlag struct {
	file bool // with -tensor: -cam takes a file name
	on   bool
	path string
}

func (c *camFlag) IsBoolFlag() bool { return !c.file }

func (c *camFlag) String() string {
	if c == nil || !c.file {
		return strconv.FormatBool(c != nil && c.on)
	}
	return c.path
}

func (c *camFlag) Set(s string) error {
	if c.file {
		if s == "" {
			return fmt.Errorf("with -tensor, -cam needs an output file")
		}
		c.on, c.path = true, s
		return nil
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		return fmt.Errorf("-cam is a switch when classifying images (-cam OUT.f32 needs -tensor)")
	}
	c.on = b
	return nil
}

// tensorMode is whether args ask for -tensor, before the flags are parsed
// (so without knowing which arguments are flags' values).
func tensorMode(args []string) bool {
	for _, a := range args {
		if a == "--" {
			return false
		}
		if !strings.HasPrefix(a, "-") {
			continue
		}
		name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if name == "tensor" {
			return true
		}
	}
	return false
}

// camOptions are the CAM flags of one run.
type camOptions struct {
	on     bool   // -cam: add the map to each report
	class  int    // -cam-class, or -1 for each image's top-1
	pngDir string // -cam-png
	path   string // -cam OUT.f32 with -tensor
}

func (co camOptions) check(m *engine.Model) error {
	if n := m.Meta().Classes; co.class < -1 || co.class >= n {
		return fmt.Errorf("-cam-class %d: want a class in 0…%d", co.class, n-1)
	}
	if co.pngDir != "" {
		if fi, err := os.Stat(co.pngDir); err != nil || !fi.IsDir() {
			return fmt.Errorf("-cam-png %s: not a directory", co.pngDir)
		}
	}
	return nil
}

// apply computes the map of one classified image, writes its overlay when
// asked, and returns it when the report should carry it.
func (co camOptions) apply(m *engine.Model, file string, r *engine.Result) (*engine.CAM, error) {
	if !co.on && co.pngDir == "" {
		return nil, nil
	}
	k := co.class
	if k < 0 {
		k = r.Top[0].Index
	}
	c, err := m.CAM(k)
	if err != nil {
		return nil, err
	}
	if co.pngDir != "" {
		out := filepath.Join(co.pngDir, strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))+".cam.png")
		if err := writeOverlay(out, r.Crop, c); err != nil {
			return nil, err
		}
	}
	if !co.on {
		return nil, nil
	}
	return c, nil
}

// camSummary is the text form's line about a map: its size and the cell
// with the most evidence for the class.
func camSummary(c *engine.CAM) string {
	best := 0
	for i, v := range c.Map {
		if v > c.Map[best] {
			best = i
		}
	}
	h, w := c.Size[0], c.Size[1]
	return fmt.Sprintf("%d×%d, strongest at row %d, column %d (of %d×%d, from the top left)", h, w, best/w+1, best%w+1, h, w)
}
