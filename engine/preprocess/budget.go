package preprocess

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"strings"

	"github.com/inbrowser-ai/resnet/engine/preprocess/jpegscale"
)

// DefaultBudget is the decode memory budget of hosts that set none (the
// command line, the page): generous, since the pixel limit already bounds
// what they accept. The edge worker sets its own from its isolate's size.
const DefaultBudget = 1 << 30

// Limits bound what Decode may spend on one image. Zero values take the
// defaults.
type Limits struct {
	// MaxPixels caps width×height (default MaxPixels).
	MaxPixels int
	// Budget caps the estimated peak bytes of decoding and resizing one
	// image, the encoded bytes included (default DefaultBudget).
	Budget int64
	// Resize is the shorter side the image is resized to next (default
	// 256); its buffers count against the budget too.
	Resize int
	// NoScale forces a JPEG's full decode at any size (to compare the
	// paths; the budget still applies).
	NoScale bool
}

func (l Limits) withDefaults() Limits {
	if l.MaxPixels <= 0 {
		l.MaxPixels = MaxPixels
	}
	if l.Budget <= 0 {
		l.Budget = DefaultBudget
	}
	if l.Resize <= 0 {
		l.Resize = 256
	}
	return l
}

// Cost is what decoding an image will take, read from its header alone.
type Cost struct {
	Format        string // "jpeg", "png", "gif", "webp", "bmp"
	Kind          string // what drives the cost, e.g. "progressive 4:4:4 JPEG"
	Width, Height int    // as stored, before EXIF orientation
	// Bytes is the estimated memory of decoding the image, converting it to
	// RGBA, orienting and resizing it: the sum of the allocations the
	// decoders and this package make for this header (see costOf), plus
	// the encoded bytes. A sum, not the largest live set, because a
	// request's few large buffers are allocated faster than the garbage
	// collector reclaims the dead ones: measured in workerd, linear memory
	// grows by close to the sum.
	Bytes int64
	// Scale is the denominator of the decode's scale: 1 for a full decode,
	// 2, 4 or 8 for a JPEG decoded through a scaled inverse DCT.
	Scale int
}

// Path names the decode path in results: "full" or "scaled 1/4".
func (c Cost) Path() string {
	if c.Scale > 1 {
		return fmt.Sprintf("scaled 1/%d", c.Scale)
	}
	return "full"
}

// ErrOverBudget is wrapped (together with ErrTooLarge, which hosts already
// map to "too large") by errors for images whose decode would need more
// memory than the host's budget.
var ErrOverBudget = errors.New("image needs more memory to decode than the budget")

// budgetError is the over-budget error: its text names the need and the
// limit, and it matches both ErrOverBudget and ErrTooLarge.
type budgetError struct{ msg string }

func (e *budgetError) Error() string { return e.msg }
func (e *budgetError) Is(target error) bool {
	return target == ErrOverBudget || target == ErrTooLarge
}

// Check reads only the image's header and refuses, before any pixel memory
// is allocated, what Decode would refuse: everything CheckHeader refuses,
// and images whose estimated decode memory is over lim.Budget. It returns
// the estimate.
func Check(data []byte, lim Limits) (Cost, error) {
	lim = lim.withDefaults()
	cfg, format, err := decodeConfig(data)
	maxPixels := lim.MaxPixels
	if err == nil && format == "jpeg" {
		maxPixels = max(maxPixels, MaxJPEGPixels)
	}
	if _, err := CheckHeader(data, maxPixels); err != nil {
		if errors.Is(err, ErrTooLarge) && format != "" && format != "jpeg" {
			err = fmt.Errorf("%w; %s", err, wholeHint(format))
		}
		return Cost{}, err
	}
	full := costOf(data, format, cfg.Width, cfg.Height, lim.Resize)
	full.Scale = 1
	if format != "jpeg" {
		if full.Bytes > lim.Budget {
			return full, overBudget(full, lim.Budget, int64(len(data)))
		}
		return full, nil
	}
	if lim.NoScale && full.Bytes > lim.Budget {
		return full, overBudget(full, lim.Budget, int64(len(data)))
	}
	if lim.NoScale || full.Bytes <= lim.Budget && int64(cfg.Width)*int64(cfg.Height) <= ScaleAbovePixels {
		return full, nil
	}
	// A scaled decode: the smallest scale that leaves the shorter side at
	// least twice the resize (the antialiased resize then still has two
	// samples per output pixel), or a smaller one if the budget needs it.
	short := min(cfg.Width, cfg.Height)
	shift := 1
	for shift < 3 && short>>(shift+1) >= 2*lim.Resize {
		shift++
	}
	var c Cost
	for ; shift <= 3; shift++ {
		c = jpegScaledCost(data, cfg.Width, cfg.Height, shift, lim.Resize)
		if c.Bytes <= lim.Budget {
			return c, nil
		}
	}
	return c, overBudget(c, lim.Budget, int64(len(data)))
}

