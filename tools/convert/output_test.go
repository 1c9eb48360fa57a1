package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// source copies the ResNet-18 parity checkpoint into dir: a real input to
// convert, and one that must survive every refused -out.
func source(t *testing.T, dir string) (string, []byte) {
	t.Helper()
	b, err := os.ReadFile("../../testdata/parity/resnet18-w8.pth")
	if err != nil {
		t.Fatal(err)
	}
	in := filepath.Join(dir, "resnet18.pth")
	if err := os.WriteFile(in, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return in, b
}

// noTemp fails if a temporary file of the converter is left in dir.
func noTemp(t *testing.T, dir string) {
	t.Helper()
	left, _ := filepath.Glob(filepath.Join(dir, ".convert-*"))
	if len(left) > 0 {
		t.Errorf("temporary files left behind: %q", left)
	}
}

func sameBytes(t *testing.T, path string, want []byte) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s was changed", path)
	}
}

func TestOutputRefusals(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T, dir, in string) (out string, check func())
		force bool
		want  string
	}{
		{"out is in", func(t *testing.T, dir, in string) (string, func()) {
			return in, nil
		}, true, "is the input"},
		{"out is in by another path", func(t *testing.T, dir, in string) (string, func()) {
			alias := filepath.Join(dir, "alias")
			if err := os.Symlink(dir, alias); err != nil {
				t.Fatal(err)
			}
			return filepath.Join(alias, filepath.Base(in)), nil
		}, true, "is the input"},
		{"out is a hard link to in", func(t *testing.T, dir, in string) (string, func()) {
			out := filepath.Join(dir, "link.rnm")
			if err := os.Link(in, out); err != nil {
				t.Fatal(err)
			}
			return out, nil
		}, true, "is the input"},
		{"out is a symlink to in", func(t *testing.T, dir, in string) (string, func()) {
			out := filepath.Join(dir, "sym.rnm")
			if err := os.Symlink(in, out); err != nil {
				t.Fatal(err)
			}
			return out, nil
		}, true, "is the input"},
		{"out is a symlink elsewhere", func(t *testing.T, dir, in string) (string, func()) {
			target := filepath.Join(dir, "target.rnm")
			os.WriteFile(target, []byte("keep"), 0o644)
			out := filepath.Join(dir, "sym.rnm")
			if err := os.Symlink(target, out); err != nil {
				t.Fatal(err)
			}
			return out, func() {
				if fi, err := os.Lstat(out); err != nil || fi.Mode()&os.ModeSymlink == 0 {
					t.Errorf("the symlink was replaced")
				}
				sameBytes(t, target, []byte("keep"))
			}
		}, true, "is a symbolic link"},
		// A named pipe stands for /dev/null: the same refusal (not a regular
		// file), without risking the machine's device if it regressed.
		{"out is a named pipe", func(t *testing.T, dir, in string) (string, func()) {
			out := filepath.Join(dir, "fifo")
			if err := syscall.Mkfifo(out, 0o644); err != nil {
				t.Fatal(err)
			}
			return out, func() {
				if fi, err := os.Lstat(out); err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
					t.Errorf("the pipe was replaced")
				}
			}
		}, true, "is not a regular file (a named pipe)"},
		{"out is a directory", func(t *testing.T, dir, in string) (string, func()) {
			out := filepath.Join(dir, "d")
			os.Mkdir(out, 0o755)
			return out, nil
		}, true, "is not a regular file (a directory)"},
		{"out exists", func(t *testing.T, dir, in string) (string, func()) {
			out := filepath.Join(dir, "old.rnm")
			os.WriteFile(out, []byte("old model"), 0o644)
			return out, func() { sameBytes(t, out, []byte("old model")) }
		}, false, "exists: pass -force to replace it"},
		{"out is the labels file", func(t *testing.T, dir, in string) (string, func()) {
			return filepath.Join(dir, "labels.txt"), nil
		}, true, "is the input"},
		{"no such directory", func(t *testing.T, dir, in string) (string, func()) {
			return filepath.Join(dir, "missing", "x.rnm"), nil
		}, false, "no such file or directory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			in, inBytes := source(t, dir)
			labels := filepath.Join(dir, "labels.txt")
			labelBytes := []byte(strings.Repeat("x\n", 1000))
			os.WriteFile(labels, labelBytes, 0o644)
			out, check := tc.setup(t, dir, in)
			args := []string{"-in", in, "-out", out, "-labels", labels, "-quant", "f32"}
			if tc.force {
				args = append(args, "-force")
			}
			err := run(args, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
			sameBytes(t, in, inBytes)
			sameBytes(t, labels, labelBytes)
			if check != nil {
				check()
			}
			noTemp(t, dir)
		})
	}
}

func TestOutputWrites(t *testing.T) {
	dir := t.TempDir()
	in, _ := source(t, dir)
	out := filepath.Join(dir, "new.rnm")
	if err := run([]string{"-in", in, "-out", out, "-quant", "f32"}, io.Discard); err != nil {
		t.Fatal(err)
	}
	first, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(out); fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", fi.Mode().Perm())
	}
	// Replacing it takes -force, and gives a new file (int8 this time).
	if err := run([]string{"-in", in, "-out", out}, io.Discard); err == nil {
		t.Fatal("replaced an existing file without -force")
	}
	if err := run([]string{"-in", in, "-out", out, "-force"}, io.Discard); err != nil {
		t.Fatal(err)
	}
	second, _ := os.ReadFile(out)
	if bytes.Equal(first, second) || len(second) == 0 {
		t.Error("-force did not replace the file")
	}
	noTemp(t, dir)
}

// TestOutputAppearsDuringConversion: without -force, a file that appears at
// -out after the last check is still not replaced.
func TestOutputAppearsDuringConversion(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "m.rnm")
	if err := checkOutput(out, false); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(out, []byte("someone else's"), 0o644)
	err := place(out, []byte("model"), false)
	if err == nil || !strings.Contains(err.Error(), "appeared during the conversion") {
		t.Fatalf("error %v", err)
	}
	sameBytes(t, out, []byte("someone else's"))
	noTemp(t, dir)
}

// TestOutputDevice: the bug report's -out /dev/null, run as root, replaced
// the device. Only the check runs here, so a regression cannot do it again.
func TestOutputDevice(t *testing.T) {
	err := checkOutput("/dev/null", true, "../../testdata/parity/resnet18-w8.pth")
	if err == nil || !strings.Contains(err.Error(), "is not a regular file (a character device)") {
		t.Fatalf("error %v", err)
	}
}
