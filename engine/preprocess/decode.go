// Package preprocess turns image bytes or a camera frame into the network
// input: decode, EXIF orientation, alpha over white, resize of the shorter
// side, centre crop and per-channel normalisation. The same code runs in the
// CLI, the browser (wasm) and the edge worker, so it refuses bad input with
// error values and never panics on it.
package preprocess

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/draw"
	_ "image/gif" // registered for image.DecodeConfig / image.Decode
	_ "image/jpeg"
	_ "image/png"
	"math/bits"

	"golang.org/x/image/bmp"

	"github.com/inbrowser-ai/resnet/engine/preprocess/jpegscale"
	_ "golang.org/x/image/webp"
)

// MaxPixels is the default limit on width×height, checked from the header
// before any pixel memory is allocated. Decoding needs roughly 4 bytes per
// pixel for the RGBA result plus the decoder's own buffers (1.5–3 bytes for
// baseline JPEG, about 12 for progressive JPEG coefficients), so hosts with
// little memory should pass a smaller limit to Decode.
const MaxPixels = 50_000_000

// Errors returned by Decode and FromRGBA, wrapped with detail; test with
// errors.Is. The edge maps ErrEmpty and ErrFormat to 415, ErrTooLarge and
// ErrCorrupt to 422.
var (
	ErrEmpty    = errors.New("empty image data")
	ErrFormat   = errors.New("not an image type we decode (JPEG, PNG, GIF, WebP, BMP)")
	ErrTooLarge = errors.New("image exceeds the pixel limit")
	ErrCorrupt  = errors.New("image data is corrupt or truncated")
)

// CheckHeader reads only an image's header and refuses what Decode would
// refuse before decoding: no data, a format we do not decode, more than
// maxPixels (≤ 0 means MaxPixels), or fewer bytes than the claimed size could
// possibly be compressed into. Hosts call it to turn a bomb away before
// spending anything else on it.
func CheckHeader(data []byte, maxPixels int) (format string, err error) {
	if len(data) == 0 {
		return "", ErrEmpty
	}
	if maxPixels <= 0 {
		maxPixels = MaxPixels
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: header parser panicked: %v", ErrCorrupt, r)
		}
	}()
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	switch {
	case errors.Is(err, image.ErrFormat):
		return "", fmt.Errorf("%w%s", ErrFormat, sniffOther(data))
	case errors.Is(err, bmp.ErrUnsupported):
		return "", fmt.Errorf("%w: BMP variant not supported (%v)", ErrFormat, err)
	case err != nil:
		return "", fmt.Errorf("%w: reading the header: %v", ErrCorrupt, err)
	}
	switch format {
	case "jpeg", "png", "gif", "webp", "bmp":
	default: // another package registered a decoder we do not vouch for
		return "", fmt.Errorf("%w: got %s", ErrFormat, format)
	}
	if err := checkSize(cfg.Width, cfg.Height, maxPixels); err != nil {
		return "", err
	}
	if err := plausibleLength(format, data, cfg.Width, cfg.Height); err != nil {
		return "", err
	}
	return format, nil
}

// Decode decodes a JPEG, PNG, GIF (first frame), WebP or BMP image, applies
// its EXIF orientation and returns it as opaque RGBA (alpha composited over
// white). maxPixels ≤ 0 means MaxPixels; the memory budget is
// DefaultBudget.
func Decode(data []byte, maxPixels int) (*image.RGBA, error) {
	img, _, err := DecodeWithin(data, Limits{MaxPixels: maxPixels})
	return img, err
}

// DecodeWithin is Decode under lim: the header is checked (Check) and an
// image whose decode would exceed lim.Budget is refused before any pixel
// memory is allocated. A large JPEG is decoded at reduced scale (Check
// says when); the returned Cost says which path ran.
func DecodeWithin(data []byte, lim Limits) (img *image.RGBA, c Cost, err error) {
	lim = lim.withDefaults()
	c, err = Check(data, lim)
	if err != nil {
		return nil, c, err
	}
	img, err = decode(data, c, lim.MaxPixels)
	return img, c, err
}

