package preprocess

import (
	"bytes"
	"encoding/binary"
)

// jpegInfo is what a JPEG's markers before the first scan say about the
// memory its decode needs. Only fields the estimate uses are read; the
// decoder itself re-reads and validates everything.
type jpegInfo struct {
	progressive bool
	nComp       int
	h, v        [4]int // sampling factors per component
	ids         [4]byte
	jfif        bool
	adobe       bool // APP14 "Adobe" present
	transform   byte // its colour transform: 0 unknown/RGB/CMYK, 1 YCbCr, 2 YCCK
}

// parseJPEGInfo walks the markers up to the first SOS. ok is false when no
// SOF with 1, 3 or 4 components is found.
func parseJPEGInfo(data []byte) (info jpegInfo, ok bool) {
	for i := 2; i+4 <= len(data); {
		if data[i] != 0xff {
			return info, false
		}
		m := data[i+1]
		switch {
		case m == 0xff:
			i++
			continue
		case m == 0xd8 || m == 0x01 || (m >= 0xd0 && m <= 0xd7):
			i += 2
			continue
		case m == 0xda || m == 0xd9:
			return info, info.nComp > 0
		}
		n := int(binary.BigEndian.Uint16(data[i+2 : i+4]))
		if n < 2 || i+2+n > len(data) {
			return info, info.nComp > 0
		}
		seg := data[i+4 : i+2+n]
		switch {
		case m == 0xe0 && bytes.HasPrefix(seg, []byte("JFIF\x00")):
			info.jfif = true
		case m == 0xee && len(seg) >= 12 && bytes.HasPrefix(seg, []byte("Adobe")):
			info.adobe, info.transform = true, seg[11]
		case m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc: // SOFn
			if len(seg) < 6 {
				return info, false
			}
			nc := int(seg[5])
			if nc != 1 && nc != 3 && nc != 4 || len(seg) < 6+3*nc {
				return info, false
			}
			// Anything but baseline and extended sequential is costed as
			// progressive, the dearer case; the decoder refuses what it
			// does not support anyway.
			info.progressive = m != 0xc0 && m != 0xc1
			info.nComp = nc
			for c := 0; c < nc; c++ {
				info.ids[c] = seg[6+3*c]
				hv := seg[7+3*c]
				info.h[c], info.v[c] = max(1, int(hv>>4)), max(1, int(hv&0x0f))
			}
			if nc == 1 { // the decoder treats a lone component as 1×1 (T.81 A.2)
				info.h[0], info.v[0] = 1, 1
			}
		}
		i += 2 + n
	}
	return info, info.nComp > 0
}

// isRGB mirrors image/jpeg's choice to return a 3-component image as RGB,
// which costs an extra RGBA copy inside the decoder.
func (j jpegInfo) isRGB() bool {
	if j.nComp != 3 || j.jfif {
		return false
	}
	if j.adobe && j.transform == 0 {
		return true
	}
	return j.ids[0] == 'R' && j.ids[1] == 'G' && j.ids[2] == 'B'
}

// blocks is the number of 8×8 blocks each component of a w×h image holds,
// padded to whole MCUs as the decoder allocates them.
func (j jpegInfo) blocks(w, h int) []int64 {
	hmax, vmax := 1, 1
	for c := 0; c < j.nComp; c++ {
		hmax, vmax = max(hmax, j.h[c]), max(vmax, j.v[c])
	}
	mxx, myy := int64((w+8*hmax-1)/(8*hmax)), int64((h+8*vmax-1)/(8*vmax))
	b := make([]int64, j.nComp)
	for c := range b {
		b[c] = mxx * int64(j.h[c]) * myy * int64(j.v[c])
	}
	return b
}

// kind names the JPEG in refusals: "progressive 4:4:4 JPEG".
func (j jpegInfo) kind() string {
	if j.progressive {
		return "progressive " + j.subsampling() + " JPEG"
	}
	return "baseline " + j.subsampling() + " JPEG"
}

// subsampling names the chroma subsampling the way people know it.
func (j jpegInfo) subsampling() string {
	switch j.nComp {
	case 1:
		return "grayscale"
	case 4:
		if j.adobe && j.transform == 2 {
			return "YCCK"
		}
		return "CMYK"
	}
	switch j.h[0]<<4 | j.v[0] {
	case 0x11:
		return "4:4:4"
	case 0x21:
		return "4:2:2"
	case 0x22:
		return "4:2:0"
	case 0x12:
		return "4:4:0"
	}
	return "subsampled"
}

// pngInfo is the IHDR's depth, colour type and interlace method, and
// whether a tRNS chunk makes the decoder widen gray or RGB to NRGBA.
type pngInfo struct {
	depth, colorType int
	interlaced       bool
	trns             bool
}

func parsePNGInfo(data []byte) (info pngInfo, ok bool) {
	for _, c := range pngChunks(data) {
		switch c.typ {
		case "IHDR":
			if len(c.data) < 13 {
				return info, false
			}
			info.depth, info.colorType = int(c.data[8]), int(c.data[9])
			info.interlaced = c.data[12] != 0
			ok = true
		case "tRNS":
			info.trns = true
		case "IDAT":
			return info, ok
		}
	}
	return info, ok
}

// bytesPerPixel is the size of a pixel of the image type image/png decodes
// this PNG to.
func (p pngInfo) bytesPerPixel() int64 {
	wide := p.depth == 16
	switch p.colorType {
	case 0: // gray: Gray, Gray16; with tRNS NRGBA, NRGBA64
		switch {
		case p.trns && wide:
			return 8
		case p.trns:
			return 4
		case wide:
			return 2
		}
		return 1
	case 3: // paletted
		return 1
	}
	// RGB, gray+alpha, RGBA: (N)RGBA or (N)RGBA64
	if wide {
		return 8
	}
	return 4
}

// webpInfo says which codec holds a WebP's pixels.
type webpInfo struct {
	lossless   bool
	alpha      bool // lossy with an ALPH chunk
	alphaVP8L  bool // that alpha is itself VP8L-compressed
	haveCodecs bool
}

func parseWebPInfo(data []byte) (info webpInfo) {
	if len(data) < 12 || string(data[:4]) != "RIFF" || string(data[8:12]) != "WEBP" {
		return info
	}
	for i := 12; i+8 <= len(data); {
		n := int(binary.LittleEndian.Uint32(data[i+4 : i+8]))
		if n < 0 || n > len(data)-i-8 {
			n = len(data) - i - 8 // judge a truncated chunk on what is there
		}
		switch string(data[i : i+4]) {
		case "VP8L":
			info.lossless, info.haveCodecs = true, true
		case "VP8 ":
			info.haveCodecs = true
		case "ALPH":
			info.alpha = true
			if n >= 1 && data[i+8]&0x03 == 1 {
				info.alphaVP8L = true
			}
		}
		i += 8 + n + n&1
	}
	return info
}
