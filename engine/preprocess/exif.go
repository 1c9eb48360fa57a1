package preprocess

import (
	"bytes"
	"encoding/binary"
)

// orientation returns the EXIF orientation (1–8) of a JPEG (APP1 "Exif"),
// PNG (eXIf chunk) or WebP (EXIF chunk), or 1 when there is none or it
// cannot be read. Malformed EXIF is never an error: the pixels are still good.
func orientation(format string, data []byte) int {
	var tiff []byte
	switch format {
	case "jpeg":
		tiff = jpegExif(data)
	case "png":
		for _, c := range pngChunks(data) {
			if c.typ == "eXIf" {
				tiff = c.data
				break
			}
		}
	case "webp":
		tiff = webpExif(data)
	}
	return tiffOrientation(tiff)
}

var exifHeader = []byte("Exif\x00\x00")

// jpegExif walks the JPEG markers before the first scan and returns the TIFF
// block of the first APP1 Exif segment.
func jpegExif(data []byte) []byte {
	i := 2 // after SOI
	for i+4 <= len(data) {
		if data[i] != 0xff {
			return nil
		}
		m := data[i+1]
		switch {
		case m == 0xff: // fill byte
			i++
			continue
		case m == 0xd8 || m == 0x01 || (m >= 0xd0 && m <= 0xd7): // no length
			i += 2
			continue
		case m == 0xda || m == 0xd9: // start of scan / end: metadata is over
			return nil
		}
		n := int(binary.BigEndian.Uint16(data[i+2 : i+4]))
		if n < 2 || i+2+n > len(data) {
			return nil
		}
		seg := data[i+4 : i+2+n]
		if m == 0xe1 && bytes.HasPrefix(seg, exifHeader) {
			return seg[len(exifHeader):]
		}
		i += 2 + n
	}
	return nil
}

// webpExif returns the payload of the RIFF "EXIF" chunk. Some writers keep
// the JPEG-style "Exif\0\0" prefix; it is dropped.
func webpExif(data []byte) []byte {
	if len(data) < 12 || string(data[:4]) != "RIFF" || string(data[8:12]) != "WEBP" {
		return nil
	}
	for i := 12; i+8 <= len(data); {
		n := int(binary.LittleEndian.Uint32(data[i+4 : i+8]))
		if n < 0 || n > len(data)-i-8 {
			return nil
		}
		if string(data[i:i+4]) == "EXIF" {
			return bytes.TrimPrefix(data[i+8:i+8+n], exifHeader)
		}
		i += 8 + n + n&1 // chunks are padded to even length
	}
	return nil
}

// tiffOrientation reads tag 0x0112 from IFD0 of a TIFF block. Every offset
// is checked against the block; anything odd yields 1 (upright).
func tiffOrientation(b []byte) int {
	if len(b) < 8 {
		return 1
	}
	var bo binary.ByteOrder
	switch string(b[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 1
	}
	if bo.Uint16(b[2:4]) != 42 {
		return 1
	}
	off := uint64(bo.Uint32(b[4:8]))
	if off+2 > uint64(len(b)) {
		return 1
	}
	n := uint64(bo.Uint16(b[off : off+2]))
	for k := uint64(0); k < n; k++ {
		e := off + 2 + 12*k
		if e+12 > uint64(len(b)) {
			return 1
		}
		if bo.Uint16(b[e:e+2]) != 0x0112 {
			continue
		}
		var v uint32
		switch typ, count := bo.Uint16(b[e+2:e+4]), bo.Uint32(b[e+4:e+8]); {
		case typ == 3 && count >= 1: // SHORT, stored in the first 2 bytes of the value field
			v = uint32(bo.Uint16(b[e+8 : e+10]))
		case typ == 4 && count >= 1: // LONG, seen from a few writers
			v = bo.Uint32(b[e+8 : e+12])
		}
		if v >= 1 && v <= 8 {
			return int(v)
		}
		return 1
	}
	return 1
}
