package pth

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// scanPickle walks the opcodes of the pickle at the start of b without
// executing them and returns its length. It exists because the unpickler
// allocates whatever length an opcode claims (a BINBYTES of 4 GB, a FRAME of
// 2^63) before finding the input too short: checked here first, every claimed
// length fits in the bytes that are really there. It also bounds what the
// unpickler would build: the number of opcodes (each allocates) and of MARKs
// open at once (each copies the stack aside).
func scanPickle(b []byte, lim limits) (int, error) {
	p, ops, marks := 0, 0, 0
	need := func(n uint64) error {
		if n > uint64(len(b)-p) {
			return fmt.Errorf("pickle truncated or corrupt at byte %d (needs %d more bytes, %d left)", p, n, len(b)-p)
		}
		return nil
	}
	// counted reads an n-byte little-endian length, then skips that many bytes.
	counted := func(n int) error {
		if err := need(uint64(n)); err != nil {
			return err
		}
		var l uint64
		switch n {
		case 1:
			l = uint64(b[p])
		case 4:
			l = uint64(binary.LittleEndian.Uint32(b[p:]))
		case 8:
			l = binary.LittleEndian.Uint64(b[p:])
		}
		p += n
		if err := need(l); err != nil {
			return err
		}
		p += int(l)
		return nil
	}
	line := func() error {
		i := bytes.IndexByte(b[p:], '\n')
		if i < 0 {
			return fmt.Errorf("pickle truncated at byte %d (unterminated line)", p)
		}
		p += i + 1
		return nil
	}
	for p < len(b) {
		op := b[p]
		p++
		if ops++; ops > lim.pickleOps {
			return 0, fmt.Errorf("pickle has more than %d opcodes (the limit; a ResNet-152 state dict needs 32 000)", lim.pickleOps)
		}
		switch op {
		case '(': // MARK
			if marks++; marks > lim.markDepth {
				return 0, fmt.Errorf("pickle nests more than %d MARKs at byte %d (the limit)", lim.markDepth, p-1)
			}
		case 't', 'l', 'd', 'u', 'e', '1', 'o', 'i', 0x90, 0x91: // pop a MARK
			if marks == 0 {
				return 0, fmt.Errorf("pickle opcode 0x%02x at byte %d has no MARK to pop", op, p-1)
			}
			marks--
		}
		var err error
		switch op {
		case '.': // STOP
			return p, nil
		case '(', '0', '1', '2', 'N', 'Q', 'R', 'a', 'b', 'd', '}', 'e', 'l', ']', 'o', 's', 't', ')', 'u',
			0x81, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8f, 0x90, 0x91, 0x92, 0x93, 0x94, 0x97, 0x98:
			// no argument
		case 'K', 'h', 'q', 0x82, 0x80: // BININT1 BINGET BINPUT EXT1 PROTO
			err = need(1)
			p++
		case 'M', 0x83: // BININT2 EXT2
			err = need(2)
			p += 2
		case 'J', 'j', 'r', 0x84: // BININT LONG_BINGET LONG_BINPUT EXT4
			err = need(4)
			p += 4
		case 'G': // BINFLOAT
			err = need(8)
			p += 8
		case 0x95: // FRAME: its contents are opcodes, scanned in turn
			if err = need(8); err == nil {
				n := binary.LittleEndian.Uint64(b[p:])
				p += 8
				err = need(n)
			}
		case 0x8a, 'U', 0x8c, 'C': // LONG1 SHORT_BINSTRING SHORT_BINUNICODE SHORT_BINBYTES
			err = counted(1)
		case 'T', 'X', 'B', 0x8b: // BINSTRING BINUNICODE BINBYTES LONG4
			err = counted(4)
		case 0x8d, 0x8e, 0x96: // BINUNICODE8 BINBYTES8 BYTEARRAY8
			err = counted(8)
		case 'I', 'L', 'F', 'S', 'V', 'g', 'p', 'P': // text argument
			err = line()
		case 'c', 'i': // GLOBAL, INST: module and name lines
			if err = line(); err == nil {
				err = line()
			}
		default:
			return 0, fmt.Errorf("unknown pickle opcode 0x%02x at byte %d", op, p-1)
		}
		if err != nil {
			return 0, err
		}
		if p > len(b) {
			return 0, fmt.Errorf("pickle truncated")
		}
	}
	return 0, fmt.Errorf("pickle has no STOP")
}
