package main

import (
	"errors"
	"io/fs"
	"os"
	"strings"
	"syscall"
)

// maxNameLen is the longest file name the common file systems allow;
// a longer path component cannot name a file, and asking the kernel about
// it is an error, not a "no such file".
const maxNameLen = 255

// possible says whether rel could name a file at all: no NUL byte, no
// component longer than maxNameLen.
func possible(rel string) bool {
	if strings.IndexByte(rel, 0) >= 0 {
		return false
	}
	for part := range strings.SplitSeq(rel, "/") {
		if len(part) > maxNameLen {
			return false
		}
	}
	return true
}

// notThere says whether a lookup error means, to a client, that there is
// no such file: it does not exist, is not a regular file, has a name no
// file can have, is a symlink loop, or leaves the mount (os.Root refuses
// that with an error of its own, not an errno). Other errors — permission,
// I/O — are the server's problem.
func notThere(err error) bool {
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, errNotFile) {
		return true
	}
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return errno == syscall.ENOTDIR || errno == syscall.ELOOP || errno == syscall.ENAMETOOLONG || errno == syscall.EINVAL
	}
	var pe *fs.PathError
	return errors.As(err, &pe) // the root's own refusal: the path escapes it
}

// regularIn says whether name is a regular file inside root, following
// symlinks only as far as they stay inside.
func regularIn(root *os.Root, name string) bool {
	fi, err := root.Stat(name)
	return err == nil && fi.Mode().IsRegular()
}
