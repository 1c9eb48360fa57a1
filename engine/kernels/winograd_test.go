package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// Shapes for the Winograd convolution: odd and even sides (a last tile row
// or column half outside), sides below one tile, channel counts around the
// SIMD kernels' 8-channel input step and 4-channel output step, odd C (a
// padding column), partial weight panels, and the ResNet shapes.
var winogradShapes = func() [][4]int { // h, w, c, n
	var s [][4]int
	for _, hw := range [][2]int{{1, 1}, {1, 2}, {2, 2}, {3, 3}, {4, 5}, {7, 7}, {8, 6}} {
		for _, c := range []int{1, 2, 3, 8, 9, 17, 18} {
			for _, n := range []int{1, 4, 7, 8, 12, 17} {
				s = append(s, [4]int{hw[0], hw[1], c, n})
			}
		}
	}
	return append(s, [4]int{14, 14, 64, 64}, [4]int{7, 7, 128, 24}, [4]int{5, 3, 256, 16})
}()

// randConv3x3 is a random u8 h×w×c image and random int8 weights of a 3×3
// convolution to n channels, packed O8K2.
func randConv3x3(r *rand.Rand, h, w, c, n int) ([]uint8, []int8) {
	src := make([]uint8, h*w*c)
	for i := range src {
		src[i] = uint8(r.IntN(256))
	}
	wf := make([]int8, n*9*c)
	for i := range wf {
		wf[i] = int8(r.IntN(255) - 127)
	}
	return src, PackO8K2(wf, n, 9*c)
}

// directConv3x3 is the reference: im2col and the int8 GEMM twin.
func directConv3x3(out []float32, src []uint8, h, w, c int, wq []int8, n int, ep *Epilogue) {
	kp := PaddedK2(9 * c)
	col := make([]uint8, h*w*kp)
	im2colGeneric(col, kp, src, h, w, c, 3, 1, 1, 0)
	gemmU8S8Generic(out, n, col, kp, h*w, kp, wq, n, ep, make([]int64, WorkspaceU8S8(kp)))
}

// TestConv3x3Winograd checks the whole Winograd convolution, as the forward
// pass runs it (dispatch: the SIMD kernels where linked), against the direct
// convolution bit for bit, with the tiles split between two calls and in
// chunks of 4 and of the default size.
func TestConv3x3Winograd(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, sh := range winogradShapes {
		h, w, c, n := sh[0], sh[1], sh[2], sh[3]
		src, wq := randConv3x3(r, h, w, c, n)
		u := WinogradWeights(wq, n, c)
		for _, e := range []struct{ res, relu bool }{{false, false}, {true, true}} {
			ep := Epilogue{Scale: randF32(r, n, 0.001, 0.01), Bias: randF32(r, n, -1, 1), ReLU: e.relu}
			if e.res {
				ep.Residual = randF32(r, h*w*n, -2, 2)
			}
			want := make([]float32, h*w*n)
			directConv3x3(want, src, h, w, c, wq, n, &ep)
			tiles, _ := WinogradTiles(h, w)
			// One workspace per part, as two workers would have, reused
			// across cases: a fresh 2 MB one per call is garbage the
			// single-threaded wasm runtime's GC can fall behind on.
			wss := [2]*WinogradWorkspace{NewWinogradWorkspace(c, n), NewWinogradWorkspace(c, n)}
			defaultChunk := wss[0].chunk
			for _, chunk := range []int{4, 0} {
				name := fmt.Sprintf("h%d_w%d_c%d_n%d_res%v_chunk%d", h, w, c, n, e.res, chunk)
				got := make([]float32, h*w*n+1)
				got[h*w*n] = guard
				gotMax := float32(math.Inf(-1))
				ep := ep
				ep.Max = &gotMax
				for i, part := range [][2]int{{0, tiles / 2}, {tiles / 2, tiles}} {
					ws := wss[i]
					ws.chunk = defaultChunk
					if chunk != 0 {
						ws.chunk = chunk
					}
					Conv3x3Winograd(got, src, h, w, c, u, n, &ep, part[0], part[1], ws)
				}
				if got[h*w*n] != guard {
					t.Fatalf("%s: wrote past the output", name)
				}
				wantMax := float32(math.Inf(-1))
				for i := range want {
					if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
						t.Fatalf("%s: [%d] = %v, direct %v", name, i, got[i], want[i])
					}
					wantMax = max(wantMax, want[i])
				}
				if gotMax != wantMax {
					t.Fatalf("%s: running maximum %v, want %v", name, gotMax, wantMax)
				}
			}
		}
	}
}

