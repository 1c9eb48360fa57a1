//go:build js && wasm && !purego

package kernels

import "unsafe"

// In GOOS=js wasm the kernels are imported from the module "kernels", which
// the host provides with wat/loader.mjs: the forwarder's functions (they
// reach the SIMD kernel module, kernels.wat, through a table) and link, a
// JavaScript function that instantiates the kernel module on Go's memory and
// reports whether it did. A host without WebAssembly SIMD gets link → 0 and
// the pure-Go twins run.
//
// Arguments are addresses in Go's linear memory. The SIMD kernels check
// nothing, so every hook below first checks the bounds the Go twin would have
// enforced and declines a call that fails them (dispatch.go): the twin then
// panics as before.
// Go's heap does not move, and an import call cannot be preempted, so the
// unsafe.Pointer arguments stay valid for the call's duration.

//go:wasmimport kernels link
func link() int32

//go:wasmimport kernels gemm_u16s8
//go:noescape
func gemmU16S8SIMD(out unsafe.Pointer, ldo int32, a unsafe.Pointer, lda, m, kp int32, w unsafe.Pointer, n int32,
	zp int32, wsum, scale, bias, res unsafe.Pointer, relu int32)

//go:wasmimport kernels gemm_f32
//go:noescape
func gemmF32SIMD(out unsafe.Pointer, ldo int32, a unsafe.Pointer, lda, m, k int32, w unsafe.Pointer, n int32,
	scale, bias, res unsafe.Pointer, relu int32)

//go:wasmimport kernels quantize_u16
//go:noescape
func quantizeU16SIMD(dst, src unsafe.Pointer, n int32, inv float32, zp, qmax int32)

//go:wasmimport kernels max_f32
//go:noescape
func maxF32SIMD(src unsafe.Pointer, n int32, abs int32) float32

//go:wasmimport kernels im2col
//go:noescape
func im2colSIMD(dst unsafe.Pointer, lda int32, src unsafe.Pointer, h, w, c, k, stride, pad, fill, esz int32)

// linked is whether the host linked the kernel module; useSIMD whether it is
// in use (SetSIMD).
var linked = link() != 0

var useSIMD = linked

// SIMD reports whether the WebAssembly SIMD kernels are in use.
func SIMD() bool { return useSIMD }

// SetSIMD switches between the SIMD kernels and the pure-Go twins, for
// benchmarks and tests that compare the two in one instance. Asking for SIMD
// where it is not linked is an error.
func SetSIMD(on bool) error {
	if on && !linked {
		return errNoSIMD
	}
	useSIMD = on
	return nil
}

// ptr is the address of s's first element; s must not be empty.
func ptr[T any](s []T) unsafe.Pointer { return unsafe.Pointer(unsafe.SliceData(s)) }

// optPtr is ptr, or nil (address 0: "none" to the kernels) for a nil slice.
func optPtr[T any](s []T) unsafe.Pointer {
	if s == nil {
		return nil
	}
	return ptr(s)
}

// spans reports whether a matrix of rows × cols with row stride ld fits in
// a slice of length n, and its numbers fit the kernels' 32-bit arguments.
func spans(n, rows, cols, ld int) bool {
	return rows > 0 && cols > 0 && ld >= cols && ld < 1<<30 && (rows-1)*ld+cols <= n
}

func b2i(b bool) int32 {
	if b {
		return 1
	}
	return 0
}

func gemmU16S8(out []float32, ldo int, a []uint16, lda, m, kp int, w []int8, n int, ep *Epilogue) bool {
	if !useSIMD || !gemmU16Fits(out, ldo, a, lda, m, kp, len(w), n, ep) {
		return leftToTwin(kGemmU16S8)
	}
	gemmU16(gemmU16S8SIMD, out, ldo, a, lda, m, kp, ptr(w), n, ep)
	return tookSIMD(kGemmU16S8)
}

//go:wasmimport kernels gemm_u16s16
//go:noescape
func gemmU16S16SIMD(out unsafe.Pointer, ldo int32, a unsafe.Pointer, lda, m, kp int32, w unsafe.Pointer, n int32,
	zp int32, wsum, scale, bias, res unsafe.Pointer, relu int32)

func gemmU16S16(out []float32, ldo int, a []uint16, lda, m, kp int, w []int16, n int, ep *Epilogue) bool {
	if !useSIMD || !gemmU16Fits(out, ldo, a, lda, m, kp, len(w), n, ep) {
		return leftToTwin(kGemmU16S16)
	}
	gemmU16(gemmU16S16SIMD, out, ldo, a, lda, m, kp, ptr(w), n, ep)
	return tookSIMD(kGemmU16S16)
}

