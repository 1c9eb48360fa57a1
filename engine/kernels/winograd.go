package kernels

import "fmt"

// Winograd F(2×2, 3×3) for the stride-1 3×3 convolutions of a ResNet, on
// u16 activations (at most ActMax) with zero point 0 (every such layer
// follows a ReLU):
// 2×2 outputs from a 4×4 input tile with 16 multiplies per channel pair
// instead of 36, so 2.25× fewer multiply-adds in the GEMMs.
//
// It is exact. With Lavin and Gray's matrices, and G doubled to keep the
// weights integral,
//
//	Bᵀ = ⎡1  0 −1  0⎤   2G = ⎡2  0  0⎤   Aᵀ = ⎡1 1  1  0⎤
//	     ⎢0  1  1  0⎥        ⎢1  1  1⎥        ⎣0 1 −1 −1⎦
//	     ⎢0 −1  1  0⎥        ⎢1 −1  1⎥
//	     ⎣0  1  0 −1⎦        ⎣0  0  2⎦
//
// 4·Y = Aᵀ[(2G g 2Gᵀ) ⊙ (Bᵀ d B)]A for every 2×2 output Y of the direct
// convolution. The transformed input Bᵀ d B of values in 0…q lies in ±4q
// (±32764 for q = ActMax) and the transformed weights in ±1143 (int8
// weights), so both are int16 and i32x4.dot_i16x8_s multiplies them without
// widening. The caller bounds q per layer (engine/resnet/levels.go) so that
// each of the 16 sums over channels stays below 2³¹ (4q·Σ_c|U[ξ][n][c]|) and
// so does 4·Y (4q·Σ_k|W[n][k]|). The output transform may wrap in int32, but
// wrapping arithmetic is exact modulo 2³², and the result 4·Y fits, so it is
// the direct convolution's accumulator times 4, exactly. The epilogue then
// runs on the same integer as GemmU16S8 would have, and Winograd layers give
// bit-identical outputs.
//
// Layouts: tiles are numbered in raster order over ⌈H/2⌉×⌈W/2⌉; tile (ty,
// tx) reads input rows 2ty−1…2ty+2 and columns 2tx−1…2tx+2 (zero outside).
// The 16 transformed positions ξ = 4i+j each hold one matrix: V[ξ][tile][Cp]
// int16 (Cp = PaddedK2(C)), U[ξ] int16 packed O8K2 with K = Cp, and the
// GEMM results M[ξ][tile][PaddedN(N)] int32.

// WinogradMaxC is the largest channel count the kernels take (the SIMD
// input transform reads padding taps from a buffer of this size).
const WinogradMaxC = 1800

// WinogradTiles is the number of 2×2 output tiles of an h×w output, and
// the tiles per row.
func WinogradTiles(h, w int) (tiles, tw int) {
	th, tw := (h+1)/2, (w+1)/2
	return th * tw, tw
}

// WinogradWeights transforms a stride-1 3×3 convolution's int8 weights,
// packed O8K2 over K = 9·c in (ky, kx, c) order, into the 16 int16 matrices
// U[ξ], each packed O8K2 over K = PaddedK2(c): 16·PaddedN(n)·PaddedK2(c)
// values. It runs once per layer when a model loads, and the SIMD kernel
// makes that cheap: for even c, the 16 bytes of one O8K2 pair of tap t are
// the same 8 channels × 2 input channels as the 16 values of one pair of
// U[ξ], so one pair of every position comes from 9 loads and vector adds.
func WinogradWeights(wq []int8, n, c int) []int16 {
	u := make([]int16, 16*PaddedN(n)*PaddedK2(c))
	winogradWeightsInto(u, wq, n, c)
	return u
}

// WinogradWideMax is the largest |w| of wide (int16) weights whose
// transform fits int16: a transformed weight sums at most 9 weights.
const WinogradWideMax = 32767 / 9