// TestConv3x3WinogradExtremes drives the transforms to their range: full
// 255 inputs against ±127 weights in the sign pattern that maximises the
// transformed values, with many channels, where a narrower intermediate or
// a lost bit in the exactness argument would show.
func TestConv3x3WinogradExtremes(t *testing.T) {
	const h, w, c, n = 6, 6, 512, 8
	src := make([]uint8, h*w*c)
	for i := range src {
		src[i] = 255
		if (i/c)%3 == 1 {
			src[i] = 0
		}
	}
	wf := make([]int8, n*9*c)
	for i := range wf {
		tap := (i / c) % 9
		wf[i] = []int8{127, -127, 127, -127, 127, -127, 127, -127, 127}[tap]
		if i/(9*c) >= n/2 {
			wf[i] = 127 // another panel half all-positive: the largest sums
		}
	}
	wq := PackO8K2(wf, n, 9*c)
	ep := Epilogue{Scale: slices.Repeat([]float32{1}, n), Bias: make([]float32, n)}
	want, got := make([]float32, h*w*n), make([]float32, h*w*n)
	directConv3x3(want, src, h, w, c, wq, n, &ep)
	tiles, _ := WinogradTiles(h, w)
	Conv3x3Winograd(got, src, h, w, c, WinogradWeights(wq, n, c), n, &ep, 0, tiles, NewWinogradWorkspace(c, n))
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("[%d] = %v, direct %v", i, got[i], want[i])
		}
	}
}