// gemmU16Fits is the bounds check of both u16 GEMMs; nw is the weights'
// length in elements.
func gemmU16Fits(out []float32, ldo int, a []uint16, lda, m, kp, nw, n int, ep *Epilogue) bool {
	return spans(len(out), m, n, ldo) && spans(len(a), m, kp, lda) && kp&1 == 0 &&
		nw >= PaddedN(n)*kp && len(ep.Scale) >= n && len(ep.Bias) >= n &&
		(ep.ZeroPoint == 0 || len(ep.WSum) >= n) &&
		(ep.Residual == nil || spans(len(ep.Residual), m, n, ldo))
}

type gemmU16Kernel = func(out unsafe.Pointer, ldo int32, a unsafe.Pointer, lda, m, kp int32, w unsafe.Pointer, n int32,
	zp int32, wsum, scale, bias, res unsafe.Pointer, relu int32)

func gemmU16(k gemmU16Kernel, out []float32, ldo int, a []uint16, lda, m, kp int, w unsafe.Pointer, n int, ep *Epilogue) {
	var wsum unsafe.Pointer
	if ep.ZeroPoint != 0 {
		wsum = ptr(ep.WSum)
	}
	startMax(ep)
	k(ptr(out), int32(ldo), ptr(a), int32(lda), int32(m), int32(kp), w, int32(n),
		ep.ZeroPoint, wsum, ptr(ep.Scale), ptr(ep.Bias), optPtr(ep.Residual), b2i(ep.ReLU))
	endMax(ep)
}

//go:wasmimport kernels max_reset
func maxResetSIMD(v float32)

//go:wasmimport kernels max_get
func maxGetSIMD() float32

// startMax sets the kernel module's running maximum to *ep.Max when the
// epilogue asks for one; endMax stores it back after the kernel ran.
func startMax(ep *Epilogue) {
	if ep.Max != nil {
		maxResetSIMD(*ep.Max)
	}
}

func endMax(ep *Epilogue) {
	if ep.Max != nil {
		*ep.Max = maxGetSIMD()
	}
}

func gemmF32(out []float32, ldo int, a []float32, lda, m, k int, w []float32, n int, ep *Epilogue) bool {
	if !useSIMD || !spans(len(out), m, n, ldo) || !spans(len(a), m, k, lda) ||
		len(w) < PaddedN(n)*k || len(ep.Bias) < n || (ep.Scale != nil && len(ep.Scale) < n) ||
		(ep.Residual != nil && !spans(len(ep.Residual), m, n, ldo)) {
		return leftToTwin(kGemmF32)
	}
	startMax(ep)
	gemmF32SIMD(ptr(out), int32(ldo), ptr(a), int32(lda), int32(m), int32(k), ptr(w), int32(n),
		optPtr(ep.Scale), ptr(ep.Bias), optPtr(ep.Residual), b2i(ep.ReLU))
	endMax(ep)
	return tookSIMD(kGemmF32)
}

func quantizeU16(dst []uint16, src []float32, inv float32, zeroPoint, qmax int32) bool {
	if !useSIMD || len(src) == 0 || len(dst) < len(src) || len(src) >= 1<<29 {
		return leftToTwin(kQuantizeU16)
	}
	quantizeU16SIMD(ptr(dst), ptr(src), int32(len(src)), inv, zeroPoint, qmax)
	return tookSIMD(kQuantizeU16)
}

func maxF32(x []float32, abs bool) (float32, bool) {
	if !useSIMD || len(x) == 0 || len(x) >= 1<<29 {
		return 0, leftToTwin(kMaxF32)
	}
	return maxF32SIMD(ptr(x), int32(len(x)), b2i(abs)), tookSIMD(kMaxF32)
}

// im2col declines an f32 fill other than +0: the kernel fills f32 padding
// bytewise.
func im2col[T uint16 | float32](dst []T, lda int, src []T, h, w, c, k, stride, pad int, fill T) bool {
	esz := int32(unsafe.Sizeof(fill))
	var fb int32
	if esz == 2 {
		fb = int32(*(*uint16)(unsafe.Pointer(&fill)))
	} else if *(*uint32)(unsafe.Pointer(&fill)) != 0 {
		return leftToTwin(kIm2col)
	}
	if !useSIMD || h <= 0 || w <= 0 || c <= 0 || k <= 0 || stride <= 0 || pad < 0 || h+2*pad < k || w+2*pad < k ||
		h*w*c > len(src) || lda < k*k*c || lda >= 1<<28 {
		return leftToTwin(kIm2col)
	}
	oh, ow := (h+2*pad-k)/stride+1, (w+2*pad-k)/stride+1
	if oh*ow*lda > len(dst) {
		return leftToTwin(kIm2col)
	}
	im2colSIMD(ptr(dst), int32(lda), ptr(src), int32(h), int32(w), int32(c), int32(k), int32(stride), int32(pad), fb, esz)
	return tookSIMD(kIm2col)
}