// MaxJPEGPixels caps a JPEG's width×height. Above ScaleAbovePixels a JPEG is
// decoded at reduced scale, so its memory does not grow with this; decoding
// time still does (every coefficient is read), about 1 s per 25 MP natively.
const MaxJPEGPixels = 200_000_000

// ScaleAbovePixels is the size above which a JPEG is decoded at reduced
// scale even when a full decode would fit the budget: the full decode, the
// RGBA copy and the resize of that many pixels take several times longer
// than the scaled decode, for the same classification. Up to it — every
// size the edge accepted before scaled decoding existed — JPEGs keep the
// full decode, bit for bit.
const ScaleAbovePixels = 8_000_000

func wholeHint(format string) string {
	return fmt.Sprintf("%s is decoded whole, at full size, so its size is capped; a JPEG is decoded at reduced scale and may be up to %d megapixels", strings.ToUpper(format), MaxJPEGPixels/1_000_000)
}

func overBudget(c Cost, budget, body int64) error {
	msg := fmt.Sprintf("%s %d×%d needs ~%d MiB to decode, over this host's %d MiB budget",
		c.Kind, c.Width, c.Height, mibUp(c.Bytes), budget>>20)
	// Memory grows with the pixel count: say how many would fit.
	if perPixel := float64(c.Bytes-body) / (float64(c.Width) * float64(c.Height)); perPixel > 0 && budget > body {
		msg += fmt.Sprintf("; at this kind's ~%.0f bytes per pixel about %.1f megapixels fit", perPixel, float64(budget-body)/perPixel/1e6)
	}
	if c.Format == "jpeg" {
		return &budgetError{fmt.Sprintf("%s (decoded at 1/%d scale): send a smaller image", msg, c.Scale)}
	}
	return &budgetError{msg + "; " + wholeHint(c.Format) + ": send a smaller image, or a JPEG"}
}

// mibUp rounds up (and budgets are shown rounded down), so a need is never
// shown at or below the budget it exceeds.
func mibUp(b int64) int64 { return (b + 1<<20 - 1) >> 20 }

func decodeConfig(data []byte) (cfg image.Config, format string, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: header parser panicked: %v", ErrCorrupt, r)
		}
	}()
	cfg, format, err = image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return cfg, "", fmt.Errorf("%w: reading the header: %v", ErrCorrupt, err)
	}
	return cfg, format, nil
}

// decoderSlack covers what a decoder allocates beside its pixels: Huffman
// and zlib tables, bufio buffers, PNG row buffers, the EXIF walk.
const decoderSlack = 1 << 20

