package kernels

// Epilogue is what happens to each accumulator on its way out of a GEMM:
//
//	out[m][n] = relu?( float32(acc[m][n] - ZeroPoint*WSum[n]) * Scale[n] + Bias[n] + Residual[m][n] )
//
// Scale folds the activation scale and the weight scale of channel n (int8);
// for f32 GEMMs ZeroPoint, WSum are unused and Scale may be nil (1).
type Epilogue struct {
	ZeroPoint int32
	WSum      []int32   // [N], only read when ZeroPoint != 0
	Scale     []float32 // [N]
	Bias      []float32 // [N]
	Residual  []float32 // [M][ldo] like the output, or nil
	ReLU      bool
	// Max, when not nil, is raised to the largest value written (Go's max:
	// NaN wins, +0 above −0): the next layer's quantisation scale without
	// another pass over the output. One per concurrent call.
	Max *float32
}

// finish returns one output value. It is the scalar definition of the
// epilogue; the kernels inline the same expression.
func (e *Epilogue) finish(v float32, m, n, ldo int) float32 {
	v += e.Bias[n]
	if e.Residual != nil {
		v += e.Residual[m*ldo+n]
	}
	if e.ReLU && v < 0 {
		v = 0
	}
	if e.Max != nil {
		*e.Max = max(*e.Max, v)
	}
	return v
}

// GemmU16S8 computes C = A·Wᵀ with its epilogue, where A is M rows of Kp
// unsigned 16-bit activations of at most ActMax (row stride lda, Kp even)
// and W is N output channels packed O8K2 with the same Kp. ws is scratch
// space of at least WorkspaceU16S8(kp) elements (the SIMD kernel needs
// none). The caller guarantees that no sum can leave int32: max(A)·Σ_k
// |W[n][k]| < 2³¹ for every channel n (engine/resnet/levels.go chooses each
// layer's activation levels so). Integer accumulation is then exact, so every
// implementation of this kernel must agree bit for bit.
func GemmU16S8(out []float32, ldo int, a []uint16, lda, m, kp int, w []int8, n int, ep *Epilogue, ws []int64) {
	if !gemmU16S8(out, ldo, a, lda, m, kp, w, n, ep) {
		gemmU16S8Generic(out, ldo, a, lda, m, kp, w, n, ep, ws)
	}
}

// GemmU16S16 is GemmU16S8 for wide (int16) weights, packed O8K2 the same
// way: the few layers a model keeps at more than 8 bits. The same bound
// applies — max(A)·Σ_k |W[n][k]| < 2³¹ — and the same exactness.
func GemmU16S16(out []float32, ldo int, a []uint16, lda, m, kp int, w []int16, n int, ep *Epilogue, ws []int64) {
	if !gemmU16S16(out, ldo, a, lda, m, kp, w, n, ep) {
		gemmU16S16Generic(out, ldo, a, lda, m, kp, w, n, ep, ws)
	}
}

// gemmU16S8Generic and gemmU16S16Generic are the pure-Go twins, in their own
// functions so that a faster version can stand in for them (dispatch.go).
func gemmU16S8Generic(out []float32, ldo int, a []uint16, lda, m, kp int, w []int8, n int, ep *Epilogue, ws []int64) {
	gemmU16Generic(out, ldo, a, lda, m, kp, w, n, ep, ws)
}

func gemmU16S16Generic(out []float32, ldo int, a []uint16, lda, m, kp int, w []int16, n int, ep *Epilogue, ws []int64) {
	gemmU16Generic(out, ldo, a, lda, m, kp, w, n, ep, ws)
}

func gemmU16Generic[W int8 | int16](out []float32, ldo int, a []uint16, lda, m, kp int, w []W, n int, ep *Epilogue, ws []int64) {
	panelSize := PanelN * kp
	wide := ws[:WorkspaceU16S8(kp)]
	for p := 0; p*PanelN < n; p++ {
		widenPanelO8K2(wide, w[p*panelSize:(p+1)*panelSize], kp)
		n0 := p * PanelN
		nn := min(PanelN, n-n0)
		r := 0
		for ; r+4 <= m; r += 4 {
			var acc [4][PanelN]int32
			dotSWAR4x8(&acc, a[r*lda:], lda, kp, wide)
			for i := range 4 {
				storeI32(out, ldo, r+i, n0, nn, &acc[i], ep)
			}
		}
		for ; r < m; r++ {
			var acc [PanelN]int32
			dotSWAR1x8(&acc, a[r*lda:r*lda+kp], wide)
			storeI32(out, ldo, r, n0, nn, &acc, ep)
		}
	}
}

