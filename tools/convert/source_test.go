package main

import (
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"

	"github.com/inbrowser-ai/resnet/engine"
	"github.com/inbrowser-ai/resnet/engine/modelfile"
	"github.com/inbrowser-ai/resnet/tools/convert/onnx"
)

// TestFormatByContent: an ONNX file named .pth was read as a pickle ("unknown
// pickle opcode"). The content decides the reader.
func TestFormatByContent(t *testing.T) {
	dir := t.TempDir()
	b, err := os.ReadFile("../../testdata/parity/resnet18-w8.onnx")
	if err != nil {
		t.Fatal(err)
	}
	misnamed := filepath.Join(dir, "resnet18.pth")
	os.WriteFile(misnamed, b, 0o644)
	format, got, err := read(misnamed)
	if err != nil {
		t.Fatal(err)
	}
	want, err := onnx.ReadBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	if format != fromONNX || !reflect.DeepEqual(got, want) {
		t.Errorf("read as %q, same network as the .onnx: %v", format, reflect.DeepEqual(got, want))
	}
	// A damaged one says what it was taken for.
	os.WriteFile(misnamed, b[:len(b)/2], 0o644)
	if _, _, err := read(misnamed); err == nil || !strings.Contains(err.Error(), "an ONNX model, read as onnx despite its name") {
		t.Errorf("half an ONNX file named .pth: %v", err)
	}
}

func TestUnsupportedSources(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct{ name, content, want string }{
		{"empty.pth", "", "is an empty file"},
		{"model.h5", "\x89HDF\r\n\x1a\n\x00\x00", "an HDF5 file (a Keras .h5 model?)"},
		{"model.pth.gz", "\x1f\x8b\x08\x00\x00\x00", "gzip-compressed"},
		{"model.safetensors", "\x10\x00\x00\x00\x00\x00\x00\x00{\"w\":{}}        ", "a safetensors file"},
		{"resnet.rnm", modelfile.Magic + "\x01\x00", "already a model file of this project"},
		{"labels.json", `["tench", "goldfish"]`, "a JSON list (a labels file? pass it as -labels)"},
		{"notes.txt", "just some text", "of no format this converter knows (it starts 6a 75 73 74"},
	} {
		p := filepath.Join(dir, tc.name)
		os.WriteFile(p, []byte(tc.content), 0o644)
		_, _, err := read(p)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
	// Devices, pipes and directories would be read without end, or not at
	// all (opening a pipe waits for a writer).
	fifo := filepath.Join(dir, "fifo.pth")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := readLabelsText(fifo); err == nil || !strings.Contains(err.Error(), "is not a regular file") {
		t.Errorf("labels from a pipe: %v", err)
	}
	for _, p := range []string{"/dev/zero", dir, fifo} {
		if _, _, err := read(p); err == nil || !strings.Contains(err.Error(), "is not a regular file") {
			t.Errorf("%s: error %v", p, err)
		}
	}
}

// TestHostileSourcesEndToEnd runs the command on each hostile checkpoint of
// testdata/hostile: an error, and no output file.
func TestHostileSourcesEndToEnd(t *testing.T) {
	files, _ := filepath.Glob("../../testdata/hostile/*.pth")
	if len(files) < 6 {
		t.Fatalf("%d hostile files: run testdata/hostile/make_hostile.py", len(files))
	}
	for _, f := range files {
		out := filepath.Join(t.TempDir(), "x.rnm")
		err := run([]string{"-in", f, "-out", out}, io.Discard)
		if err == nil {
			t.Errorf("%s: converted", f)
		}
		if _, serr := os.Lstat(out); serr == nil {
			t.Errorf("%s: wrote %s", f, out)
		}
	}
}

func TestLabelsText(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     []string
		err      string
	}{
		{"lf", "tench\ngoldfish\n", []string{"tench", "goldfish"}, ""},
		{"crlf", "tench\r\ngoldfish\r\n", []string{"tench", "goldfish"}, ""},
		{"bom", "\ufefftench\ngoldfish", []string{"tench", "goldfish"}, ""},
		{"trailing blank lines", "tench\ngoldfish\n\n\r\n  \n", []string{"tench", "goldfish"}, ""},
		{"inner spaces kept", "great white shark\n", []string{"great white shark"}, ""},
		{"blank line inside", "tench\n\ngoldfish\n", nil, "line 2 is blank"},
		{"control character", "tench\ngold\x1b[31mfish\n", nil, "line 2 has the control character U+001B"},
		{"lone cr", "tench\rgoldfish\n", nil, "line 1 has the control character U+000D"},
		{"not utf-8", "tench\n\xff\xfe\n", nil, "not UTF-8"},
		{"empty", "\n\n", nil, "no labels"},
	} {
		got, err := parseLabelsText([]byte(tc.in))
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: error %v, want %q", tc.name, err, tc.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: %q, %v; want %q", tc.name, got, err, tc.want)
		}
	}
}

// TestLabelsEndToEnd: a CRLF labels file kept \r in every label of the
// model file. Now the names come out clean, and a wrong count says which
// file and how many.
func TestLabelsEndToEnd(t *testing.T) {
	dir := t.TempDir()
	in, _ := source(t, dir)
	names := make([]string, 1000)
	for i := range names {
		names[i] = "class " + string(rune('a'+i%26))
	}
	labels := filepath.Join(dir, "labels.txt")
	os.WriteFile(labels, []byte("\ufeff"+strings.Join(names, "\r\n")+"\r\n\r\n"), 0o644)
	out := filepath.Join(dir, "m.rnm")
	if err := run([]string{"-in", in, "-out", out, "-labels", labels, "-quant", "f32"}, io.Discard); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	m, err := engine.Load(b, modelfile.Verify)
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Meta().Labels; !reflect.DeepEqual(got, names) {
		t.Errorf("labels %q…, want %q…", got[:2], names[:2])
	}
	os.WriteFile(labels, []byte(strings.Join(names[:999], "\r\n")), 0o644)
	err = run([]string{"-in", in, "-out", filepath.Join(dir, "n.rnm"), "-labels", labels}, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "labels.txt has 999 labels, the model 1000 classes") {
		t.Errorf("999 labels: %v", err)
	}
}

// FuzzSniff: any first bytes get a reader or a description, never a panic,
// and a reader only for content that reader can start on.
func FuzzSniff(f *testing.F) {
	for _, s := range []string{"", "PK\x03\x04", "\x80\x02}q", "\x08\x07\x12\x07pytorch", "{\"format\":", "\x89HDF\r\n\x1a\n", "[1]"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		reader, what := sniff(b)
		if what == "" {
			t.Fatalf("no description for % x", b)
		}
		if reader == fromTFJS && !strings.Contains(string(b), "{") {
			t.Fatalf("JSON reader for % x", b)
		}
	})
}

// FuzzLabelsText: whatever a labels file holds, the names that come out
// are non-blank single lines without control characters.
func FuzzLabelsText(f *testing.F) {
	for _, s := range []string{"a\nb\n", "a\r\nb\r\n", "\ufeffa\n\n", "a\n\nb", "\xff"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		l, err := parseLabelsText(b)
		if err != nil {
			return
		}
		if len(l) == 0 {
			t.Fatal("no error and no labels")
		}
		for _, s := range l {
			if strings.TrimSpace(s) == "" || strings.ContainsAny(s, "\r\n\x00") {
				t.Fatalf("label %q from %q", s, b)
			}
		}
	})
}
