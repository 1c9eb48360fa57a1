package preprocess

import (
	"fmt"
	"image"

	"github.com/anthonynsimon/bild/transform"
)

// MaxAspect bounds the long side of the resized intermediate to
// MaxAspect×resize. torchvision would resize a 3×10000 strip to
// 256×853333 (873 MB of RGBA) only to keep its centre 224×224; instead the
// source is first trimmed, about its centre, to MaxAspect times its short
// side. The centre crop sees only the middle crop/resize of the short side's
// length, and the filter reaches ≤ 1 output pixel, so nothing the crop uses
// is lost: the result differs from the untrimmed pipeline only by the
// sub-pixel placement of samples along the long axis (see
// TestResizeCropTrimMatchesUntrimmed). Images up to 4:1 are not touched.
const MaxAspect = 4

// maxResize keeps a hostile or mistaken argument from allocating gigabytes;
// it matches the model file's own limit.
const maxResize = 4096

// ResizeCrop resizes img so its shorter side is resize pixels (antialiased
// bilinear, bild's transform.Linear), the longer side int(resize·long/short)
// as torchvision's Resize(int) computes it, then takes the centred
// crop×crop square with torchvision CenterCrop's offsets. The result is at
// the origin and does not alias img.
func ResizeCrop(img *image.RGBA, resize, crop int) (*image.RGBA, error) {
	if img == nil || img.Rect.Empty() {
		return nil, fmt.Errorf("resize: empty image")
	}
	// bild indexes Pix from the rectangle without checks, in goroutines
	// where a panic cannot be recovered: an inconsistent image must stop here.
	if w, h := img.Rect.Dx(), img.Rect.Dy(); img.Stride < 4*w || len(img.Pix) < img.Stride*(h-1)+4*w {
		return nil, fmt.Errorf("resize: %d×%d image with stride %d has only %d bytes", w, h, img.Stride, len(img.Pix))
	}
	if resize < 1 || resize > maxResize {
		return nil, fmt.Errorf("resize: size %d out of range 1..%d", resize, maxResize)
	}
	if crop < 1 || crop > resize {
		// torchvision would pad with black; no model of ours asks for that.
		return nil, fmt.Errorf("resize: crop %d out of range 1..%d (the resize)", crop, resize)
	}
	src := trimAspect(img, MaxAspect)
	w, h := src.Rect.Dx(), src.Rect.Dy()
	nw, nh := resizedSize(w, h, resize)
	out := src
	if nw != w || nh != h {
		out = transform.Resize(src, nw, nh, transform.Linear)
	}
	// else the image is the resized size already (the browser's live
	// frames are made so, web/resnet.js classifyFrame): bild's Linear filter
	// at scale 1 weighs each pixel by 1 and its neighbours by 0, so the
	// resize would change nothing (TestResizeCropSameSize holds it to that)
	// but cost a pass over every pixel.

	// torchvision: crop_top = int(round((h - crop) / 2.0)); Python rounds
	// half to even, and (n - crop)/2 is a half only when n - crop is odd.
	// The crop copies, so the result never aliases img.
	top, left := centreOffset(nh, crop), centreOffset(nw, crop)
	sq := transform.Crop(out, image.Rect(left, top, left+crop, top+crop).Add(out.Rect.Min))
	// bild's Crop keeps the crop rectangle's coordinates; the rest of the
	// pipeline indexes from (0, 0). Pix already starts at the first pixel.
	sq.Rect = image.Rect(0, 0, crop, crop)
	return sq, nil
}

// resizedSize is torchvision's Resize(int) rule for the output size: the
// shorter side becomes size, the longer int(size·long/short). Integer
// division equals Python's int() of the float quotient here: a non-integer
// quotient of small integers is never within a rounding error of the next
// integer.
func resizedSize(w, h, size int) (int, int) {
	if w <= h {
		return size, size * h / w
	}
	return size * w / h, size
}

// centreOffset is int(round((n - crop) / 2.0)) with Python 3's round half to
// even.
func centreOffset(n, crop int) int {
	d := n - crop
	q := d / 2
	if d%2 != 0 && q%2 != 0 { // exactly q + 0.5: round to the even neighbour
		q++
	}
	return q
}

// trimAspect returns the centred sub-image of img whose long side is
// maxAspect times its short side (plus one when that makes the trimmed
// margins equal), sharing img's pixels. Images within the aspect are
// returned as they are.
func trimAspect(img *image.RGBA, maxAspect int) *image.RGBA {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	r := img.Rect
	switch {
	case w > maxAspect*h:
		keep := maxAspect*h + (w-maxAspect*h)%2 // an even margin keeps the centre exact
		x0 := r.Min.X + (w-keep)/2
		return img.SubImage(image.Rect(x0, r.Min.Y, x0+keep, r.Max.Y)).(*image.RGBA)
	case h > maxAspect*w:
		keep := maxAspect*w + (h-maxAspect*w)%2
		y0 := r.Min.Y + (h-keep)/2
		return img.SubImage(image.Rect(r.Min.X, y0, r.Max.X, y0+keep)).(*image.RGBA)
	}
	return img
}