// WorkspaceU16S8 is the scratch GemmU16S8 needs for a given Kp.
func WorkspaceU16S8(kp int) int { return kp * PanelN / 2 }

// Without SIMD, the fastest integer dot product Go can express is two
// channels per 64-bit multiply: with w2 = w[j] + w[j+1]·2³², the sum of
// a·w2 over k is S[j] + S[j+1]·2³², exactly, because each S fits in 32 bits
// (the callers' bound: |S| < 2³¹). widenPanelO8K2 prepares one panel
// in that form, wide[k][j/2]; the panel is reused for every row of A.
func widenPanelO8K2[T int8 | int16](wide []int64, panel []T, kp int) {
	for k := range kp {
		src := panel[(k/2)*2*PanelN+k%2:]
		for j := 0; j < PanelN/2; j++ {
			wide[k*PanelN/2+j] = int64(src[4*j]) + int64(src[4*j+2])<<32
		}
	}
}

// splitPair undoes the pairing: the low 32 bits are S[j] and, after
// removing them, the high half is S[j+1].
func splitPair(dst []int32, v int64) {
	lo := int32(v)
	dst[0], dst[1] = lo, int32((v-int64(lo))>>32)
}

// dotSWAR4x8 accumulates a 4-row × 8-channel tile: 16 accumulators, held
// in locals so that the compiler keeps them out of memory.
func dotSWAR4x8[T uint16 | int16](acc *[4][PanelN]int32, a []T, lda, kp int, wide []int64) {
	a0, a1, a2, a3 := a[:kp], a[lda:lda+kp], a[2*lda:2*lda+kp], a[3*lda:3*lda+kp]
	var c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33 int64
	for k := range a0 {
		w := (*[4]int64)(wide[k*4 : k*4+4])
		x0, x1, x2, x3 := int64(a0[k]), int64(a1[k]), int64(a2[k]), int64(a3[k])
		c00 += x0 * w[0]
		c01 += x0 * w[1]
		c02 += x0 * w[2]
		c03 += x0 * w[3]
		c10 += x1 * w[0]
		c11 += x1 * w[1]
		c12 += x1 * w[2]
		c13 += x1 * w[3]
		c20 += x2 * w[0]
		c21 += x2 * w[1]
		c22 += x2 * w[2]
		c23 += x2 * w[3]
		c30 += x3 * w[0]
		c31 += x3 * w[1]
		c32 += x3 * w[2]
		c33 += x3 * w[3]
	}
	for i, c := range [4][4]int64{{c00, c01, c02, c03}, {c10, c11, c12, c13}, {c20, c21, c22, c23}, {c30, c31, c32, c33}} {
		for j, v := range c {
			splitPair(acc[i][2*j:], v)
		}
	}
}

func dotSWAR1x8[T uint16 | int16](acc *[PanelN]int32, a []T, wide []int64) {
	var c0, c1, c2, c3 int64
	for k, x := range a {
		w := (*[4]int64)(wide[k*4 : k*4+4])
		v := int64(x)
		c0 += v * w[0]
		c1 += v * w[1]
		c2 += v * w[2]
		c3 += v * w[3]
	}
	for j, v := range [4]int64{c0, c1, c2, c3} {
		splitPair(acc[2*j:], v)
	}
}

func storeI32(out []float32, ldo, m, n0, nn int, acc *[PanelN]int32, ep *Epilogue) {
	row := out[m*ldo+n0 : m*ldo+n0+nn]
	for j := range row {
		n := n0 + j
		v := acc[j]
		if ep.ZeroPoint != 0 {
			v -= ep.ZeroPoint * ep.WSum[n]
		}
		row[j] = ep.finish(float32(v)*ep.Scale[n], m, n, ldo)
	}
}

// GemmS16S16 computes the raw int32 products C = A·Wᵀ of int16 rows (Kp
// even, stride lda) and int16 weights packed O8K2, for the Winograd GEMMs.
// It writes whole panels: PaddedN(n) columns of each output row (ldo ≥
// PaddedN(n)). ws is scratch of WorkspaceS16S16(kp). The caller guarantees
// that every sum fits int32 (it does in the Winograd domain); within that,
// any summation order gives the same exact result.
func GemmS16S16(out []int32, ldo int, a []int16, lda, m, kp int, w []int16, n int, ws []int64) {
	if !gemmS16S16(out, ldo, a, lda, m, kp, w, n) {
		gemmS16S16Generic(out, ldo, a, lda, m, kp, w, n, ws)
	}
}

