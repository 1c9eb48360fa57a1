package preprocess

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// budgetInputs are images of every kind the estimate tells apart: the
// worst-case kinds in testdata/budget (16-bit and interlaced PNG,
// progressive 4:4:4 and CMYK JPEG, …), the formats the decoder takes, and
// an EXIF orientation that swaps the sides.
func budgetInputs(t *testing.T) []string {
	var files []string
	for _, glob := range []string{"budget/*.*", "photos/formats/*.*", "photos/orient/orient_6.jpg", "photos/*.png"} {
		m, _ := filepath.Glob(filepath.Join(testdata, glob))
		for _, f := range m {
			if ext := filepath.Ext(f); ext != ".sh" && ext != ".py" && ext != ".md" {
				files = append(files, f)
			}
		}
	}
	if len(files) < 20 {
		t.Fatalf("only %d inputs; run testdata/budget/make_budget.sh", len(files))
	}
	return files
}

// The estimate is read from the header alone, so it must bound what
// decoding and resizing really allocate (runtime.MemStats.TotalAlloc, which
// counts every allocation whether or not it was collected: the worst case
// of a collector that never runs). It must also be tight, or the budget
// would refuse images it could afford: without the fixed allowance for the
// decoders' tables it is within 25 % of the allocations.
func TestEstimateCoversAllocations(t *testing.T) {
	for _, f := range budgetInputs(t) {
		name, _ := filepath.Rel(testdata, f)
		data := readFile(t, name)
		c, err := Check(data, Limits{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var derr error
		alloc := allocated(func() {
			m, _, err := DecodeWithin(data, Limits{})
			if err == nil {
				_, err = ResizeCrop(m, 256, 224)
			}
			derr = err
		})
		if derr != nil {
			t.Fatalf("%s: %v", name, derr)
		}
		t.Logf("%-34s %-28s %4d×%-4d estimate %8d, allocated %8d (%.2f×)", name, c.Kind, c.Width, c.Height, c.Bytes, alloc, float64(c.Bytes)/float64(alloc))
		if uint64(c.Bytes) < alloc {
			t.Errorf("%s (%s): estimate %d bytes, but decoding allocated %d", name, c.Kind, c.Bytes, alloc)
		}
		if pixels := c.Bytes - decoderSlack; float64(pixels) > 1.25*float64(alloc) {
			t.Errorf("%s (%s): estimate %d bytes (%d without the allowance) is loose for %d allocated", name, c.Kind, c.Bytes, pixels, alloc)
		}
	}
}

// An image over the budget is refused before decoding, with an error that
// is ErrTooLarge (hosts map it to "too large") and ErrOverBudget, and that
// says what it needs and what the limit is.
func TestCheckOverBudget(t *testing.T) {
	data := readFile(t, "budget/rgba16_interlaced.png")
	c, err := Check(data, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	lim := Limits{Budget: c.Bytes - 1}
	var img any
	alloc := allocated(func() { img, _, err = DecodeWithin(data, lim) })
	if !errors.Is(err, ErrOverBudget) || !errors.Is(err, ErrTooLarge) {
		t.Fatalf("one byte over: %v (%v), want ErrOverBudget and ErrTooLarge", err, img)
	}
	for _, want := range []string{"16-bit interlaced PNG", "240×180", "needs ~3 MiB", "2 MiB budget", "megapixels fit"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if alloc > 1<<20 {
		t.Errorf("refusing allocated %d bytes; the header alone decides", alloc)
	}
	if _, _, err := DecodeWithin(data, Limits{Budget: c.Bytes}); err != nil {
		t.Errorf("exactly the budget: %v", err)
	}
}

// The kinds the estimate tells apart are named in its errors, and a dearer
// kind of the same size costs more.
func TestEstimateKinds(t *testing.T) {
	cost := func(name string) Cost {
		c, err := Check(readFile(t, "budget/"+name), Limits{})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	for _, tc := range []struct{ cheap, dear, kind string }{
		{"baseline_420.jpg", "progressive_420.jpg", "progressive 4:2:0 JPEG"},
		{"progressive_420.jpg", "progressive_444.jpg", "progressive 4:4:4 JPEG"},
		{"progressive_444.jpg", "progressive_cmyk.jpg", "progressive YCCK JPEG"},
		{"rgb16.png", "rgb16_interlaced.png", "16-bit interlaced PNG"},
		{"baseline_420.jpg", "baseline_422.jpg", "baseline 4:2:2 JPEG"},
	} {
		a, b := cost(tc.cheap), cost(tc.dear)
		if b.Kind != tc.kind {
			t.Errorf("%s: kind %q, want %q", tc.dear, b.Kind, tc.kind)
		}
		if a.Bytes-int64(len(readFile(t, "budget/"+tc.cheap))) >= b.Bytes-int64(len(readFile(t, "budget/"+tc.dear))) {
			t.Errorf("%s (%d) should cost more than %s (%d)", tc.dear, b.Bytes, tc.cheap, a.Bytes)
		}
	}
}
