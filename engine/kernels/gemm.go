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
}

// apply writes one output value. It is the scalar definition of the
// epilogue; the kernels inline the same expression.
func (e *Epilogue) finish(v float32, m, n, ldo int) float32 {
	v += e.Bias[n]
	if e.Residual != nil {
		v += e.Residual[m*ldo+n]
	}
	if e.ReLU && v < 0 {
		v = 0
	}
	return v
}

// GemmU8S8 computes C = A·Wᵀ with its epilogue, where A is M rows of Kp
// unsigned 8-bit activations (row stride lda, Kp even) and W is N output
// channels packed O8K2 with the same Kp. Integer accumulation is exact, so
// every implementation of this kernel must agree bit for bit.
func GemmU8S8(out []float32, ldo int, a []uint8, lda, m, kp int, w []int8, n int, ep *Epilogue) {
	panelSize := PanelN * kp
	for p := 0; p*PanelN < n; p++ {
		panel := w[p*panelSize : (p+1)*panelSize]
		n0 := p * PanelN
		nn := min(PanelN, n-n0)
		r := 0
		for ; r+4 <= m; r += 4 {
			var acc [4][PanelN]int32
			dotU8S8x4(&acc, a[r*lda:], lda, kp, panel)
			for i := range 4 {
				storeI32(out, ldo, r+i, n0, nn, &acc[i], ep)
			}
		}
		for ; r < m; r++ {
			var acc [PanelN]int32
			dotU8S8x1(&acc, a[r*lda:r*lda+kp], panel)
			storeI32(out, ldo, r, n0, nn, &acc, ep)
		}
	}
}

// dotU8S8x4 accumulates a 4-row × 8-channel tile.
func dotU8S8x4(acc *[4][PanelN]int32, a []uint8, lda, kp int, panel []int8) {
	a0, a1, a2, a3 := a[:kp], a[lda:lda+kp], a[2*lda:2*lda+kp], a[3*lda:3*lda+kp]
	for k := 0; k < kp; k += 2 {
		w := (*[2 * PanelN]int8)(panel[k*PanelN : k*PanelN+2*PanelN])
		x0, y0 := int32(a0[k]), int32(a0[k+1])
		x1, y1 := int32(a1[k]), int32(a1[k+1])
		x2, y2 := int32(a2[k]), int32(a2[k+1])
		x3, y3 := int32(a3[k]), int32(a3[k+1])
		for j := range PanelN {
			wx, wy := int32(w[2*j]), int32(w[2*j+1])
			acc[0][j] += x0*wx + y0*wy
			acc[1][j] += x1*wx + y1*wy
			acc[2][j] += x2*wx + y2*wy
			acc[3][j] += x3*wx + y3*wy
		}
	}
}

func dotU8S8x1(acc *[PanelN]int32, a []uint8, panel []int8) {
	for k := 0; k+1 < len(a); k += 2 {
		w := (*[2 * PanelN]int8)(panel[k*PanelN : k*PanelN+2*PanelN])
		x, y := int32(a[k]), int32(a[k+1])
		for j := range PanelN {
			acc[j] += x*int32(w[2*j]) + y*int32(w[2*j+1])
		}
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

// GemmF32 computes C = A·Wᵀ with its epilogue, where A is M rows of K
// float32 (row stride lda) and W is N output channels packed O8K1.
// Implementations may sum in different orders: compare with a tolerance.
func GemmF32(out []float32, ldo int, a []float32, lda, m, k int, w []float32, n int, ep *Epilogue) {
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
	for i := range k {
		w := (*[PanelN]float32)(panel[i*PanelN : i*PanelN+PanelN])
		x0, x1, x2, x3 := a0[i], a1[i], a2[i], a3[i]
		for j := range PanelN {
			acc[0][j] += x0 * w[j]
			acc[1][j] += x1 * w[j]
			acc[2][j] += x2 * w[j]
			acc[3][j] += x3 * w[j]
		}
	}
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
