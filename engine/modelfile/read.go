package modelfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
)

// ErrTooLarge is returned by ReadFrom for a file longer than the reader's
// limit.
var ErrTooLarge = errors.New("model file is larger than allowed")

// ReadFrom reads one model file from r, trusting no length it has not
// checked: it reads the header first, refuses a file whose declared
// length exceeds maxLen or differs from size (the length a stat reported;
// -1 when r has none, e.g. a pipe or a device), and only then reads the
// body. With a known size it allocates once; without, its buffer grows
// with the bytes that actually arrive, so a header that lies about a
// stream's length costs nothing. /dev/zero and /dev/urandom fail on the
// magic after 64 bytes. The result is for Parse, which checks the rest.
func ReadFrom(r io.Reader, size, maxLen int64) ([]byte, error) {
	if size > maxLen {
		return nil, fmt.Errorf("%w: %d bytes, the limit is %d", ErrTooLarge, size, maxLen)
	}
	head := make([]byte, HeaderSize)
	n, err := io.ReadFull(r, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, err
	}
	h, err := decodeHeader(head[:n])
	if err != nil {
		return nil, err
	}
	if int64(h.fileLen) > maxLen {
		return nil, fmt.Errorf("%w: the header declares %d bytes, the limit is %d", ErrTooLarge, h.fileLen, maxLen)
	}
	if size >= 0 && uint64(size) != h.fileLen {
		if uint64(size) < h.fileLen {
			return nil, fmt.Errorf("%w: %d of %d bytes", ErrTruncated, size, h.fileLen)
		}
		return nil, fmt.Errorf("%w: %d bytes after the end the header declares (%d)", ErrMalformed, uint64(size)-h.fileLen, h.fileLen)
	}
	rest := int64(h.fileLen) - HeaderSize
	var b []byte
	if size >= 0 {
		b = make([]byte, h.fileLen)
		copy(b, head)
		n, err := io.ReadFull(r, b[HeaderSize:])
		if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
			return nil, err
		}
		b = b[:HeaderSize+n]
	} else {
		var buf bytes.Buffer
		buf.Write(head)
		if _, err := buf.ReadFrom(io.LimitReader(r, rest)); err != nil {
			return nil, err
		}
		b = buf.Bytes()
	}
	if uint64(len(b)) < h.fileLen {
		return nil, fmt.Errorf("%w: %d of %d bytes", ErrTruncated, len(b), h.fileLen)
	}
	// A file that grew since its stat, or a stream that goes on: the
	// header's length is the one that counts, and more is malformed.
	var one [1]byte
	if n, _ := io.ReadFull(r, one[:]); n > 0 {
		return nil, fmt.Errorf("%w: more bytes after the end the header declares (%d)", ErrMalformed, h.fileLen)
	}
	return b, nil
}
