package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/inbrowser-ai/resnet/engine"
	"github.com/inbrowser-ai/resnet/engine/modelfile"
	"github.com/inbrowser-ai/resnet/tools/convert/encode"
	"github.com/inbrowser-ai/resnet/tools/convert/net"
)

// TestMain lets a test run the command itself, as a process: standard
// input, exit status and the bytes that reach a terminal are then real.
func TestMain(m *testing.M) {
	if os.Getenv("CLASSIFY_RUN_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// command runs this test binary as classify with args and stdin.
func command(t *testing.T, stdin []byte, args ...string) (stdout, stderr string, status int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "CLASSIFY_RUN_MAIN=1")
	cmd.Stdin = bytes.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		status = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errb.String(), status
}

func photo(name string) string { return filepath.Join("..", "..", "testdata", "photos", name) }

// tinyModel writes a small random ResNet-18 (width 8) to dir; edit may
// change the network before it is encoded.
func tinyModel(t *testing.T, dir, name string, edit func(*net.Network)) string {
	t.Helper()
	n := net.Random(modelfile.Basic, modelfile.StrideOn3x3, [4]int{2, 2, 2, 2}, 8, 10, 3)
	if edit != nil {
		edit(n)
	}
	b, err := encode.Encode(n, modelfile.Int8, modelfile.Source{Format: "test"})
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// overflowing multiplies every convolution's weights by 2000: each stays
// within the load-time bounds, their product through the network does not.
func overflowing(n *net.Network) {
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
}

// patchJSON replaces the first match of re in a model file with repl,
// padded with spaces to the same length, and reseals the checksum.
func patchJSON(t *testing.T, src, dst, re, repl string) string {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	loc := regexp.MustCompile(re).FindIndex(b)
	if loc == nil || len(repl) > loc[1]-loc[0] {
		t.Fatalf("cannot replace %s with %q", re, repl)
	}
	copy(b[loc[0]:], repl+strings.Repeat(" ", loc[1]-loc[0]-len(repl)))
	sum := sha256.Sum256(b[modelfile.HeaderSize:])
	copy(b[24:56], sum[:])
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return dst
}

// setFloat writes a model whose f32 tensor has element i set to v,
// checksum resealed.
func setFloat(t *testing.T, src, dst, tensor string, i int, v float32) string {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	f, err := modelfile.Parse(b, modelfile.Verify)
	if err != nil {
		t.Fatal(err)
	}
	tn, err := f.Tensor(tensor)
	if err != nil {
		t.Fatal(err)
	}
	binary.LittleEndian.PutUint32(b[tn.Offset+4*int64(i):], math.Float32bits(v))
	sum := sha256.Sum256(b[modelfile.HeaderSize:])
	copy(b[24:56], sum[:])
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return dst
}

// sparse makes a file that stats as 6 GB and occupies no disk.
func sparse(t *testing.T, dir, name string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Truncate(6 << 30); err != nil {
		t.Skipf("cannot make a sparse 6 GB file here: %v", err)
	}
	return p
}

// Inputs without a bound — a 6 GB file, /dev/zero, /dev/urandom — are
// refused without reading them whole, as images, models and tensors.
func TestUnboundedInputsRefused(t *testing.T) {
	dir := t.TempDir()
	big := sparse(t, dir, "big.jpg")
	model := tinyModel(t, dir, "tiny.rnm", nil)
	for _, tc := range []struct {
		file, want string
	}{
		{big, "more than the 256 MiB limit"},
		{"/dev/zero", "not an image type"},
		{"/dev/urandom", "not an image type"},
		{dir, "is a directory"},
	} {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := readImage(tc.file)
		runtime.ReadMemStats(&after)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("image %s: %v, want an error saying %q", tc.file, err, tc.want)
		}
		if a := after.TotalAlloc - before.TotalAlloc; a > 1<<20 {
			t.Errorf("image %s: allocated %d bytes to refuse it", tc.file, a)
		}
	}
	// In a batch, the refusals are reports and the photo after them is
	// still classified.
	reps, err := classifyJSON(t, "-model", model, big, "/dev/zero", "/dev/urandom", photo("coffee.jpg"))
	if !errors.Is(err, errSomeFailed) || len(reps) != 4 || reps[3].Error != "" || len(reps[3].Top) == 0 {
		t.Errorf("batch: %v, %+v", err, reps)
	}

	for _, tc := range []struct {
		file, want string
	}{
		{sparse(t, dir, "big.rnm"), "larger than allowed"},
		{"/dev/zero", "bad magic"},
		{"/dev/urandom", "bad magic"},
		{dir, "is a directory"},
	} {
		_, err := classifyJSON(t, "-model", tc.file, photo("coffee.jpg"))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("-model %s: %v, want an error saying %q", tc.file, err, tc.want)
		}
	}

	out := filepath.Join(dir, "out.f32")
	for _, tc := range []struct {
		file, want string
	}{
		{sparse(t, dir, "big.f32"), "more than the 512 MiB limit"},
		{"/dev/zero", "more than the 512 MiB limit"},
	} {
		_, err := classifyJSON(t, "-model", model, "-tensor", tc.file, "-logits", out)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("-tensor %s: %v, want an error saying %q", tc.file, err, tc.want)
		}
	}
	if _, err := classifyJSON(t, "-model", model, "-tensor", "/dev/null", "-logits", out, "-size", "2048x2048"); err == nil {
		t.Error("-size 2048x2048 on an empty tensor accepted")
	}
	x := make([]byte, 4*3*2048*2048) // one zero image, 48 MiB
	in := filepath.Join(dir, "in.f32")
	if err := os.WriteFile(in, x, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := classifyJSON(t, "-model", model, "-tensor", in, "-logits", out, "-size", "2048x2048"); !errors.Is(err, engine.ErrBudget) {
		t.Errorf("a 2048×2048 tensor on a 200 KB model: %v, want ErrBudget", err)
	}
	binary.LittleEndian.PutUint32(x[4*1000:], math.Float32bits(float32(math.NaN())))
	if err := os.WriteFile(in, x[:4*3*64*64], 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := classifyJSON(t, "-model", model, "-tensor", in, "-logits", out, "-size", "64x64"); err == nil || !strings.Contains(err.Error(), "value 1000 (image 1) is NaN") {
		t.Errorf("a NaN in the tensor: %v", err)
	}
}

// `classify -` reads the image from standard input.
func TestStdin(t *testing.T) {
	model := tinyModel(t, t.TempDir(), "tiny.rnm", nil)
	b, err := os.ReadFile(photo("coffee.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	viaFile, _, status := command(t, nil, "-json", "-model", model, photo("coffee.jpg"))
	viaStdin, stderr, status2 := command(t, b, "-json", "-model", model, "-")
	var a, c engine.Report
	if err := json.Unmarshal([]byte(viaFile), &a); err != nil || status != 0 {
		t.Fatalf("file: %q, status %d, %v", viaFile, status, err)
	}
	if err := json.Unmarshal([]byte(viaStdin), &c); err != nil || status2 != 0 {
		t.Fatalf("stdin: %q %q, status %d, %v", viaStdin, stderr, status2, err)
	}
	if c.File != "-" || len(c.Top) == 0 || c.Top[0] != a.Top[0] {
		t.Errorf("stdin gave %+v, the file %+v", c, a)
	}
	if _, _, status := command(t, []byte("not an image"), "-model", model, "-"); status != 1 {
		t.Errorf("garbage on stdin: exit status %d, want 1", status)
	}
}

// A checksum-valid model that would compute garbage is refused at load
// with a message naming what is wrong; one whose output overflows anyway
// gets an error per image — naming the file — in text and JSON, the other
// images are still processed, and the exit status is 1.
func TestImplausibleModels(t *testing.T) {
	dir := t.TempDir()
	model := tinyModel(t, dir, "tiny.rnm", nil)
	nanScale := setFloat(t, model, filepath.Join(dir, "nan.rnm"), "layer3.1.conv1.scale", 2, float32(math.NaN()))
	for file, want := range map[string]string{
		nanScale: "layer3.1.conv1.scale[2]",
		patchJSON(t, model, filepath.Join(dir, "mean.rnm"), `"mean":\[[^\]]*\]`, `"mean":[3e38,1,1]`): "mean",
		patchJSON(t, model, filepath.Join(dir, "std.rnm"), `"std":\[[^\]]*\]`, `"std":[1e-38,1,1]`):   "std",
		patchJSON(t, model, filepath.Join(dir, "depth.rnm"), `"depth":18`, `"depth":50`):              "depth 50",
	} {
		_, stderr, status := command(t, nil, "-model", file, photo("coffee.jpg"))
		if status != 1 || !strings.Contains(stderr, want) || !strings.Contains(stderr, filepath.Base(file)) {
			t.Errorf("%s: status %d, stderr %q; want 1 and a message naming the file and %q", filepath.Base(file), status, stderr, want)
		}
	}
	if def := filepath.Join("..", "..", DefaultModel); fileExists(def) {
		p := patchJSON(t, def, filepath.Join(dir, "r50as18.rnm"), `"depth":50`, `"depth":18`)
		if _, stderr, status := command(t, nil, "-model", p, photo("coffee.jpg")); status != 1 || !strings.Contains(stderr, "depth 18") {
			t.Errorf("the default ResNet-50 labelled 18: status %d, %q", status, stderr)
		}
	}

	over := tinyModel(t, dir, "over.rnm", overflowing)
	files := []string{photo("coffee.jpg"), photo("dog.jpg")}
	stdout, _, status := command(t, nil, append([]string{"-json", "-model", over}, files...)...)
	dec := json.NewDecoder(strings.NewReader(stdout))
	var n int
	for ; dec.More(); n++ {
		var r engine.Report
		if err := dec.Decode(&r); err != nil {
			t.Fatalf("output %q: %v", stdout, err)
		}
		if r.File != files[n] || !strings.Contains(r.Error, "non-finite") || len(r.Top) != 0 {
			t.Errorf("report %d: %+v, want a non-finite error for %s", n, r, files[n])
		}
	}
	if n != 2 || status != 1 {
		t.Errorf("%d reports, status %d; want 2 and 1", n, status)
	}
	stdout, _, status = command(t, nil, append([]string{"-model", over}, files...)...)
	if status != 1 || strings.Contains(stdout, "NaN%") || strings.Count(stdout, "non-finite") != 2 || !strings.Contains(stdout, "dog.jpg: error") {
		t.Errorf("text: status %d, output %q", status, stdout)
	}
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

// Escape sequences in file names and in a model's labels reach the
// terminal escaped, never raw; JSON keeps the exact strings.
func TestTextEscapesControlCharacters(t *testing.T) {
	dir := t.TempDir()
	// (JSON cannot carry invalid UTF-8 in a label; a file name can.)
	hostile := []string{"\x1b]0;owned\x07", "\x1b[2J", "bell\a", "\u202eevil", "ok\nnext"}
	model := tinyModel(t, dir, "labels.rnm", func(n *net.Network) {
		for i := range n.Labels {
			n.Labels[i] = hostile[i%len(hostile)]
		}
	})
	b, err := os.ReadFile(photo("coffee.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	name := filepath.Join(dir, "\x1b[31mred\x1b[0m.jpg")
	if err := os.WriteFile(name, b, 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "\x1b[1mmissing\xff.jpg")
	stdout, _, status := command(t, nil, "-k", "10", "-model", model, name, missing)
	if status != 1 {
		t.Errorf("exit status %d, want 1 (one file is missing)", status)
	}
	for _, bad := range []string{"\x1b", "\a", "\u202e", "\xff"} {
		if strings.Contains(stdout, bad) {
			t.Errorf("text output carries %q raw:\n%s", bad, stdout)
		}
	}
	for _, want := range []string{`\x1b[31mred\x1b[0m.jpg`, `\x1b]0;owned\a`, `\u202eevil`, `ok\nnext`, `\x1b[1mmissing\xff.jpg`} {
		if !strings.Contains(stdout, want) {
			t.Errorf("text output lacks %s:\n%s", want, stdout)
		}
	}
	if strings.Count(stdout, "\n") != 12 { // a header line and ten classes, one error line
		t.Errorf("a label's newline split the output: %d lines\n%s", strings.Count(stdout, "\n"), stdout)
	}
	reps, _ := classifyJSON(t, "-k", "10", "-model", model, name)
	if len(reps) != 1 || reps[0].File != name || !containsLabel(reps[0].Top, hostile[0]) {
		t.Errorf("JSON changed the strings: %+v", reps)
	}
}

func containsLabel(top []engine.Prediction, label string) bool {
	for _, p := range top {
		if p.Label == label {
			return true
		}
	}
	return false
}