// WorkspaceS16S16 is the scratch GemmS16S16 needs for a given Kp.
func WorkspaceS16S16(kp int) int { return kp * PanelN / 2 }

// gemmS16S16Generic pairs channels in 64-bit multiplies like
// gemmU16S8Generic: |S| < 2³¹ still holds for every sum.
func gemmS16S16Generic(out []int32, ldo int, a []int16, lda, m, kp int, w []int16, n int, ws []int64) {
	panelSize := PanelN * kp
	wide := ws[:WorkspaceS16S16(kp)]
	for p := 0; p*PanelN < n; p++ {
		widenPanelO8K2(wide, w[p*panelSize:(p+1)*panelSize], kp)
		n0 := p * PanelN
		r := 0
		for ; r+4 <= m; r += 4 {
			var acc [4][PanelN]int32
			dotSWAR4x8(&acc, a[r*lda:], lda, kp, wide)
			for i := range 4 {
				copy(out[(r+i)*ldo+n0:(r+i)*ldo+n0+PanelN], acc[i][:])
			}
		}
		for ; r < m; r++ {
			var acc [PanelN]int32
			dotSWAR1x8(&acc, a[r*lda:r*lda+kp], wide)
			copy(out[r*ldo+n0:r*ldo+n0+PanelN], acc[:])
		}
	}
}

// GemmF32 computes C = A·Wᵀ with its epilogue, where A is M rows of K
// float32 (row stride lda) and W is N output channels packed O8K1.
// Implementations may sum in different orders: compare with a tolerance.
func GemmF32(out []float32, ldo int, a []float32, lda, m, k int, w []float32, n int, ep *Epilogue) {
	if !gemmF32(out, ldo, a, lda, m, k, w, n, ep) {
		gemmF32Generic(out, ldo, a, lda, m, k, w, n, ep)
	}
}

func gemmF32Generic(out []float32, ldo int, a []float32, lda, m, k int, w []float32, n int, ep *Epilogue) {
	panelSize := PanelN * k
	for p := 0; p*PanelN < n; p++ {
		panel := w[p*panelSize : (p+1)*panelSize]
		n0 := p * PanelN
		nn := min(PanelN, n-n0)
		r := 0
		for ; r+4 <= m; r += 4 {
			var acc [4][PanelN]float32
			dotF32x4(&acc, a[r*lda:], lda, k, panel)
			for i := range 4 {
				storeF32(out, ldo, r+i, n0, nn, &acc[i], ep)
			}
		}
		for ; r < m; r++ {
			var acc [PanelN]float32
			dotF32x1(&acc, a[r*lda:r*lda+k], panel)
			storeF32(out, ldo, r, n0, nn, &acc, ep)
		}
	}
}

func dotF32x4(acc *[4][PanelN]float32, a []float32, lda, k int, panel []float32) {
	a0, a1, a2, a3 := a[:k], a[lda:lda+k], a[2*lda:2*lda+k], a[3*lda:3*lda+k]
	c := *acc // a local copy: stores through acc would go to memory every time
	for i := range k {
		w := (*[PanelN]float32)(panel[i*PanelN : i*PanelN+PanelN])
		x0, x1, x2, x3 := a0[i], a1[i], a2[i], a3[i]
		for j := range PanelN {
			c[0][j] += x0 * w[j]
			c[1][j] += x1 * w[j]
			c[2][j] += x2 * w[j]
			c[3][j] += x3 * w[j]
		}
	}
	*acc = c
}

func dotF32x1(acc *[PanelN]float32, a []float32, panel []float32) {
	for i, x := range a {
		w := (*[PanelN]float32)(panel[i*PanelN : i*PanelN+PanelN])
		for j := range PanelN {
			acc[j] += x * w[j]
		}
	}
}

func storeF32(out []float32, ldo, m, n0, nn int, acc *[PanelN]float32, ep *Epilogue) {
	row := out[m*ldo+n0 : m*ldo+n0+nn]
	for j := range row {
		n := n0 + j
		v := acc[j]
		if ep.Scale != nil {
			v *= ep.Scale[n]
		}
		row[j] = ep.finish(v, m, n, ldo)
	}
}

// Rows returns the epilogue for a GEMM over rows r0… of the same output, for
// splitting one GEMM between workers.
func (e Epilogue) Rows(r0, ldo int) Epilogue {
	if e.Residual != nil {
		e.Residual = e.Residual[r0*ldo:]
	}
	return e
}
