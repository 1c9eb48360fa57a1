package tfjs

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/inbrowser-ai/resnet/engine/modelfile"
)

// TestBoundedReads: model.json and labels are read only as regular files of
// a sane size, checked before reading; a shard that is a device (a link to
// /dev/zero, say) is refused by its type, not read.
func TestBoundedReads(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "model.json")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	f.Truncate(maxModelJSON + 1) // sparse: nothing is written or read
	f.Close()
	if _, err := Read(big); err == nil || !strings.Contains(err.Error(), "over the limit of 64 MiB") {
		t.Errorf("oversized model.json: %v", err)
	}
	fifo := filepath.Join(dir, "labels.json")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadLabels(fifo); err == nil || !strings.Contains(err.Error(), "is not a regular file") {
		t.Errorf("labels from a pipe: %v", err)
	}

	s := newSynth(modelfile.Basic, [4]int{2, 2, 2, 2})
	files := s.files(t, s.model())
	p := shard(files, 1, 1)
	files[p].Mode = fs.ModeDevice | fs.ModeCharDevice
	_, err = ReadFS(files, "model.json")
	if err == nil || !strings.Contains(err.Error(), "is not a regular file") {
		t.Errorf("a device as shard: %v", err)
	}
	// And on disk: a shard that is a named pipe would block the open.
	files = s.files(t, s.model())
	for name, f := range files {
		if name != p {
			os.WriteFile(filepath.Join(dir, name), f.Data, 0o644)
		}
	}
	os.Remove(big)
	os.WriteFile(big, files["model.json"].Data, 0o644)
	if err := syscall.Mkfifo(filepath.Join(dir, p), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Read(big); err == nil || !strings.Contains(err.Error(), "is not a regular file") {
		t.Errorf("a named pipe as shard: %v", err)
	}
}

func TestLabelsWithBOM(t *testing.T) {
	got, err := parseLabels([]byte("\ufeff[\"tench\",\"goldfish\"]"))
	if err != nil || len(got) != 2 || got[0] != "tench" {
		t.Fatalf("%q %v", got, err)
	}
}
