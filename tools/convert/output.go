package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// checkOutput refuses an -out that would destroy something: one of the
// inputs, by whatever path or link it is named (os.SameFile); anything but
// a regular file (renaming over a device replaces the device, over a
// symbolic link replaces the link, not its target); an existing file
// unless force is set. It runs before the conversion and again before the
// rename, since a conversion takes a while.
func checkOutput(out string, force bool, inputs ...string) error {
	dir := filepath.Dir(out)
	if di, err := os.Stat(dir); err != nil {
		return fmt.Errorf("-out %s: %w", out, err)
	} else if !di.IsDir() {
		return fmt.Errorf("-out %s: %s is not a directory", out, dir)
	}
	li, err := os.Lstat(out)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("-out %s: %w", out, err)
	}
	oi, statErr := os.Stat(out) // through a link, if out is one
	for _, in := range inputs {
		if in == "" {
			continue
		}
		ii, err := os.Stat(in)
		if err != nil {
			continue // reading it will say what is wrong
		}
		if os.SameFile(li, ii) || statErr == nil && os.SameFile(oi, ii) {
			return fmt.Errorf("-out %s is the input %s: refusing to overwrite it", out, in)
		}
	}
	switch mode := li.Mode(); {
	case mode&fs.ModeSymlink != 0:
		return fmt.Errorf("-out %s is a symbolic link: refusing to replace it (name the file itself)", out)
	case !mode.IsRegular():
		return fmt.Errorf("-out %s is not a regular file (%s): refusing to replace it", out, describeMode(mode))
	case !force:
		return fmt.Errorf("-out %s exists: pass -force to replace it", out)
	}
	return nil
}

func describeMode(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	}
	return m.String()
}

// writeOutput writes b to out atomically, so that a server never picks up
// a half-written model: a temporary file beside it, synced, then moved into
// place. Without force the move is a hard link, which fails if out has
// appeared since it was checked; with force, a rename. The temporary file
// is removed on every path.
func writeOutput(out string, b []byte, force bool, inputs ...string) error {
	if err := checkOutput(out, force, inputs...); err != nil {
		return err
	}
	return place(out, b, force)
}

// place is writeOutput once out has been checked.
func place(out string, b []byte, force bool) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(out), ".convert-*")
	if err != nil {
		return err
	}
	defer func() {
		if rmErr := os.Remove(tmp.Name()); rmErr != nil && !errors.Is(rmErr, fs.ErrNotExist) && err == nil {
			err = rmErr
		}
	}()
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil { // CreateTemp makes it 0600
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if force {
		return os.Rename(tmp.Name(), out)
	}
	if err := os.Link(tmp.Name(), out); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("-out %s appeared during the conversion: pass -force to replace it", out)
		}
		return fmt.Errorf("-out %s: %w", out, err)
	}
	return nil
}