// The Winograd kernels' twins against the entry points, one kernel at a
// time and on the raw intermediate buffers, so a difference names its
// kernel. Natively both sides are the twin.
func TestWinogradTwins(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, sh := range winogradShapes {
		h, w, c, n := sh[0], sh[1], sh[2], sh[3]
		name := fmt.Sprintf("h%d_w%d_c%d_n%d", h, w, c, n)
		tiles, tw := WinogradTiles(h, w)
		cp, np := PaddedK2(c), PaddedN(n)
		t0, t1 := tiles/3, tiles // a range not starting at 0
		mt := t1 - t0
		src, wq := randConv3x3(r, h, w, c, n)
		ug := make([]int16, 16*np*cp)
		winogradWeightsGeneric(ug, wq, n, c)
		ud := make([]int16, 16*np*cp)
		if ran := winogradWeights(ud, wq, n, c); ran != (SIMD() && c%2 == 0) {
			t.Fatalf("%s: the SIMD weight transform ran: %v, SIMD kernels linked: %v", name, ran, SIMD())
		} else if !ran {
			copy(ud, WinogradWeights(wq, n, c))
		}
		if i := firstDiff(ug, ud); i >= 0 {
			t.Fatalf("%s: weight transform differs at %d: dispatch %d, generic %d", name, i, ud[i], ug[i])
		}

		vs := mt*cp + 5 // gaps between positions must stay untouched
		fresh := func() []int16 { return slices.Repeat([]int16{-7}, 16*vs) }
		vg, vd := fresh(), fresh()
		winogradInputU8Generic(vg, vs, cp, src, h, w, c, tw, t0, t1)
		// The internal entry point, to learn whether the SIMD kernel took
		// the call rather than sending it to the twin.
		if ran := winogradInputU8(vd, vs, cp, src, h, w, c, tw, t0, t1); ran != SIMD() {
			t.Fatalf("%s: the SIMD input transform ran: %v, SIMD kernels linked: %v", name, ran, SIMD())
		} else if !ran {
			WinogradInputU8(vd, vs, cp, src, h, w, c, tw, t0, t1)
		}
		if i := firstDiff(vg, vd); i >= 0 {
			t.Fatalf("%s: input transform differs at %d: dispatch %d, generic %d", name, i, vd[i], vg[i])
		}

		a := make([]int16, mt*(cp+2))
		for i := range a {
			a[i] = int16(r.IntN(2041) - 1020)
		}
		wgt := make([]int16, np*cp)
		for i := range wgt {
			if i/(PanelN*cp)*PanelN+i%(2*PanelN)/2 < n { // zero past n, as packed
				wgt[i] = int16(r.IntN(2287) - 1143)
			}
		}
		ldo := np + 4
		mg, md := slices.Repeat([]int32{-9}, mt*ldo), slices.Repeat([]int32{-9}, mt*ldo)
		ws := make([]int64, WorkspaceS16S16(cp))
		gemmS16S16Generic(mg, ldo, a, cp+2, mt, cp, wgt, n, ws)
		GemmS16S16(md, ldo, a, cp+2, mt, cp, wgt, n, ws)
		if i := firstDiff(mg, md); i >= 0 {
			t.Fatalf("%s: GemmS16S16 differs at %d: dispatch %d, generic %d", name, i, md[i], mg[i])
		}
		for i := range mt {
			for j := range n {
				var s int32
				for k := range cp {
					s += int32(a[i*(cp+2)+k]) * int32(wgt[(j/PanelN)*PanelN*cp+(k/2)*2*PanelN+(j%PanelN)*2+k%2])
				}
				if mg[i*ldo+j] != s {
					t.Fatalf("%s: GemmS16S16 [%d][%d] = %d, want %d", name, i, j, mg[i*ldo+j], s)
				}
			}
		}

		ms := mt*np + 3
		m := make([]int32, 16*ms)
		for i := range m {
			m[i] = int32(r.Uint32()) // any int32, not only multiples of 4: the kernels must agree on all
		}
		for e := range 2 {
			ep := Epilogue{Scale: randF32(r, n, 0.001, 0.01), Bias: randF32(r, n, -1, 1), ReLU: e == 1}
			if e == 1 {
				ep.Residual = randF32(r, h*w*(n+1), -2, 2)
			}
			og, od := slices.Repeat([]float32{guard}, h*w*(n+1)), slices.Repeat([]float32{guard}, h*w*(n+1))
			mg, md := float32(-1e30), float32(-1e30)
			epg := ep
			epg.Max = &mg
			ep.Max = &md
			winogradOutputGeneric(og, n+1, m, ms, np, h, w, n, tw, t0, t1, &epg)
			if ran := winogradOutput(od, n+1, m, ms, np, h, w, n, tw, t0, t1, &ep); ran != SIMD() {
				t.Fatalf("%s: the SIMD output transform ran: %v, SIMD kernels linked: %v", name, ran, SIMD())
			} else if !ran {
				WinogradOutput(od, n+1, m, ms, np, h, w, n, tw, t0, t1, &ep)
			}
			for i := range og {
				if math.Float32bits(og[i]) != math.Float32bits(od[i]) {
					t.Fatalf("%s: output transform differs at %d: dispatch %v, generic %v", name, i, od[i], og[i])
				}
			}
			if math.Float32bits(mg) != math.Float32bits(md) {
				t.Fatalf("%s: running maximum: dispatch %v, generic %v", name, md, mg)
			}
		}
	}
}

func firstDiff[T comparable](a, b []T) int {
	for i := range a {
		if a[i] != b[i] {
			return i
		}
	}
	return -1
}
