package jpegscale

import "math"

// idctScaled reconstructs an n×n block (n = 4, 2, 1) from the n×n lowest
// frequencies of the 8×8 coefficients b (natural order, not dequantized; qt
// in zig-zag order) and writes it, level-shifted and clipped, to dst.
//
// The 8-point inverse DCT of T.81 A.3.3 is a continuous function of the
// sample position; each output pixel of the n×n block covers 8/n input
// samples, and its centre falls where the 8-point cosine cos((2x+1)uπ/16)
// equals cos((2x'+1)uπ/(2n)). Sampling there after dropping the frequencies
// u ≥ n (which n samples cannot carry) gives
//
//	f(x', y') = 1/4 Σ_{u,v<n} C(u) C(v) F(u,v) cos((2x'+1)uπ/(2n)) cos((2y'+1)vπ/(2n))
//
// with C(0) = 1/√2, C(u) = 1: the same reduction libjpeg's jidctred makes.
// At n = 1 it is F(0,0)/8, the block's mean. It is computed in float64
// (exact to well under a grey level; a scaled image is a new image, not a
// copy of the full decode, so there is no bit pattern to keep).
func idctScaled(b *block, qt *block, n int, dst []byte, stride int) {
	var f [4][4]float64 // dequantized F(v, u), v rows
	for z := 0; z < blockSize; z++ {
		u := unzig[z]
		if u%8 < n && u/8 < n {
			f[u/8][u%8] = float64(b[u]) * float64(qt[z])
		}
	}
	basis := &idctBasis[n>>1]
	var tmp [4][4]float64 // rows transformed: tmp[v][x]
	for v := 0; v < n; v++ {
		for x := 0; x < n; x++ {
			var s float64
			for u := 0; u < n; u++ {
				s += basis[x][u] * f[v][u]
			}
			tmp[v][x] = s
		}
	}
	for y := 0; y < n; y++ {
		row := dst[y*stride : y*stride+n]
		for x := 0; x < n; x++ {
			var s float64
			for v := 0; v < n; v++ {
				s += basis[y][v] * tmp[v][x]
			}
			row[x] = clip(s + 128)
		}
	}
}

// idctBasis[n>>1][x][u] = C(u)/2 · cos((2x+1)uπ/(2n)) for n = 1, 2, 4.
var idctBasis = func() (t [3][4][4]float64) {
	for i, n := range []int{1, 2, 4} {
		for x := 0; x < n; x++ {
			for u := 0; u < n; u++ {
				c := 1.0
				if u == 0 {
					c = 1 / math.Sqrt2
				}
				t[i][x][u] = c / 2 * math.Cos(float64((2*x+1)*u)*math.Pi/float64(2*n))
			}
		}
	}
	return t
}()

func clip(v float64) uint8 {
	switch {
	case v <= 0:
		return 0
	case v >= 255:
		return 255
	}
	return uint8(v + 0.5)
}