func decode(data []byte, c Cost, maxPixels int) (img *image.RGBA, err error) {
	format := c.Format
	if format == "jpeg" {
		maxPixels = max(maxPixels, MaxJPEGPixels)
	}
	// Decoders are not all hardened against hostile input; a panic in one
	// must become an error, not a dead worker.
	defer func() {
		if r := recover(); r != nil {
			img, err = nil, fmt.Errorf("%w: decoder panicked: %v", ErrCorrupt, r)
		}
	}()

	var src image.Image
	if c.Scale > 1 {
		src, err = jpegscale.Decode(bytes.NewReader(data), bits.TrailingZeros(uint(c.Scale)))
	} else {
		src, _, err = image.Decode(bytes.NewReader(data))
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	b := src.Bounds()
	// A GIF frame may be smaller than its screen, never larger; check again
	// rather than trust that.
	if err := checkSize(b.Dx(), b.Dy(), maxPixels); err != nil {
		return nil, err
	}
	var rgba *image.RGBA
	switch s := src.(type) {
	case *image.NYCbCrA:
		if format == "webp" {
			rgba = vp8ToRGBA(&s.YCbCr, s.A, s.AStride)
		}
	case *image.YCbCr:
		if format == "webp" {
			rgba = vp8ToRGBA(s, nil, 0)
		}
	}
	if rgba == nil {
		rgba = toRGBA(src)
	}
	return orient(rgba, orientation(format, data)), nil
}

func checkSize(w, h, maxPixels int) error {
	if w <= 0 || h <= 0 {
		return fmt.Errorf("%w: image is %d×%d, has no pixels", ErrCorrupt, w, h)
	}
	if w > maxPixels/h {
		return fmt.Errorf("%w: %d×%d is more than %d pixels", ErrTooLarge, w, h, maxPixels)
	}
	return nil
}

// toRGBA converts any decoded image to RGBA at the origin, composited over
// white, alpha 255 everywhere.
func toRGBA(src image.Image) *image.RGBA {
	b := src.Bounds()
	dst := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	switch s := src.(type) {
	case *image.YCbCr, *image.Gray, *image.CMYK:
		// Opaque: the standard library's fast paths convert them directly.
		draw.Draw(dst, dst.Rect, src, b.Min, draw.Src)
		return dst
	case *image.Paletted:
		palettedToRGBA(dst, s)
		return dst
	}
	for i := range dst.Pix {
		dst.Pix[i] = 0xff
	}
	// Over a white, opaque destination: NRGBA and RGBA have fast paths, the
	// 16-bit types go through RGBA64At (8-bit result = high byte).
	draw.Draw(dst, dst.Rect, src, b.Min, draw.Over)
	forceOpaque(dst.Pix)
	return dst
}

// palettedToRGBA composites the palette once instead of every pixel.
func palettedToRGBA(dst *image.RGBA, src *image.Paletted) {
	var lut [256][4]uint8
	for i := range lut {
		lut[i] = [4]uint8{0xff, 0xff, 0xff, 0xff} // out-of-palette index: white
		if i < len(src.Palette) && src.Palette[i] != nil {
			r, g, b, a := src.Palette[i].RGBA() // premultiplied, 16-bit
			white := 0xffff - a
			lut[i] = [4]uint8{uint8((r + white) >> 8), uint8((g + white) >> 8), uint8((b + white) >> 8), 0xff}
		}
	}
	w, h := dst.Rect.Dx(), dst.Rect.Dy()
	for y := 0; y < h; y++ {
		s := src.Pix[y*src.Stride : y*src.Stride+w]
		d := dst.Pix[y*dst.Stride : y*dst.Stride+4*w]
		for x, idx := range s {
			copy(d[4*x:4*x+4], lut[idx][:])
		}
	}
}

// forceOpaque sets alpha to 255: compositing over opaque white is opaque in
// exact arithmetic, and this removes any doubt from integer rounding.
func forceOpaque(pix []uint8) {
	for i := 3; i < len(pix); i += 4 {
		pix[i] = 0xff
	}
}

// compositeWhite returns a straight (non-premultiplied) channel value c with
// alpha a drawn over white, rounded to nearest.
func compositeWhite(c, a uint8) uint8 {
	return uint8((uint32(c)*uint32(a) + 255*(255-uint32(a)) + 127) / 255)
}

// sniffOther names a few common formats we do not decode, so the error says
// more than "unknown".
func sniffOther(data []byte) string {
	has := func(off int, magic string) bool {
		return len(data) >= off+len(magic) && string(data[off:off+len(magic)]) == magic
	}
	switch {
	case has(4, "ftypheic"), has(4, "ftypheix"), has(4, "ftypmif1"), has(4, "ftypmsf1"):
		return ": looks like HEIC/HEIF"
	case has(4, "ftypavif"):
		return ": looks like AVIF"
	case has(0, "II*\x00"), has(0, "MM\x00*"):
		return ": looks like TIFF"
	case has(0, "%PDF"):
		return ": looks like PDF"
	case has(0, "<svg"), has(0, "<?xml"):
		return ": looks like SVG/XML"
	}
	return ""
}