//go:wasmimport kernels maxpool3x3s2
//go:noescape
func maxPool3x3s2SIMD(dst, src unsafe.Pointer, h, w, c int32)

// maxPool3x3s2 declines channels that are not a multiple of 4.
func maxPool3x3s2(dst, src []float32, h, w, c int) bool {
	if !useSIMD || h <= 0 || w <= 0 || c <= 0 || c%4 != 0 || h*w*c > len(src) || h*w*c >= 1<<28 {
		return leftToTwin(kMaxPool3x3s2)
	}
	oh, ow := (h+2-3)/2+1, (w+2-3)/2+1
	if oh*ow*c > len(dst) {
		return leftToTwin(kMaxPool3x3s2)
	}
	maxPool3x3s2SIMD(ptr(dst), ptr(src), int32(h), int32(w), int32(c))
	return tookSIMD(kMaxPool3x3s2)
}

//go:wasmimport kernels gemm_s16s16
//go:noescape
func gemmS16S16SIMD(out unsafe.Pointer, ldo int32, a unsafe.Pointer, lda, m, kp int32, w unsafe.Pointer, n int32)

//go:wasmimport kernels winograd_in_u16
//go:noescape
func winogradInputU16SIMD(v unsafe.Pointer, vs, ldv int32, src unsafe.Pointer, h, w, c, tw, t0, t1 int32, zeros unsafe.Pointer)

//go:wasmimport kernels winograd_out
//go:noescape
func winogradOutputSIMD(out unsafe.Pointer, ldo int32, m unsafe.Pointer, ms, ldm, h, w, n, tw, t0, t1 int32,
	scale, bias, res unsafe.Pointer, relu int32)

func gemmS16S16(out []int32, ldo int, a []int16, lda, m, kp int, w []int16, n int) bool {
	if !useSIMD || !gemmS16S16Fits(out, ldo, a, lda, m, kp, w, n) {
		return leftToTwin(kGemmS16S16)
	}
	gemmS16S16SIMD(ptr(out), int32(ldo), ptr(a), int32(lda), int32(m), int32(kp), ptr(w), int32(n))
	return tookSIMD(kGemmS16S16)
}

// winogradZeros stands in for the input taps in the padding: the SIMD
// input transform reads c values from it.
var winogradZeros [WinogradMaxC + 8]uint16

// winogradTilesFit reports whether tiles t0…t1 are valid for an h×w
// output with tw tiles a row, with numbers that fit the kernels' arguments.
func winogradTilesFit(h, w, tw, t0, t1 int) bool {
	tiles, ttw := WinogradTiles(h, w)
	return h > 0 && w > 0 && tw == ttw && 0 <= t0 && t0 < t1 && t1 <= tiles && h*w < 1<<26
}

func gemmS16S16Fits(out []int32, ldo int, a []int16, lda, m, kp int, w []int16, n int) bool {
	np := PaddedN(n)
	return spans(len(out), m, np, ldo) && spans(len(a), m, kp, lda) && kp&1 == 0 && len(w) >= np*kp
}

func winogradInputFits(v []int16, vs, ldv int, src []uint16, h, w, c, tw, t0, t1 int) bool {
	return winogradTilesFit(h, w, tw, t0, t1) && c > 0 && c <= WinogradMaxC && ldv >= c &&
		len(src) >= h*w*c && vs >= (t1-t0)*ldv && 15*vs+(t1-t0)*ldv <= len(v) && vs < 1<<26
}

func winogradOutputFits(out []float32, ldo int, m []int32, ms, ldm, h, w, n, tw, t0, t1 int, ep *Epilogue) bool {
	return winogradTilesFit(h, w, tw, t0, t1) && n > 0 && ldo >= n && ldm >= n && ldo < 1<<20 &&
		len(out) >= h*w*ldo-(ldo-n) && ms >= (t1-t0)*ldm && 15*ms+(t1-t0)*ldm <= len(m) && ms < 1<<26 &&
		len(ep.Scale) >= n && len(ep.Bias) >= n && ep.ZeroPoint == 0 &&
		(ep.Residual == nil || len(ep.Residual) >= h*w*ldo-(ldo-n))
}

func winogradInputU16(v []int16, vs, ldv int, src []uint16, h, w, c, tw, t0, t1 int) bool {
	if !useSIMD || !winogradInputFits(v, vs, ldv, src, h, w, c, tw, t0, t1) {
		return leftToTwin(kWinogradInputU16)
	}
	winogradInputU16SIMD(ptr(v), int32(vs), int32(ldv), ptr(src), int32(h), int32(w), int32(c), int32(tw),
		int32(t0), int32(t1), ptr(winogradZeros[:]))
	return tookSIMD(kWinogradInputU16)
}

