package modelfile

import "encoding/binary"

// The fixed header, little-endian (FORMAT.md): magic [0, 8), version
// [8, 12), JSON section length [12, 16), file length [16, 24), SHA-256 of
// everything after the header [24, 56), reserved zeros [56, 64).
// putHeader and headerFields are its only writer and reader.

// putHeader writes h, with the magic, into b's first HeaderSize bytes.
func putHeader(b []byte, h header) {
	copy(b, Magic)
	le := binary.LittleEndian
	le.PutUint32(b[8:], h.version)
	le.PutUint32(b[12:], h.metaLen)
	le.PutUint64(b[16:], h.fileLen)
	copy(b[24:56], h.checksum[:])
	clear(b[56:HeaderSize])
}

// headerFields reads the fixed header's fields from b (at least HeaderSize
// bytes) without judging them; decodeHeader validates them.
func headerFields(b []byte) header {
	le := binary.LittleEndian
	h := header{version: le.Uint32(b[8:]), metaLen: le.Uint32(b[12:]), fileLen: le.Uint64(b[16:])}
	copy(h.checksum[:], b[24:56])
	return h
}

// DeclaredChecksum returns the SHA-256 that b's header declares for the
// rest of the file, without computing it or validating the rest of the
// header, and false when b does not start with a model file's magic or is
// not as long as its header says. Hosts use it as a content hash: a server
// to version a model's URL without parsing the whole file.
func DeclaredChecksum(b []byte) ([32]byte, bool) {
	if len(b) < HeaderSize || string(b[:len(Magic)]) != Magic {
		return [32]byte{}, false
	}
	h := headerFields(b)
	return h.checksum, h.fileLen == uint64(len(b))
}
