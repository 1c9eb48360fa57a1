package main

import (
	"fmt"
	"image"
	"image/png"
	"math"
	"os"

	"github.com/inbrowser-ai/resnet/engine"
)

// overlayAlpha is how much of the heatmap's colour covers the crop.
const overlayAlpha = 0.5

// writeOverlay writes crop with the map drawn over it as a PNG: the map's
// positive part scaled to its maximum, upsampled bilinearly (cell centres
// on the pixel grid, as a CNN's feature cells sit over their input), in the
// viridis colour map, which stays ordered and even in lightness.
func writeOverlay(path string, crop *image.RGBA, c *engine.CAM) error {
	if crop == nil {
		return fmt.Errorf("%s: no crop to draw the map over", path)
	}
	img := Overlay(crop, c)
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// Overlay blends the map's heat over crop (see writeOverlay).
func Overlay(crop *image.RGBA, c *engine.CAM) *image.RGBA {
	b := crop.Bounds()
	w, h := b.Dx(), b.Dy()
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	heat := upsample(positive(c), c.Size[0], c.Size[1], h, w)
	for y := range h {
		for x := range w {
			r, g, bl := viridis(heat[y*w+x])
			i, o := crop.PixOffset(b.Min.X+x, b.Min.Y+y), out.PixOffset(x, y)
			for j, v := range [3]float64{r, g, bl} {
				out.Pix[o+j] = uint8(math.Round((1-overlayAlpha)*float64(crop.Pix[i+j]) + overlayAlpha*255*v))
			}
			out.Pix[o+3] = 255
		}
	}
	return out
}

// positive is the map's evidence for its class, 0…1: max(v, 0)/max.
func positive(c *engine.CAM) []float64 {
	var top float64
	for _, v := range c.Map {
		top = math.Max(top, float64(v))
	}
	p := make([]float64, len(c.Map))
	for i, v := range c.Map {
		if top > 0 {
			p[i] = math.Max(0, float64(v)) / top
		}
	}
	return p
}

// upsample resizes an sh×sw map to dh×dw bilinearly, clamping at the edges.
func upsample(src []float64, sh, sw, dh, dw int) []float64 {
	dst := make([]float64, dh*dw)
	coord := func(d, dn, sn int) (int, int, float64) {
		s := (float64(d)+0.5)*float64(sn)/float64(dn) - 0.5
		s = math.Max(0, math.Min(float64(sn-1), s))
		i := int(s)
		return i, min(i+1, sn-1), s - float64(i)
	}
	for y := range dh {
		y0, y1, fy := coord(y, dh, sh)
		for x := range dw {
			x0, x1, fx := coord(x, dw, sw)
			top := src[y0*sw+x0]*(1-fx) + src[y0*sw+x1]*fx
			bot := src[y1*sw+x0]*(1-fx) + src[y1*sw+x1]*fx
			dst[y*dw+x] = top*(1-fy) + bot*fy
		}
	}
	return dst
}

// viridis maps t in [0, 1] to matplotlib's viridis colour map, as the
// degree-6 polynomial fit of Matt Zucker (CC0, shadertoy "viridis
// approximation"): within about 1 % of the table, and the same function as
// web/cam.js, so the page and the command line draw the same colours.
func viridis(t float64) (r, g, b float64) {
	t = math.Max(0, math.Min(1, t))
	c := [7][3]float64{
		{0.2777273272234177, 0.005407344544966578, 0.3340998053353061},
		{0.1050930431085774, 1.404613529898575, 1.384590162594685},
		{-0.3308618287255563, 0.214847559468213, 0.09509516302823659},
		{-4.634230498983486, -5.799100973351585, -19.33244095627987},
		{6.228269936347081, 14.17993336680509, 56.69055260068105},
		{4.776384997670288, -13.74514537774601, -65.35303263337234},
		{-5.435455855934631, 4.645852612178535, 26.3124352495832},
	}
	var v [3]float64
	for j := range 3 {
		for i := 6; i >= 0; i-- {
			v[j] = v[j]*t + c[i][j]
		}
	}
	clamp := func(x float64) float64 { return math.Max(0, math.Min(1, x)) }
	return clamp(v[0]), clamp(v[1]), clamp(v[2])
}
