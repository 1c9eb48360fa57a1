package kernels

// Activations are quantised per tensor to unsigned 8 bits: x ≈ scale·(q −
// zeroPoint). After a ReLU the tensor is non-negative and the zero point is
// 0, so all 256 levels cover [0, max]; the stem's input is signed and uses
// zero point 128.

// MaxF32 returns the largest element of x (0 for an empty or all-negative x).
func MaxF32(x []float32) float32 { return maxOf(x, false) }

// MaxAbsF32 returns the largest |x|.
func MaxAbsF32(x []float32) float32 { return maxOf(x, true) }

func maxOf(x []float32, abs bool) float32 {
	if m, ok := maxF32(x, abs); ok {
		return m
	}
	return maxF32Generic(x, abs)
}

func maxF32Generic(x []float32, abs bool) float32 {
	var m float32
	if abs {
		for _, v := range x {
			m = max(m, v, -v)
		}
		return m
	}
	for _, v := range x {
		m = max(m, v)
	}
	return m
}

// QuantizeU8 writes q = clamp(trunc(x·inv + zeroPoint + ½), 0, 255): round
// half up, with inv = 1/scale. Every product is rounded to float32 before the
// add (the explicit conversion forbids a fused multiply-add), so that
// WebAssembly's f32x4.mul, f32x4.add, i32x4.trunc_sat_f32x4_s sequence gives
// the same bytes.
func QuantizeU8(dst []uint8, src []float32, inv float32, zeroPoint int32) {
	if !quantizeU8(dst, src, inv, zeroPoint) {
		quantizeU8Generic(dst, src, inv, zeroPoint)
	}
}

func quantizeU8Generic(dst []uint8, src []float32, inv float32, zeroPoint int32) {
	bias := float32(zeroPoint) + 0.5
	for i, x := range src {
		v := float32(x*inv) + bias
		switch {
		case !(v >= 0): // also NaN
			dst[i] = 0
		case v >= 255:
			dst[i] = 255
		default:
			dst[i] = uint8(int32(v))
		}
	}
}
