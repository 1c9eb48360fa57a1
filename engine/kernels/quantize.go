package kernels

// Activations are quantised per tensor to unsigned 16-bit integers of at
// most qmax: x ≈ scale·(q − zeroPoint). After a ReLU the tensor is
// non-negative and the zero point is 0, so levels 0…qmax cover [0, max]; the
// stem's input is signed and uses zero point qmax/2. qmax is not 65535: each
// layer takes the most levels for which its integer sums provably cannot
// overflow (engine/resnet/levels.go), at most ActMax.

// ActMax is the largest qmax any kernel takes: the SIMD kernels multiply
// activations as signed 16-bit lanes (i32x4.dot_i16x8_s), and the Winograd
// input transform, a sum of four taps with signs, must stay within int16.
const ActMax = 8191

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

// QuantizeU16 writes q = clamp(trunc(x·inv + zeroPoint + ½), 0, qmax):
// round half up, with inv = 1/scale, for 0 < qmax ≤ ActMax. Every product is
// rounded to float32 before the add (the explicit conversion forbids a fused
// multiply-add), so that WebAssembly's f32x4.mul, f32x4.add,
// i32x4.trunc_sat_f32x4_s, i32x4.min_s sequence gives the same values.
func QuantizeU16(dst []uint16, src []float32, inv float32, zeroPoint, qmax int32) {
	if qmax <= 0 || qmax > ActMax {
		panic("kernels: QuantizeU16 qmax outside 1…ActMax")
	}
	if !quantizeU16(dst, src, inv, zeroPoint, qmax) {
		quantizeU16Generic(dst, src, inv, zeroPoint, qmax)
	}
}

func quantizeU16Generic(dst []uint16, src []float32, inv float32, zeroPoint, qmax int32) {
	bias := float32(zeroPoint) + 0.5
	top := float32(qmax)
	for i, x := range src {
		v := float32(x*inv) + bias
		switch {
		case !(v >= 0): // also NaN
			dst[i] = 0
		case v >= top:
			dst[i] = uint16(qmax)
		default:
			dst[i] = uint16(int32(v))
		}
	}
}
