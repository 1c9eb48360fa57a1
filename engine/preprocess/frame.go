package preprocess

import (
	"fmt"
	"image"
)

// FromRGBA copies a camera or canvas frame — straight (non-premultiplied)
// RGBA rows as getImageData returns them, stride bytes apart — into an
// opaque RGBA image, compositing alpha over white. The result never aliases
// pix, so the caller may reuse its buffer.
func FromRGBA(pix []byte, w, h, stride int) (*image.RGBA, error) {
	if w <= 0 || h <= 0 {
		return nil, fmt.Errorf("frame is %d×%d, has no pixels", w, h)
	}
	if w > MaxPixels/h {
		return nil, fmt.Errorf("%w: frame %d×%d is more than %d pixels", ErrTooLarge, w, h, MaxPixels)
	}
	if stride < 4*w {
		return nil, fmt.Errorf("frame stride %d is less than 4×width (%d)", stride, 4*w)
	}
	if h > 1 && stride > len(pix) { // also keeps stride·(h-1) from overflowing
		return nil, fmt.Errorf("frame stride %d is longer than the %d-byte buffer", stride, len(pix))
	}
	// The last row needs only its pixels, not a full stride.
	if need := stride*(h-1) + 4*w; len(pix) < need {
		return nil, fmt.Errorf("frame %d×%d with stride %d needs %d bytes, got %d", w, h, stride, need, len(pix))
	}
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		s := pix[y*stride : y*stride+4*w]
		d := img.Pix[y*img.Stride : y*img.Stride+4*w]
		for x := 0; x < 4*w; x += 4 {
			a := s[x+3]
			if a == 0xff {
				d[x], d[x+1], d[x+2] = s[x], s[x+1], s[x+2]
			} else {
				d[x] = compositeWhite(s[x], a)
				d[x+1] = compositeWhite(s[x+1], a)
				d[x+2] = compositeWhite(s[x+2], a)
			}
			d[x+3] = 0xff
		}
	}
	return img, nil
}