func winogradOutput(out []float32, ldo int, m []int32, ms, ldm, h, w, n, tw, t0, t1 int, ep *Epilogue) bool {
	if !useSIMD || !winogradOutputFits(out, ldo, m, ms, ldm, h, w, n, tw, t0, t1, ep) {
		return leftToTwin(kWinogradOutput)
	}
	startMax(ep)
	winogradOutputSIMD(ptr(out), int32(ldo), ptr(m), int32(ms), int32(ldm), int32(h), int32(w), int32(n), int32(tw),
		int32(t0), int32(t1), ptr(ep.Scale), ptr(ep.Bias), optPtr(ep.Residual), b2i(ep.ReLU))
	endMax(ep)
	return tookSIMD(kWinogradOutput)
}

//go:wasmimport kernels winograd_conv
//go:noescape
func winogradConvSIMD(out, src unsafe.Pointer, h, w, c int32, u unsafe.Pointer, n, t0, t1 int32,
	v unsafe.Pointer, vs int32, m unsafe.Pointer, ms int32, zeros, scale, bias, res unsafe.Pointer, relu int32)

// winogradConv is one chunk of Conv3x3Winograd in one call: the bounds of
// its three steps, as their own hooks check them, then the kernel that runs
// them in turn (which a thread pool splits by tiles: wat/pool.mjs).
func winogradConv(out []float32, src []uint16, h, w, c int, u []int16, n int, ep *Epilogue, t0, t1, chunk int, ws *WinogradWorkspace) bool {
	cp, np := PaddedK2(c), PaddedN(n)
	_, tw := WinogradTiles(h, w)
	vs, ms := chunk*cp, chunk*np
	mt := t1 - t0
	if !useSIMD || mt <= 0 || !winogradInputFits(ws.v, vs, cp, src, h, w, c, tw, t0, t1) ||
		!gemmS16S16Fits(ws.m[15*ms:], np, ws.v[15*vs:], cp, mt, cp, u[15*np*cp:], n) ||
		!winogradOutputFits(out, n, ws.m, ms, np, h, w, n, tw, t0, t1, ep) {
		return leftToTwin(kWinogradConv)
	}
	startMax(ep)
	winogradConvSIMD(ptr(out), ptr(src), int32(h), int32(w), int32(c), ptr(u), int32(n), int32(t0), int32(t1),
		ptr(ws.v), int32(vs), ptr(ws.m), int32(ms), ptr(winogradZeros[:]), ptr(ep.Scale), ptr(ep.Bias),
		optPtr(ep.Residual), b2i(ep.ReLU))
	endMax(ep)
	return tookSIMD(kWinogradConv)
}

//go:wasmimport kernels winograd_weights_s8
//go:noescape
func winogradWeightsSIMD(u, w unsafe.Pointer, n, c int32)

// winogradWeights declines odd c: only for even c do the pairs of input
// channels line up with O8K2's pairs.
func winogradWeights(u []int16, wq []int8, n, c int) bool {
	if !useSIMD || n <= 0 || c <= 0 || c&1 != 0 || c > WinogradMaxC || n >= 1<<16 ||
		len(wq) < PaddedN(n)*9*c || len(u) < 16*PaddedN(n)*c {
		return leftToTwin(kWinogradWeights)
	}
	winogradWeightsSIMD(ptr(u), ptr(wq), int32(n), int32(c))
	return tookSIMD(kWinogradWeights)
}

//go:wasmimport kernels dense_i8
//go:noescape
func denseI8SIMD(out, w, scale, bias, x unsafe.Pointer, n, k int32)

func denseI8(out []float32, w []int8, scale, bias, x []float32) bool {
	if !useSIMD || !denseFits(out, len(w), scale, bias, x) {
		return leftToTwin(kDenseI8)
	}
	denseI8SIMD(ptr(out), ptr(w), ptr(scale), ptr(bias), ptr(x), int32(len(out)), int32(len(x)))
	return tookSIMD(kDenseI8)
}

//go:wasmimport kernels dense_i16
//go:noescape
func denseI16SIMD(out, w, scale, bias, x unsafe.Pointer, n, k int32)

func denseI16(out []float32, w []int16, scale, bias, x []float32) bool {
	if !useSIMD || !denseFits(out, len(w), scale, bias, x) {
		return leftToTwin(kDenseI16)
	}
	denseI16SIMD(ptr(out), ptr(w), ptr(scale), ptr(bias), ptr(x), int32(len(out)), int32(len(x)))
	return tookSIMD(kDenseI16)
}

func denseFits(out []float32, nw int, scale, bias, x []float32) bool {
	n, k := len(out), len(x)
	return n > 0 && k > 0 && n < 1<<20 && k < 1<<20 && nw >= n*k && len(scale) >= n && len(bias) >= n
}

// hooksCount: the hooks here count their answers (dispatch.go).
const hooksCount = true