// WinogradWeightsWide is WinogradWeights for wide weights, all within
// ±WinogradWideMax (the caller checks). It runs once per layer at load, in
// Go.
func WinogradWeightsWide(wq []int16, n, c int) []int16 {
	u := make([]int16, 16*PaddedN(n)*PaddedK2(c))
	winogradWeightsGeneric(u, wq, n, c)
	return u
}

// winogradWeightsInto is WinogradWeights into a given u.
func winogradWeightsInto(u []int16, wq []int8, n, c int) {
	if !winogradWeights(u, wq, n, c) {
		winogradWeightsGeneric(u, wq, n, c)
	}
}

func winogradWeightsGeneric[W int8 | int16](u []int16, wq []W, n, c int) {
	if c%2 == 0 {
		winogradWeightsPairs(u, wq, n, c)
		return
	}
	kp, cp, np := PaddedK2(9*c), PaddedK2(c), PaddedN(n)
	for p := range np / PanelN {
		panel := wq[p*PanelN*kp : (p+1)*PanelN*kp]
		for ch := range c {
			for j := range PanelN {
				var g [3][3]int32
				for t := range 9 {
					k := t*c + ch
					g[t/3][t%3] = int32(panel[(k/2)*2*PanelN+j*2+k%2])
				}
				at := p*PanelN*cp + (ch/2)*2*PanelN + j*2 + ch%2
				for xi, v := range winogradTile(g) {
					u[xi*np*cp+at] = int16(v)
				}
			}
		}
	}
}

// winogradWeightsPairs is winogradWeightsGeneric for even c, the way the
// SIMD kernel works: input channels ch, ch+1 of tap t are one O8K2 row of
// 16 values (8 output channels × 2), and the same 16 lanes of one row of
// U[ξ] are a sum of those 9 rows. Contiguous rows and no per-value index
// arithmetic make it ~10× faster in Go compiled to wasm than the general
// loop, and it runs at every load for the wide layers' Winograd bounds.
func winogradWeightsPairs[W int8 | int16](u []int16, wq []W, n, c int) {
	kp, cp, np := 9*c, c, PaddedN(n)
	const lanes = 2 * PanelN
	for p := range np / PanelN {
		panel := wq[p*PanelN*kp : (p+1)*PanelN*kp]
		for ch := 0; ch < c; ch += 2 {
			var g [9]*[lanes]W // tap t = 3·ky + kx
			for t := range g {
				g[t] = (*[lanes]W)(panel[(t*c+ch)/2*lanes:])
			}
			at := p*PanelN*cp + ch/2*lanes
			var out [16]*[lanes]int16
			for xi := range out {
				out[xi] = (*[lanes]int16)(u[xi*np*cp+at:])
			}
			for l := range lanes {
				var tile [3][3]int32
				for t, row := range g {
					tile[t/3][t%3] = int32(row[l])
				}
				for xi, v := range winogradTile(tile) {
					out[xi][l] = int16(v)
				}
			}
		}
	}
}

// WinogradWeightsL1 returns the largest, over the 16 positions ξ and the
// output channels n, of Σ_c |U[ξ][n][c]| for the weights WinogradWeights
// would make: with inputs in 0…L, 4L times it bounds each Winograd-domain
// sum. It runs for every stride-1 3×3 layer at load, Winograd or not, so
// it is on every cold start's path: it transforms one panel of 8 output
// channels at a time into a small scratch (with the SIMD kernel where
// linked) and sums that, instead of transforming channel by channel.
func WinogradWeightsL1[W int8 | int16](wq []W, n, c int) int64 {
	kp, cp := PaddedK2(9*c), PaddedK2(c)
	u := make([]int16, 16*PanelN*cp) // U[ξ] of one panel, O8K2 over cp
	var most int64
	for p := range PaddedN(n) / PanelN {
		panel := wq[p*PanelN*kp : (p+1)*PanelN*kp]
		switch w := any(panel).(type) {
		case []int8:
			winogradWeightsInto(u, w, PanelN, c)
		case []int16:
			winogradWeightsGeneric(u, w, PanelN, c)
		}
		live := min(PanelN, n-p*PanelN) // padding channels are zero
		for xi := range 16 {
			sums := l1O8K2(u[xi*PanelN*cp : (xi+1)*PanelN*cp])
			for _, s := range sums[:live] {
				most = max(most, s)
			}
		}
	}
	return most
}

