// Package regularfile opens the converter's inputs (checkpoints, model.json,
// shards, labels) only as regular files, and reads them only up to a bound.
// A device or a pipe named as an input would otherwise be read without end,
// and opening a named pipe waits for a writer, so the name is checked
// before it is opened and the opened file again after (the name may have
// been replaced in between).
package regularfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// ErrNotRegular is wrapped by every refusal of something that is not a
// regular file.
var ErrNotRegular = errors.New("is not a regular file")

// Open opens name in fsys, refusing anything but a regular file.
func Open(fsys fs.FS, name string) (fs.File, fs.FileInfo, error) {
	return open(name, func() (fs.FileInfo, error) { return fs.Stat(fsys, name) }, func() (fs.File, error) { return fsys.Open(name) })
}

// OpenPath is Open for a path of the operating system.
func OpenPath(path string) (*os.File, fs.FileInfo, error) {
	f, fi, err := open(path, func() (fs.FileInfo, error) { return os.Stat(path) }, func() (*os.File, error) { return os.Open(path) })
	return f, fi, err
}

func open[F fs.File](name string, stat func() (fs.FileInfo, error), openFile func() (F, error)) (F, fs.FileInfo, error) {
	var none F
	if fi, err := stat(); err != nil {
		return none, nil, err
	} else if !fi.Mode().IsRegular() {
		return none, nil, fmt.Errorf("%s %w", name, ErrNotRegular)
	}
	f, err := openFile()
	if err != nil {
		return none, nil, err
	}
	fi, err := f.Stat()
	if err == nil && !fi.Mode().IsRegular() {
		err = fmt.Errorf("%s %w", name, ErrNotRegular)
	}
	if err != nil {
		f.Close()
		return none, nil, err
	}
	return f, fi, nil
}

// Read reads name in fsys, a regular file of at most max bytes: its size is
// checked before reading, and nothing past max is read whatever it claims.
func Read(fsys fs.FS, name string, max int64) ([]byte, error) {
	f, fi, err := Open(fsys, name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readAll(f, fi, name, max)
}

// ReadPath is Read for a path of the operating system.
func ReadPath(path string, max int64) ([]byte, error) {
	f, fi, err := OpenPath(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readAll(f, fi, path, max)
}

func readAll(r io.Reader, fi fs.FileInfo, name string, max int64) ([]byte, error) {
	if fi.Size() > max {
		return nil, fmt.Errorf("%s has %d bytes, over the limit of %s", name, fi.Size(), size(max))
	}
	b, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("%s grew past the limit of %s while being read", name, size(max))
	}
	return b, nil
}

func size(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}
