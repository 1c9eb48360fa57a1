// Package kernels holds the arithmetic of the forward pass: weight packing
// and quantisation, im2col, the GEMM micro-kernels with their fused
// epilogue, pooling, Winograd transforms, the classifier. The Go code here
// is the reference and the native path. The hot kernels (those dispatch.go
// lists) also exist as hand-written WebAssembly SIMD (wat/), which their
// public function runs in GOOS=js builds where the host linked it; the rest
// (packing, weight quantisation, global average pool, the f32 classifier)
// is Go only.
//
// Names carry what they compute: GemmU16S8 multiplies unsigned 16-bit
// activations by signed 8-bit weights; O8K2 is the packed layout of panels
// of 8 output channels holding pairs of consecutive K (FORMAT.md).
//
// Matrices: activations are A[M][K] (one row per output pixel, K in
// (kh, kw, c) order, which is the HWC im2col order), weights are W[N][K]
// (one row per output channel), the output is C[M][N] — HWC again.
package kernels

import "math"

// PanelN is the number of output channels in one packed weight panel.
const PanelN = 8

// PaddedN is N rounded up to whole panels.
func PaddedN(n int) int { return (n + PanelN - 1) / PanelN * PanelN }

// PaddedK2 is K rounded up to whole pairs, as the O8K2 layout stores it.
func PaddedK2(k int) int { return k + k&1 }

// QuantizeRowsInt8 is the reference weight quantiser, the one the converter
// uses, so model files are reproducible bit for bit: symmetric, one scale
// per row (output channel), scale = max|w| / 127, q = round-half-away(w /
// scale). An all-zero row gets scale 0 and zero weights rather than a
// division by zero.
func QuantizeRowsInt8(w []float32, rows, cols int) (q []int8, scale []float32) {
	return quantizeRows[int8](w, rows, cols, 127)
}

// QuantizeRowsInt16 is QuantizeRowsInt8 for wide weights: the same rule with
// scale = max|w| / qmax, for the few layers a model keeps at more than 8
// bits (qmax ≤ 32767).
func QuantizeRowsInt16(w []float32, rows, cols, qmax int) (q []int16, scale []float32) {
	return quantizeRows[int16](w, rows, cols, qmax)
}

func quantizeRows[T int8 | int16](w []float32, rows, cols, qmax int) (q []T, scale []float32) {
	q = make([]T, rows*cols)
	scale = make([]float32, rows)
	top := float64(qmax)
	for r := range rows {
		row := w[r*cols : (r+1)*cols]
		var amax float32
		for _, v := range row {
			amax = max(amax, float32(math.Abs(float64(v))))
		}
		if amax == 0 {
			continue
		}
		s := amax / float32(qmax)
		scale[r] = s
		for i, v := range row {
			x := math.Round(float64(v) / float64(s))
			q[r*cols+i] = T(max(-top, min(top, x)))
		}
	}
	return q, scale
}

// PackO8K2 packs W[N][K] int8 or int16 (row-major) into panels of 8 output
// channels by pairs of K: dst[p][kk][j][t] = W[8p+j][2kk+t], zero-filled
// past N and K. One 16-byte load (int8, after sign extension) or two (int16)
// then hold 8 channels × 2 k, which is what i32x4.dot_i16x8_s consumes.
func PackO8K2[T int8 | int16](w []T, n, k int) []T {
	np, kp := PaddedN(n), PaddedK2(k)
	dst := make([]T, np*kp)
	for o := range n {
		p, j := o/PanelN, o%PanelN
		base := p * PanelN * kp
		for i := range k {
			dst[base+(i/2)*2*PanelN+j*2+i%2] = w[o*k+i]
		}
	}
	return dst
}

// PackO8K1 packs W[N][K] float32 into panels of 8 output channels:
// dst[p][k][j] = W[8p+j][k], zero-filled past N.
func PackO8K1(w []float32, n, k int) []float32 {
	np := PaddedN(n)
	dst := make([]float32, np*k)
	for o := range n {
		p, j := o/PanelN, o%PanelN
		for i := range k {
			dst[p*PanelN*k+i*PanelN+j] = w[o*k+i]
		}
	}
	return dst
}

// RowSumsO8K2 returns, per output channel, the sum of its packed weights:
// the correction term for activations with a non-zero zero point.
func RowSumsO8K2[T int8 | int16](w []T, n, kp int) []int32 {
	sums := make([]int32, n)
	for o := range n {
		p, j := o/PanelN, o%PanelN
		panel := w[p*PanelN*kp:]
		var s int32
		for kk := 0; kk < kp/2; kk++ {
			s += int32(panel[kk*2*PanelN+j*2]) + int32(panel[kk*2*PanelN+j*2+1])
		}
		sums[o] = s
	}
	return sums
}

// RowL1O8K2 returns the largest, over output channels, sum of |w| of
// weights packed O8K2: with activations in 0…L, L times it bounds every
// accumulator of GemmU16S8 and GemmU16S16. Every model load runs it over
// every layer, so it reads each panel once, in order.
func RowL1O8K2[T int8 | int16](w []T, n, kp int) int64 {
	var most int64
	for p := range PaddedN(n) / PanelN {
		sums := l1O8K2(w[p*PanelN*kp : (p+1)*PanelN*kp])
		for _, s := range sums[:min(PanelN, n-p*PanelN)] {
			most = max(most, s)
		}
	}
	return most
}

// l1O8K2 is Σ_k |w| of each of one O8K2 panel's 8 channels. Go compiled to
// WebAssembly keeps an array in linear memory and turns abs into a branch,
// so the sums live in eight locals and abs is branch-free: this pass runs
// over every weight of every model load.
func l1O8K2[T int8 | int16](panel []T) [PanelN]int64 {
	var s0, s1, s2, s3, s4, s5, s6, s7 int32
	var wide [PanelN]int64
	for off, n := 0, 0; off < len(panel); off, n = off+2*PanelN, n+1 {
		p := (*[2 * PanelN]T)(panel[off:])
		s0 += absPair(p[0], p[1])
		s1 += absPair(p[2], p[3])
		s2 += absPair(p[4], p[5])
		s3 += absPair(p[6], p[7])
		s4 += absPair(p[8], p[9])
		s5 += absPair(p[10], p[11])
		s6 += absPair(p[12], p[13])
		s7 += absPair(p[14], p[15])
		// 2¹⁶ pairs of |w| ≤ 2¹⁵ could pass 2³¹: fold into int64 well before.
		if n == 1<<14 || off+2*PanelN >= len(panel) {
			for j, s := range [PanelN]int32{s0, s1, s2, s3, s4, s5, s6, s7} {
				wide[j] += int64(s)
			}
			s0, s1, s2, s3, s4, s5, s6, s7, n = 0, 0, 0, 0, 0, 0, 0, 0, 0
		}
	}
	return wide
}

// absPair is |a| + |b| without branches.
func absPair[T int8 | int16](a, b T) int32 {
	x, y := int32(a), int32(b)
	mx, my := x>>31, y>>31
	return (x ^ mx) - mx + (y ^ my) - my
}

func abs64[T int8 | int16 | int32](v T) int64 {
	if v < 0 {
		return -int64(v)
	}
	return int64(v)
}