// winogradTile is (2G·g)·2Gᵀ of one 3×3 kernel, positions ξ = 4i+j.
func winogradTile(g [3][3]int32) [16]int32 {
	var col [4][3]int32 // 2G·g
	for x := range 3 {
		col[0][x] = 2 * g[0][x]
		col[1][x] = g[0][x] + g[1][x] + g[2][x]
		col[2][x] = g[0][x] - g[1][x] + g[2][x]
		col[3][x] = 2 * g[2][x]
	}
	var u [16]int32
	for i := range 4 { // (2G·g)·2Gᵀ
		u[4*i+0] = 2 * col[i][0]
		u[4*i+1] = col[i][0] + col[i][1] + col[i][2]
		u[4*i+2] = col[i][0] - col[i][1] + col[i][2]
		u[4*i+3] = 2 * col[i][2]
	}
	return u
}

// WinogradWorkspace is the scratch of one Conv3x3Winograd caller: the
// transformed input and the GEMM results of one chunk of tiles.
type WinogradWorkspace struct {
	v      []int16
	m      []int32
	ws     []int64
	chunk  int // tiles per chunk
	cp, np int
}

// NewWinogradWorkspace sizes a workspace for layers of up to c input and n
// output channels. Chunks of tiles keep the GEMM results within about 2 MB
// whatever the image size.
func NewWinogradWorkspace(c, n int) *WinogradWorkspace {
	cp, np := PaddedK2(c), PaddedN(n)
	chunk := max(4, (1<<21)/(16*4*np)) &^ 3
	return &WinogradWorkspace{
		v: make([]int16, 16*chunk*cp), m: make([]int32, 16*chunk*np),
		ws: make([]int64, WorkspaceS16S16(cp)), chunk: chunk, cp: cp, np: np,
	}
}

// chunkFor is the tiles per chunk for a layer of cp × np, which may be
// smaller than the workspace's largest: the same buffers hold more of its
// tiles, so it runs in fewer, larger chunks — for a thread pool, fewer
// wake-ups and parts large enough to keep both cores busy.
func (ws *WinogradWorkspace) chunkFor(cp, np int) int {
	return max(ws.chunk, min(ws.chunk*ws.cp/cp, ws.chunk*ws.np/np)&^3)
}

// Conv3x3Winograd computes tiles t0…t1 of a stride-1, pad-1 3×3 convolution
// of src (h×w×c u16, zero point 0) with u from WinogradWeights, writing out
// (h×w×n f32, HWC) through ep, whose ZeroPoint must be 0. Splitting the
// tiles between callers with their own workspaces parallelises it.
func Conv3x3Winograd(out []float32, src []uint16, h, w, c int, u []int16, n int, ep *Epilogue, t0, t1 int, ws *WinogradWorkspace) {
	cp, np := PaddedK2(c), PaddedN(n)
	if ep.ZeroPoint != 0 || c > WinogradMaxC || cp > ws.cp || np > ws.np || len(u) < 16*np*cp {
		panic(fmt.Sprintf("kernels: Winograd conv %d→%d with zero point %d does not fit its workspace or range", c, n, ep.ZeroPoint))
	}
	_, tw := WinogradTiles(h, w)
	chunk := ws.chunkFor(cp, np)
	vs, ms := chunk*cp, chunk*np
	for c0 := t0; c0 < t1; c0 += chunk {
		c1 := min(t1, c0+chunk)
		if winogradConv(out, src, h, w, c, u, n, ep, c0, c1, chunk, ws) {
			continue
		}
		WinogradInputU16(ws.v, vs, cp, src, h, w, c, tw, c0, c1)
		for xi := range 16 {
			GemmS16S16(ws.m[xi*ms:], np, ws.v[xi*vs:], cp, c1-c0, cp, u[xi*np*cp:(xi+1)*np*cp], n, ws.ws)
		}
		WinogradOutput(out, n, ws.m, ms, np, h, w, n, tw, c0, c1, ep)
	}
}

