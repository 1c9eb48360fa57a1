package kernels

// MaxPool3x3s2 is the stem's 3×3 max-pool, stride 2, padding 1, on an HWC
// tensor. Padding never wins: the input follows a ReLU, and the window
// always holds at least one real pixel.
func MaxPool3x3s2(dst, src []float32, h, w, c int) (oh, ow int) {
	oh, ow = (h+2-3)/2+1, (w+2-3)/2+1
	if !maxPool3x3s2(dst, src, h, w, c) {
		maxPool3x3s2Generic(dst, src, h, w, c)
	}
	return oh, ow
}

func maxPool3x3s2Generic(dst, src []float32, h, w, c int) {
	oh, ow := (h+2-3)/2+1, (w+2-3)/2+1
	for oy := range oh {
		y0, y1 := max(0, 2*oy-1), min(h, 2*oy+2)
		for ox := range ow {
			x0, x1 := max(0, 2*ox-1), min(w, 2*ox+2)
			out := dst[(oy*ow+ox)*c : (oy*ow+ox+1)*c]
			copy(out, src[(y0*w+x0)*c:(y0*w+x0+1)*c])
			for y := y0; y < y1; y++ {
				for x := x0; x < x1; x++ {
					in := src[(y*w+x)*c : (y*w+x+1)*c]
					for i, v := range in {
						out[i] = max(out[i], v)
					}
				}
			}
		}
	}
}

// GlobalAvgPool averages an HWC tensor over its pixels into dst[c].
func GlobalAvgPool(dst, src []float32, pixels, c int) {
	clear(dst[:c])
	for p := range pixels {
		for i, v := range src[p*c : (p+1)*c] {
			dst[i] += v
		}
	}
	inv := 1 / float32(pixels)
	for i := range dst[:c] {
		dst[i] *= inv
	}
}

// DenseI8 computes out[n] = scale[n]·Σ w[n][k]·x[k] + bias[n] for int8 rows
// (the classifier). The sum has a fixed order that a 2×f32x4 SIMD loop can
// follow, so that every implementation gives the same bits: eight partial
// sums a[k mod 8] over the first K − K mod 8 terms, reduced as
// ((a0+a4)+(a2+a6)) + ((a1+a5)+(a3+a7)), plus the last K mod 8 terms in
// order. Every product and sum is rounded on its own (no fused multiply-add).
func DenseI8(out []float32, w []int8, scale, bias, x []float32) {
	if !denseI8(out, w, scale, bias, x) {
		denseI8Generic(out, w, scale, bias, x)
	}
}

// DenseI16 is DenseI8 for a wide (int16) classifier, with the same
// summation order: every int16 is exact in float32.
func DenseI16(out []float32, w []int16, scale, bias, x []float32) {
	if !denseI16(out, w, scale, bias, x) {
		denseI16Generic(out, w, scale, bias, x)
	}
}

func denseI8Generic(out []float32, w []int8, scale, bias, x []float32) {
	denseGeneric(out, w, scale, bias, x)
}

func denseI16Generic(out []float32, w []int16, scale, bias, x []float32) {
	denseGeneric(out, w, scale, bias, x)
}

func denseGeneric[W int8 | int16](out []float32, w []W, scale, bias, x []float32) {
	k := len(x)
	k8 := k &^ 7
	for n := range out {
		row := w[n*k : (n+1)*k]
		var a [8]float32
		for i := 0; i < k8; i += 8 {
			for j := range 8 {
				a[j] += float32(float32(row[i+j]) * x[i+j])
			}
		}
		s := ((a[0] + a[4]) + (a[2] + a[6])) + ((a[1] + a[5]) + (a[3] + a[7]))
		var t float32
		for i := k8; i < k; i++ {
			t += float32(float32(row[i]) * x[i])
		}
		out[n] = float32((s+t)*scale[n]) + bias[n]
	}
}

// DenseF32 computes out[n] = Σ w[n][k]·x[k] + bias[n].
func DenseF32(out []float32, w, bias, x []float32) {
	k := len(x)
	for n := range out {
		var s float32
		for i, v := range w[n*k : (n+1)*k] {
			s += v * x[i]
		}
		out[n] = s + bias[n]
	}
}