// costOf models the allocations of this package's pipeline for one image:
// the decoder's (decoder), the RGBA copy (toRGBA), the rotated copy for
// EXIF orientations 5–8, and the resize's two passes.
func costOf(data []byte, format string, w, h, resize int) Cost {
	px := int64(w) * int64(h)
	rgba := 4 * px
	c := Cost{Format: format, Width: w, Height: h}
	var decoder int64
	switch format {
	case "jpeg":
		decoder, c.Kind = jpegCost(data, w, h)
	case "png":
		p, _ := parsePNGInfo(data)
		bpp := p.bytesPerPixel()
		decoder = bpp * px
		c.Kind = fmt.Sprintf("%d-bit PNG", p.depth)
		if p.interlaced {
			// image/png decodes each Adam7 pass into an image of its own,
			// together the size of the whole, and merges it into the full one.
			decoder *= 2
			c.Kind = fmt.Sprintf("%d-bit interlaced PNG", p.depth)
		}
		decoder += 2 * (1 + bpp*int64(w)) // current and previous row
	case "gif":
		// The frame as palette indices, and the copy that de-interlaces it.
		decoder, c.Kind = 2*px, "GIF"
	case "webp":
		wi := parseWebPInfo(data)
		switch {
		case wi.lossless:
			// Pixels as ARGB, and a second buffer when a colour-indexing
			// transform unpacks them.
			decoder, c.Kind = 2*rgba, "lossless WebP"
		default:
			mbw, mbh := int64((w+15)/16), int64((h+15)/16)
			decoder, c.Kind = 256*mbw*mbh*3/2, "lossy WebP" // 4:2:0, whole macroblocks
			if wi.alpha {
				decoder += px
				if wi.alphaVP8L {
					decoder += 2 * rgba // decoded as a VP8L image first
				}
				c.Kind = "lossy WebP with alpha"
			}
		}
	case "bmp":
		per := int64(4)
		if len(data) >= 30 && data[28] <= 8 && data[29] == 0 {
			per = 1 // paletted
		}
		decoder, c.Kind = per*px, "BMP"
	}
	total := decoder + rgba + resizeBytes(w, h, resize)
	if o := orientation(format, data); o >= 5 {
		total += rgba
	}
	c.Bytes = total + decoderSlack + int64(len(data))
	return c
}

// jpegCost follows image/jpeg: component planes padded to whole MCUs, 64
// int32 coefficients per block kept across scans when progressive, and an
// RGBA/CMYK copy made inside the decoder for RGB and 4-component images.
func jpegCost(data []byte, w, h int) (bytes int64, kind string) {
	j, ok := parseJPEGInfo(data)
	if !ok {
		// DecodeConfig read a SOF we could not: cost it as the dearest
		// kind, progressive with four full-size components.
		px := int64(w) * int64(h)
		return px * (4*256/64 + 4 + 4), "JPEG"
	}
	for _, blocks := range j.blocks(w, h) {
		bytes += 64 * blocks // the plane
		if j.progressive {
			bytes += 256 * blocks // the coefficients
		}
	}
	if j.nComp == 4 || j.isRGB() {
		bytes += 4 * int64(w) * int64(h)
	}
	return bytes, j.kind()
}

// resizeBytes is what ResizeCrop allocates: bild's horizontal pass (new
// width × trimmed height), its vertical pass and the crop (≤ the vertical
// pass).
func resizeBytes(w, h, resize int) int64 {
	if w <= 0 || h <= 0 {
		return 0
	}
	tw, th := w, h
	if tw > MaxAspect*th {
		tw = MaxAspect*th + 1
	}
	if th > MaxAspect*tw {
		th = MaxAspect*tw + 1
	}
	nw, nh := resizedSize(tw, th, resize)
	return 4*int64(nw)*int64(th) + 2*4*int64(nw)*int64(nh)
}

// jpegScaledCost is jpegCost for a decode at 1/(1<<shift) through
// jpegscale: planes of n×n-pixel blocks (n = 8>>shift), and for progressive
// images only the coefficients the scaled transform reads (1, 5 or 25 of
// 64, as int16) plus a bit per other coefficient; then the pipeline on the
// scaled image.
func jpegScaledCost(data []byte, w, h, shift, resize int) Cost {
	sw, sh := jpegscale.ScaledSize(w, h, shift)
	c := Cost{Format: "jpeg", Width: w, Height: h, Scale: 1 << shift, Kind: "JPEG"}
	j, ok := parseJPEGInfo(data)
	px := int64(sw) * int64(sh)
	rgba := 4 * px
	var decoder int64
	if !ok {
		decoder = px * (4 + 4 + 4*(2*25+8)/64) // the dearest kind, as in jpegCost
	} else {
		n := int64(8 >> shift)
		keep := map[int64]int64{4: 25, 2: 5, 1: 1}[n]
		for _, blocks := range j.blocks(w, h) {
			decoder += n * n * blocks
			if j.progressive {
				decoder += (2*keep + 8) * blocks
			}
		}
		if j.nComp == 4 || j.isRGB() {
			decoder += rgba
		}
		c.Kind = j.kind()
	}
	total := decoder + rgba + resizeBytes(sw, sh, resize)
	if o := orientation("jpeg", data); o >= 5 {
		total += rgba
	}
	c.Bytes = total + decoderSlack + int64(len(data))
	return c
}