// WinogradInputU16 writes Bᵀ d B for tiles t0…t1 of src (h×w×c u16 of at
// most ActMax, zero point 0) into v: position ξ of tile t at v[ξ·vs + (t−t0)·ldv …], c values
// then zeros up to ldv.
func WinogradInputU16(v []int16, vs, ldv int, src []uint16, h, w, c, tw, t0, t1 int) {
	if !winogradInputU16(v, vs, ldv, src, h, w, c, tw, t0, t1) {
		winogradInputU16Generic(v, vs, ldv, src, h, w, c, tw, t0, t1)
	}
}

func winogradInputU16Generic(v []int16, vs, ldv int, src []uint16, h, w, c, tw, t0, t1 int) {
	for t := t0; t < t1; t++ {
		y0, x0 := 2*(t/tw)-1, 2*(t%tw)-1
		row := (t - t0) * ldv
		for ch := range ldv {
			var d [4][4]int32
			if ch < c {
				for y := range 4 {
					for x := range 4 {
						if iy, ix := y0+y, x0+x; iy >= 0 && iy < h && ix >= 0 && ix < w {
							d[y][x] = int32(src[(iy*w+ix)*c+ch])
						}
					}
				}
			}
			var b [4][4]int32 // Bᵀ·d
			for x := range 4 {
				b[0][x] = d[0][x] - d[2][x]
				b[1][x] = d[1][x] + d[2][x]
				b[2][x] = d[2][x] - d[1][x]
				b[3][x] = d[1][x] - d[3][x]
			}
			for i := range 4 { // (Bᵀ·d)·B
				v[(4*i+0)*vs+row+ch] = int16(b[i][0] - b[i][2])
				v[(4*i+1)*vs+row+ch] = int16(b[i][1] + b[i][2])
				v[(4*i+2)*vs+row+ch] = int16(b[i][2] - b[i][1])
				v[(4*i+3)*vs+row+ch] = int16(b[i][1] - b[i][3])
			}
		}
	}
}

// WinogradOutput finishes tiles t0…t1: Y = Aᵀ M A / 4 from the 16 int32
// matrices at m (position ξ at m[ξ·ms …], tile t at row t−t0, stride ldm),
// then the int8 epilogue on each output pixel inside h×w, written to out
// (h×w, stride ldo ≥ n, HWC; ep.Residual indexed like out).
func WinogradOutput(out []float32, ldo int, m []int32, ms, ldm, h, w, n, tw, t0, t1 int, ep *Epilogue) {
	if !winogradOutput(out, ldo, m, ms, ldm, h, w, n, tw, t0, t1, ep) {
		winogradOutputGeneric(out, ldo, m, ms, ldm, h, w, n, tw, t0, t1, ep)
	}
}

func winogradOutputGeneric(out []float32, ldo int, m []int32, ms, ldm, h, w, n, tw, t0, t1 int, ep *Epilogue) {
	for t := t0; t < t1; t++ {
		y0, x0 := 2*(t/tw), 2*(t%tw)
		row := (t - t0) * ldm
		for o := range n {
			var a [2][4]int32 // Aᵀ·M
			for j := range 4 {
				m0, m1, m2, m3 := m[j*ms+row+o], m[(4+j)*ms+row+o], m[(8+j)*ms+row+o], m[(12+j)*ms+row+o]
				a[0][j] = m0 + m1 + m2
				a[1][j] = m1 - m2 - m3
			}
			for i := range 2 { // (Aᵀ·M)·A
				y := y0 + i
				if y >= h {
					break
				}
				for j, acc := range [2]int32{a[i][0] + a[i][1] + a[i][2], a[i][1] - a[i][2] - a[i][3]} {
					x := x0 + j
					if x >= w {
						break
					}
					p := (y*w + x) * ldo
					out[p+o] = ep.finish(float32(acc>>2)*ep.Scale[o], y*w+x, o, ldo)
				}
			}
		}
	}
}
