package preprocess

import "image"

// orient returns img as it should be displayed given EXIF orientation o
// (1–8, as stored by the camera). Mirrors and the half turn (2, 3, 4) work in
// place; the four that swap width and height (5–8) need a new image.
//
// For a stored W×H image, the displayed pixel (x, y) comes from stored
// pixel (sx, sy):
//
//	2 mirror            (W-1-x, y)
//	3 half turn         (W-1-x, H-1-y)
//	4 flip              (x, H-1-y)
//	5 transpose         (y, x)
//	6 turn 90° clockwise (y, H-1-x)
//	7 transverse        (W-1-y, H-1-x)
//	8 turn 90° anticlockwise (W-1-y, x)
func orient(img *image.RGBA, o int) *image.RGBA {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	switch o {
	case 2:
		mirrorRows(img)
	case 3:
		mirrorRows(img)
		flipRows(img)
	case 4:
		flipRows(img)
	case 5, 6, 7, 8:
		out := image.NewRGBA(image.Rect(0, 0, h, w))
		for y := 0; y < w; y++ {
			d := out.Pix[y*out.Stride : y*out.Stride+4*h]
			for x := 0; x < h; x++ {
				var sx, sy int
				switch o {
				case 5:
					sx, sy = y, x
				case 6:
					sx, sy = y, h-1-x
				case 7:
					sx, sy = w-1-y, h-1-x
				case 8:
					sx, sy = w-1-y, x
				}
				s := sy*img.Stride + 4*sx
				copy(d[4*x:4*x+4], img.Pix[s:s+4])
			}
		}
		return out
	}
	return img
}

func mirrorRows(img *image.RGBA) {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	for y := 0; y < h; y++ {
		row := img.Pix[y*img.Stride : y*img.Stride+4*w]
		for l, r := 0, 4*(w-1); l < r; l, r = l+4, r-4 {
			var t [4]uint8
			copy(t[:], row[l:l+4])
			copy(row[l:l+4], row[r:r+4])
			copy(row[r:r+4], t[:])
		}
	}
}

func flipRows(img *image.RGBA) {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	tmp := make([]uint8, 4*w)
	for t, b := 0, h-1; t < b; t, b = t+1, b-1 {
		top := img.Pix[t*img.Stride : t*img.Stride+4*w]
		bot := img.Pix[b*img.Stride : b*img.Stride+4*w]
		copy(tmp, top)
		copy(top, bot)
		copy(bot, tmp)
	}
}
