package jpegscale

import (
	"bytes"
	"image"
	"image/draw"
	"image/jpeg"
	"os"
	"path/filepath"
	"testing"
)

const testdata = "../../../testdata"

// jpegs are every JPEG in testdata: photos (baseline 4:2:0, 4:2:2, 4:4:4,
// with EXIF), the budget set (progressive 4:2:0/4:4:4/grayscale/YCCK,
// baseline CMYK), the orientation set, and the damaged ones.
func jpegs(t testing.TB) map[string][]byte {
	out := map[string][]byte{}
	for _, glob := range []string{"photos/*.jpg", "photos/*/*.jpg", "budget/*.jpg", "bad/*.jpg"} {
		m, _ := filepath.Glob(filepath.Join(testdata, glob))
		for _, f := range m {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			// The bombs claim gigapixels: refusing them is preprocess's job.
			if cfg, err := jpeg.DecodeConfig(bytes.NewReader(b)); err == nil && cfg.Width*cfg.Height > 4<<20 {
				continue
			}
			out[f[len(testdata)+1:]] = b
		}
	}
	if len(out) < 25 {
		t.Fatalf("only %d JPEGs found", len(out))
	}
	return out
}

func rgba(m image.Image) *image.RGBA {
	b := m.Bounds()
	out := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(out, out.Rect, m, b.Min, draw.Src)
	return out
}

// At scale 1/1 the fork is image/jpeg: same image type, same bits, same
// errors for damaged files.
func TestFullScaleMatchesStandardLibrary(t *testing.T) {
	for name, data := range jpegs(t) {
		want, werr := jpeg.Decode(bytes.NewReader(data))
		got, gerr := Decode(bytes.NewReader(data), 0)
		if (werr == nil) != (gerr == nil) {
			t.Errorf("%s: image/jpeg error %v, fork error %v", name, werr, gerr)
			continue
		}
		if werr != nil {
			continue
		}
		if wt, gt := typeName(want), typeName(got); wt != gt || want.Bounds() != got.Bounds() {
			t.Errorf("%s: image/jpeg gives %s %v, fork %s %v", name, wt, want.Bounds(), gt, got.Bounds())
			continue
		}
		if !bytes.Equal(rgba(want).Pix, rgba(got).Pix) {
			t.Errorf("%s: pixels differ from image/jpeg", name)
		}
	}
}

func typeName(m image.Image) string {
	switch m.(type) {
	case *image.Gray:
		return "Gray"
	case *image.YCbCr:
		return "YCbCr"
	case *image.RGBA:
		return "RGBA"
	case *image.CMYK:
		return "CMYK"
	}
	return "other"
}

// boxDown averages f×f cells of a w×h plane (cells cut by the edge average
// what they have): what the scaled transform should approximate.
func boxDown(pix []uint8, stride, w, h, f int) []uint8 {
	ow, oh := (w+f-1)/f, (h+f-1)/f
	out := make([]uint8, ow*oh)
	for y := 0; y < oh; y++ {
		for x := 0; x < ow; x++ {
			sum, n := 0, 0
			for yy := y * f; yy < min((y+1)*f, h); yy++ {
				for xx := x * f; xx < min((x+1)*f, w); xx++ {
					sum += int(pix[yy*stride+xx])
					n++
				}
			}
			out[y*ow+x] = uint8((sum + n/2) / n)
		}
	}
	return out
}

// plane is one of an image's planes as the decoder made it.
type plane struct {
	pix          []uint8
	stride, w, h int
}

// planes returns Y, Cb, Cr of a YCbCr image (chroma at its own
// resolution), the grey plane, or R, G, B of anything else.
func planes(m image.Image) []plane {
	switch m := m.(type) {
	case *image.YCbCr:
		last := m.COffset(m.Rect.Max.X-1, m.Rect.Max.Y-1)
		cw, ch := last%m.CStride+1, last/m.CStride+1
		return []plane{{m.Y, m.YStride, m.Rect.Dx(), m.Rect.Dy()}, {m.Cb, m.CStride, cw, ch}, {m.Cr, m.CStride, cw, ch}}
	case *image.Gray:
		return []plane{{m.Pix, m.Stride, m.Rect.Dx(), m.Rect.Dy()}}
	}
	r := rgba(m)
	var out []plane
	for c := 0; c < 3; c++ {
		p := plane{make([]uint8, r.Rect.Dx()*r.Rect.Dy()), r.Rect.Dx(), r.Rect.Dx(), r.Rect.Dy()}
		for i := range p.pix {
			p.pix[i] = r.Pix[4*i+c]
		}
		out = append(out, p)
	}
	return out
}

