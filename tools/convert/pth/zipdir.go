package pth

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
)

// archive/zip reads every directory header from the directory's start to
// the end of the file before anything can be checked, at 2.5 bytes of
// memory per byte of directory (measured: 47 MB of empty entries, 117 MB).
// So the directory's extent is read from the archive's end records first,
// the way archive/zip finds it, and bounded.

// maxZipTail bounds the bytes from the zip directory's start to the end of
// the file: ResNet-152's torch.save directory takes about 90 kB.
const maxZipTail = 8 << 20

// checkZipDirectory refuses a zip whose directory is too large to parse.
// Whatever it cannot make sense of is left for archive/zip to judge.
func checkZipDirectory(r io.ReaderAt, size int64) error {
	const eocdLen, locatorLen, zip64Len = 22, 20, 56
	tailLen := min(size, eocdLen+0xffff)
	tail := make([]byte, tailLen)
	if _, err := r.ReadAt(tail, size-tailLen); err != nil {
		return nil
	}
	at := bytes.LastIndex(tail, []byte("PK\x05\x06"))
	if at < 0 || len(tail)-at < eocdLen {
		return nil
	}
	le := binary.LittleEndian
	end := size - tailLen + int64(at)
	eocd := tail[at:]
	records, dirSize, dirOff := uint64(le.Uint16(eocd[10:])), uint64(le.Uint32(eocd[12:])), uint64(le.Uint32(eocd[16:]))
	if records == 0xffff || dirSize == 0xffff || dirOff == 0xffffffff {
		// zip64: the locator just before points at the zip64 end record.
		var loc [locatorLen]byte
		if end < locatorLen {
			return nil
		}
		if _, err := r.ReadAt(loc[:], end-locatorLen); err != nil || string(loc[:4]) != "PK\x06\x07" {
			return nil
		}
		off := le.Uint64(loc[8:])
		var rec [zip64Len]byte
		if off > uint64(size) {
			return nil
		}
		if _, err := r.ReadAt(rec[:], int64(off)); err != nil || string(rec[:4]) != "PK\x06\x06" {
			return nil
		}
		end, dirSize = int64(off), le.Uint64(rec[40:])
	}
	if dirSize > uint64(end) {
		return nil
	}
	if tailBytes := size - (end - int64(dirSize)); tailBytes > maxZipTail {
		return fmt.Errorf("the zip directory and what follows it take %d bytes, over the limit of %s (a ResNet-152 checkpoint's take about 90 kB)", tailBytes, mib(maxZipTail))
	}
	return nil
}
