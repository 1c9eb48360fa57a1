package regularfile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestReadPath(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f")
	if err := os.WriteFile(file, []byte("12345"), 0o644); err != nil {
		t.Fatal(err)
	}
	if b, err := ReadPath(file, 5); err != nil || string(b) != "12345" {
		t.Errorf("at the limit: %q, %v", b, err)
	}
	if _, err := ReadPath(file, 4); err == nil || !strings.Contains(err.Error(), "has 5 bytes, over the limit of 4 bytes") {
		t.Errorf("over the limit: %v", err)
	}
	if _, err := Read(os.DirFS(dir), "f", 4<<20); err != nil {
		t.Errorf("through fs.FS: %v", err)
	}
	// A pipe must be refused before it is opened: opening it would wait
	// for a writer, and this test would hang.
	fifo := filepath.Join(dir, "pipe")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("no named pipes here: %v", err)
	}
	for name, err := range map[string]error{
		"path":      func() error { _, err := ReadPath(fifo, 1); return err }(),
		"fs":        func() error { _, err := Read(os.DirFS(dir), "pipe", 1); return err }(),
		"directory": func() error { _, _, err := OpenPath(dir); return err }(),
	} {
		if !errors.Is(err, ErrNotRegular) {
			t.Errorf("%s: %v, want ErrNotRegular", name, err)
		}
	}
}
