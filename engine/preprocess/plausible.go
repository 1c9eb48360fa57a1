package preprocess

import (
	"encoding/binary"
	"fmt"
)

// plausibleLength refuses files too short to hold the pixels their header
// claims. The decoders allocate the whole image before reading pixel data,
// so without this a 1 KB file claiming 7000×7000 (under the pixel limit)
// costs ~200 MB before failing on EOF. Each bound is one no valid file can
// break, with margin:
//   - JPEG: every 8×8 luma block costs at least one Huffman-coded bit (its DC
//     difference), so a valid file has ≥ w·h/512 bytes; we ask for w·h/1024.
//   - PNG: deflate expands at most 1032:1, so the IDAT bytes must be at least
//     the filtered image size / 1032 (≥ h·(1+w·bits/8) / 1032, bits ≥ 1).
//   - BMP (uncompressed, the only kind the decoder takes): rows are stored
//     raw, so the file must hold them all.
//
// GIF (1 byte per pixel) and WebP are left to their decoders.
func plausibleLength(format string, data []byte, w, h int) error {
	px := int64(w) * int64(h)
	var need int64
	switch format {
	case "jpeg":
		need = px / 1024
	case "png":
		// 1 bit per pixel is the smallest depth; the filter byte per row adds h.
		raw := int64(h) * (1 + (int64(w)+7)/8)
		need = raw / 1032
		have := pngIDATBytes(data)
		if have < need {
			return fmt.Errorf("%w: PNG has %d bytes of pixel data, %d×%d needs at least %d", ErrCorrupt, have, w, h, need)
		}
		return nil
	case "bmp":
		if len(data) < 30 {
			return fmt.Errorf("%w: BMP header truncated", ErrCorrupt)
		}
		offset := int64(binary.LittleEndian.Uint32(data[10:14]))
		bpp := int64(binary.LittleEndian.Uint16(data[28:30]))
		rowBytes := (int64(w)*bpp + 31) / 32 * 4
		need = offset + rowBytes*int64(h)
	default:
		return nil
	}
	if int64(len(data)) < need {
		return fmt.Errorf("%w: %d-byte %s file cannot hold %d×%d pixels (needs ≥ %d bytes)", ErrCorrupt, len(data), format, w, h, need)
	}
	return nil
}

// pngIDATBytes sums the lengths of the IDAT chunks, walking the chunk list
// with bounds checks; a malformed list simply ends the walk.
func pngIDATBytes(data []byte) int64 {
	var total int64
	for _, c := range pngChunks(data) {
		if c.typ == "IDAT" {
			total += int64(len(c.data))
		}
	}
	return total
}

type pngChunk struct {
	typ  string
	data []byte
}

// pngChunks lists the chunks up to IEND or the first one that does not fit.
// Chunk data is a sub-slice of data (no copies).
func pngChunks(data []byte) []pngChunk {
	const sig = 8
	var out []pngChunk
	for i := sig; i+12 <= len(data); {
		n := int(binary.BigEndian.Uint32(data[i : i+4]))
		typ := string(data[i+4 : i+8])
		if n < 0 || n > len(data)-i-12 {
			// Truncated last chunk: count what is there so a short file is
			// judged on its real bytes, then stop.
			out = append(out, pngChunk{typ, data[i+8:]})
			break
		}
		out = append(out, pngChunk{typ, data[i+8 : i+8+n]})
		if typ == "IEND" {
			break
		}
		i += 12 + n
	}
	return out
}