// A scaled decode is the full decode seen through a low-pass filter: each
// plane (Y, Cb, Cr as decoded, before colour conversion; chroma stays at
// its own resolution) differs from the full decode's plane averaged over
// the same cells by one to three grey levels on average: the box is a
// different low-pass filter from the transform's sharp cut-off (the
// largest gaps are at edges, up to ~50 levels), and the full decode is
// clipped and rounded. At 1/8 a pixel is the block's DC term, the block's
// exact mean, so there the gap is rounding and clipping alone (≤ 1.5,
// measured ≤ 1.3 through CMYK's colour conversion). Every size rounds up,
// as libjpeg's does. Baseline and progressive codings of the same image
// give the same result (the compact progressive store loses nothing the
// transform reads).
func TestScaledMatchesBoxAverage(t *testing.T) {
	for name, data := range jpegs(t) {
		full, err := jpeg.Decode(bytes.NewReader(data))
		if err != nil {
			continue
		}
		ref := rgba(full)
		for shift := 1; shift <= 3; shift++ {
			m, err := Decode(bytes.NewReader(data), shift)
			if err != nil {
				t.Errorf("%s 1/%d: %v", name, 1<<shift, err)
				continue
			}
			w, h := ScaledSize(ref.Rect.Dx(), ref.Rect.Dy(), shift)
			if m.Bounds() != image.Rect(0, 0, w, h) {
				t.Errorf("%s 1/%d: bounds %v, want %d×%d", name, 1<<shift, m.Bounds(), w, h)
				continue
			}
			if typeName(m) != typeName(full) {
				t.Errorf("%s 1/%d: %s, full decode %s", name, 1<<shift, typeName(m), typeName(full))
			}
			var sum, count, maxAbs int
			gp, fp := planes(m), planes(full)
			for i := range fp {
				want := boxDown(fp[i].pix, fp[i].stride, fp[i].w, fp[i].h, 1<<shift)
				ow, oh := (fp[i].w+(1<<shift)-1)>>shift, (fp[i].h+(1<<shift)-1)>>shift
				if gp[i].w < ow || gp[i].h < oh {
					t.Fatalf("%s 1/%d plane %d: %d×%d, want %d×%d", name, 1<<shift, i, gp[i].w, gp[i].h, ow, oh)
				}
				for y := 0; y < oh; y++ {
					for x := 0; x < ow; x++ {
						d := int(gp[i].pix[y*gp[i].stride+x]) - int(want[y*ow+x])
						sum, count, maxAbs = sum+abs(d), count+1, max(maxAbs, abs(d))
					}
				}
			}
			mean := float64(sum) / float64(count)
			limit := map[int]float64{1: 3, 2: 3, 3: 1.5}[shift]
			t.Logf("%-36s 1/%d %4d×%-4d mean |Δ| %.3f, max %d", name, 1<<shift, w, h, mean, maxAbs)
			if mean > limit {
				t.Errorf("%s 1/%d: mean difference %.3f from the box-averaged full decode (limit %.1f)", name, 1<<shift, mean, limit)
			}
		}
	}
}

func abs(d int) int {
	if d < 0 {
		return -d
	}
	return d
}

// Kept coefficients: the zig-zag prefix an n×n reconstruction reads.
func TestKeepFor(t *testing.T) {
	for n, want := range map[int]int{1: 1, 2: 5, 4: 25, 8: 64} {
		if got := keepFor(n); got != want {
			t.Errorf("keepFor(%d) = %d, want %d", n, got, want)
		}
	}
}
