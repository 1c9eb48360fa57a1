package kernels

// Im2col lays out the k×k receptive field of every output pixel of an HWC
// image as one row of dst (row stride lda ≥ k·k·c), in (ky, kx, c) order, so
// that a convolution becomes one GEMM. Taps that fall in the zero padding
// get fill: the value that stands for zero in the source's encoding (the
// zero point for quantised activations). Columns past k·k·c are set to 0;
// their weights are zero.
func Im2col[T uint16 | float32](dst []T, lda int, src []T, h, w, c, k, stride, pad int, fill T) {
	if !im2col(dst, lda, src, h, w, c, k, stride, pad, fill) {
		im2colGeneric(dst, lda, src, h, w, c, k, stride, pad, fill)
	}
}

func im2colGeneric[T uint16 | float32](dst []T, lda int, src []T, h, w, c, k, stride, pad int, fill T) {
	oh, ow := (h+2*pad-k)/stride+1, (w+2*pad-k)/stride+1
	kc := k * c
	for oy := range oh {
		for ox := range ow {
			row := dst[(oy*ow+ox)*lda : (oy*ow+ox+1)*lda]
			for ky := range k {
				iy := oy*stride - pad + ky
				seg := row[ky*kc : (ky+1)*kc]
				if iy < 0 || iy >= h {
					fillSlice(seg, fill)
					continue
				}
				ix0 := ox*stride - pad
				// The interior copies contiguous runs of whole pixels.
				lo, hi := max(0, -ix0), min(k, w-ix0)
				if lo >= hi {
					fillSlice(seg, fill)
					continue
				}
				fillSlice(seg[:lo*c], fill)
				copy(seg[lo*c:hi*c], src[(iy*w+ix0+lo)*c:(iy*w+ix0+hi)*c])
				fillSlice(seg[hi*c:], fill)
			}
			fillSlice(row[k*kc:], 0)
		}
	}
}

func fillSlice[T uint16 | float32](s []T, v T) {
	for i := range s {
		s[i] = v
	}
}
