//go:build !(js && wasm) || purego

package kernels

// Natively, and in wasm built with -tags purego, every hook declines
// (dispatch.go) and every kernel is its pure-Go twin.

func gemmU16S8(out []float32, ldo int, a []uint16, lda, m, kp int, w []int8, n int, ep *Epilogue) bool {
	return false
}

func gemmU16S16(out []float32, ldo int, a []uint16, lda, m, kp int, w []int16, n int, ep *Epilogue) bool {
	return false
}

func gemmF32(out []float32, ldo int, a []float32, lda, m, k int, w []float32, n int, ep *Epilogue) bool {
	return false
}

func quantizeU16(dst []uint16, src []float32, inv float32, zeroPoint, qmax int32) bool { return false }

func maxF32(x []float32, abs bool) (float32, bool) { return 0, false }

func im2col[T uint16 | float32](dst []T, lda int, src []T, h, w, c, k, stride, pad int, fill T) bool {
	return false
}

// SIMD reports whether the WebAssembly SIMD kernels are in use.
func SIMD() bool { return false }

// SetSIMD switches between the SIMD kernels and the pure-Go twins, for
// benchmarks and tests that compare the two in one instance. Asking for SIMD
// where it is not linked is an error.
func SetSIMD(on bool) error {
	if on {
		return errNoSIMD
	}
	return nil
}

func maxPool3x3s2(dst, src []float32, h, w, c int) bool { return false }

func gemmS16S16(out []int32, ldo int, a []int16, lda, m, kp int, w []int16, n int) bool { return false }

func winogradInputU16(v []int16, vs, ldv int, src []uint16, h, w, c, tw, t0, t1 int) bool {
	return false
}

func winogradOutput(out []float32, ldo int, m []int32, ms, ldm, h, w, n, tw, t0, t1 int, ep *Epilogue) bool {
	return false
}

func winogradWeights(u []int16, wq []int8, n, c int) bool { return false }

func winogradConv(out []float32, src []uint16, h, w, c int, u []int16, n int, ep *Epilogue, t0, t1, chunk int, ws *WinogradWorkspace) bool {
	return false
}

func denseI8(out []float32, w []int8, scale, bias, x []float32) bool { return false }

func denseI16(out []float32, w []int16, scale, bias, x []float32) bool { return false }

// hooksCount: the hooks here decline without counting; nothing can run SIMD.
const hooksCount = false
