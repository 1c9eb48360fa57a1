package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/inbrowser-ai/resnet/engine/modelfile"
	"github.com/inbrowser-ai/resnet/engine/preprocess"
)

// Limits on what the command reads, checked before reading: from a stat
// for regular files, by a bounded read for devices, pipes and stdin, which
// have no size.
const (
	// maxImageBytes: 50 megapixels (preprocess.MaxPixels, the decode
	// limit) take 200 MB as 32-bit BMP, the largest uncompressed form we
	// decode; compressed formats take far less.
	maxImageBytes = 256 << 20
	// maxTensorBytes: 2,600 preprocessed 224×224 images, far more than a
	// parity check needs; held twice (bytes and float32) while decoding.
	maxTensorBytes = 512 << 20
	// sniffBytes is how much of a stream is read before its format is
	// checked: /dev/zero and /dev/urandom stop there.
	sniffBytes = 64 << 10
)

// stdinName is the image argument that means standard input.
const stdinName = "-"

// open opens a file for reading and returns its size, or -1 for one with
// none that means anything (a device, a pipe). Directories are refused.
func open(path string) (io.ReadCloser, int64, error) {
	if path == stdinName {
		return io.NopCloser(os.Stdin), -1, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	switch {
	case fi.Mode().IsRegular():
		return f, fi.Size(), nil
	case fi.IsDir():
		f.Close()
		return nil, 0, &fs.PathError{Op: "read", Path: path, Err: errors.New("is a directory")}
	}
	return f, -1, nil
}

// readBounded reads all of r, of the given size (-1: unknown), refusing
// more than limit bytes without reading them; check, if not nil, sees the
// first sniffBytes and may refuse the rest unread. A known size is read
// into one allocation; a stream into chunks that are joined at the end, so
// that refusing an endless one costs the limit, not the doublings of a
// growing buffer (three times the limit, and minutes of page faults).
func readBounded(r io.Reader, size, limit int64, what string, check func([]byte) error) ([]byte, error) {
	if size > limit {
		return nil, fmt.Errorf("%s of %d bytes is more than the %d MiB limit", what, size, limit>>20)
	}
	chunk := int64(sniffBytes)
	if size >= 0 {
		chunk = size + 1 // one read to the end, and one byte to see it grew
	}
	var chunks [][]byte
	var total int64
	for total <= limit {
		buf := make([]byte, min(chunk, limit+1-total))
		n, err := io.ReadFull(r, buf)
		chunks = append(chunks, buf[:n])
		total += int64(n)
		if len(chunks) == 1 && check != nil && n > 0 {
			if err := check(buf[:n]); err != nil {
				return nil, err
			}
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		chunk = min(2*chunk, 16<<20)
	}
	if total > limit {
		return nil, fmt.Errorf("%s is more than the %d MiB limit", what, limit>>20)
	}
	if len(chunks) == 1 {
		return chunks[0], nil
	}
	return bytes.Join(chunks, nil), nil
}

// readImage reads an image file (or standard input), bounded; a stream
// that is no image we decode, or whose header claims too many pixels, is
// refused after its first bytes.
func readImage(path string) ([]byte, error) {
	r, size, err := open(path)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return readBounded(r, size, maxImageBytes, "image", func(head []byte) error {
		_, err := preprocess.CheckHeader(head, preprocess.MaxPixels)
		if errors.Is(err, preprocess.ErrFormat) || errors.Is(err, preprocess.ErrTooLarge) {
			return err // conclusive from the header alone
		}
		return nil
	})
}

// readModel reads a model file header first (modelfile.ReadFrom): its
// declared length is checked against the file's size and the format's
// limit before the body is read.
func readModel(path string) ([]byte, error) {
	r, size, err := open(path)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return modelfile.ReadFrom(r, size, modelfile.MaxFileLen)
}

// readTensor reads a -tensor file, bounded.
func readTensor(path string) ([]byte, error) {
	r, size, err := open(path)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return readBounded(r, size, maxTensorBytes, "tensor file", nil)
}
