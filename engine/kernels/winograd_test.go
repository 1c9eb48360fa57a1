package kernels

import (
	"fmt"
	"math"
	"slices"
	"testing"
)

// The Winograd family: the whole convolution against the direct one, then
// each of its kernels (weights, input, output transforms) against its twin
// on the raw intermediate buffers, so that a difference names its kernel.
// Its GEMM, GemmS16S16, is in the GEMM family.

type winogradCase struct {
	name       string
	h, w, c, n int
}

func (c winogradCase) caseName() string { return c.name }

// winogradCases: odd and even sides (a last tile row or column half
// outside), sides below one tile, channel counts around the SIMD kernels'
// 8-channel input step and 4-channel output step, odd C (a padding column),
// partial weight panels, and the ResNet shapes.
var winogradCases = func() []winogradCase {
	var cs []winogradCase
	for _, hw := range [][2]int{{1, 1}, {1, 2}, {2, 2}, {3, 3}, {4, 5}, {7, 7}, {8, 6}} {
		h, w := hw[0], hw[1]
		side := "even_sides"
		switch {
		case h < 2 || w < 2:
			side = "below_tile"
		case h%2 == 1 || w%2 == 1:
			side = "odd_edge"
		}
		for _, c := range []int{1, 2, 3, 8, 9, 17, 18} {
			for _, n := range []int{1, 4, 7, 8, 12, 17} {
				cs = append(cs, winogradCase{fmt.Sprintf("%s_%s_%s_%dx%dx%d_n%d", side, vs("c", c, 8), vs("n", n, 4), h, w, c, n), h, w, c, n})
			}
		}
	}
	return append(cs,
		winogradCase{"resnet_14x14x64", 14, 14, 64, 64},
		winogradCase{"resnet_7x7x128", 7, 7, 128, 24},
		winogradCase{"resnet_5x3x256", 5, 3, 256, 16})
}()

// randConv3x3 is random int8 weights of a 3×3 convolution to n channels,
// packed O8K2, and a random h×w×c image of values up to the largest the
// weights allow (winogradTop).
func randConv3x3(r interface{ IntN(int) int }, h, w, c, n int) ([]uint16, []int8) {
	wf := make([]int8, max(n, 1)*9*c)
	for i := range wf {
		wf[i] = int8(r.IntN(255) - 127)
	}
	wq := PackO8K2(wf, max(n, 1), 9*c)
	top := winogradTop(wq, max(n, 1), c)
	src := make([]uint16, h*w*c)
	for i := range src {
		src[i] = uint16(r.IntN(top + 1))
	}
	return src, wq
}

// winogradTop is the largest input a stride-1 3×3 layer with weights wq may
// take (the bound engine/resnet/levels.go enforces): 4·Y and every
// transformed sum within int32, ±4·top within int16.
func winogradTop[W int8 | int16](wq []W, n, c int) int {
	top := actTop(wq, n, PaddedK2(9*c), 4)
	if u := WinogradWeightsL1(wq, n, c); u > 0 {
		top = min(top, int(math.MaxInt32/(4*u)))
	}
	return top
}

// directConv3x3 is the reference: im2col and the int8 GEMM twin.
func directConv3x3(out []float32, src []uint16, h, w, c int, wq []int8, n int, ep *Epilogue) {
	kp := PaddedK2(9 * c)
	col := make([]uint16, h*w*kp)
	im2colGeneric(col, kp, src, h, w, c, 3, 1, 1, 0)
	gemmU16S8Generic(out, n, col, kp, h*w, kp, wq, n, ep, make([]int64, WorkspaceU16S8(kp)))
}

// TestConv3x3Winograd checks the whole Winograd convolution, as the forward
// pass runs it (the SIMD kernels where linked, each checked to have run),
// against the direct convolution bit for bit, with the tiles split between
// two calls and in chunks of 4 and of the default size.
func TestConv3x3Winograd(t *testing.T) {
	for _, sc := range winogradCases {
		t.Run(sc.name, func(t *testing.T) {
			h, w, c, n := sc.h, sc.w, sc.c, sc.n
			r := rng(h, w, c, n)
			src, wq := randConv3x3(r, h, w, c, n)
			var u []int16
			checkDispatch(t, kWinogradWeights, c%2 == 0, func() { u = WinogradWeights(wq, n, c) })
			tiles, _ := WinogradTiles(h, w)
			// One workspace per part, as two workers would have, reused
			// across cases: a fresh 2 MB one per call is garbage the
			// single-threaded wasm runtime's GC can fall behind on.
			wss := [2]*WinogradWorkspace{NewWinogradWorkspace(c, n), NewWinogradWorkspace(c, n)}
			defaultChunk := wss[0].chunk
			for _, e := range []struct {
				name      string
				res, relu bool
			}{{"plain", false, false}, {"residual_relu", true, true}} {
				ep := Epilogue{Scale: randF32(r, n, 0.001, 0.01), Bias: randF32(r, n, -1, 1), ReLU: e.relu}
				if e.res {
					ep.Residual = randF32(r, h*w*n, -2, 2)
				}
				want := make([]float32, h*w*n)
				directConv3x3(want, src, h, w, c, wq, n, &ep)
				for _, chunk := range []int{4, 0} {
					t.Run(fmt.Sprintf("%s_chunk%d", e.name, chunk), func(t *testing.T) {
						got := newGuarded(h*w*n, float32(markF32))
						gotMax := float32(math.Inf(-1))
						ep := ep
						ep.Max = &gotMax
						for i, part := range [][2]int{{0, tiles / 2}, {tiles / 2, tiles}} {
							ws := wss[i]
							ws.chunk = defaultChunk
							if chunk != 0 {
								ws.chunk = chunk
							}
							conv := func() { Conv3x3Winograd(got.out(), src, h, w, c, u, n, &ep, part[0], part[1], ws) }
							if part[0] == part[1] {
								conv() // no tiles: no kernel runs
								continue
							}
							checkDispatch(t, kWinogradConv, true, conv)
						}
						got.check(t)
						wantMax := float32(math.Inf(-1))
						for i, g := range got.out() {
							if math.Float32bits(g) != math.Float32bits(want[i]) {
								t.Fatalf("[%d] = %v, direct %v", i, g, want[i])
							}
							wantMax = max(wantMax, want[i])
						}
						if gotMax != wantMax {
							t.Fatalf("running maximum %v, want %v", gotMax, wantMax)
						}
					})
				}
			}
		})
	}
}

// TestConv3x3WinogradExtremes drives the transforms to their range: the
// largest inputs the weights allow against ±127 weights in the sign pattern
// that maximises the transformed values — with many channels, where the
// sums approach int32, and with few, where the inputs reach ActMax and the
// transformed inputs ±4·ActMax, the edge of int16 — where a narrower
// intermediate or a lost bit in the exactness argument would show.
func TestConv3x3WinogradExtremes(t *testing.T) {
	for _, c := range []int{512, 64, 2} {
		t.Run(fmt.Sprintf("c%d", c), func(t *testing.T) { testWinogradExtremes(t, c) })
	}
}

func testWinogradExtremes(t *testing.T, c int) {
	const h, w, n = 6, 6, 8
	wf := make([]int8, n*9*c)
	for i := range wf {
		tap := (i / c) % 9
		wf[i] = []int8{127, -127, 127, -127, 127, -127, 127, -127, 127}[tap]
		if i/(9*c) >= n/2 {
			wf[i] = 127 // another panel half all-positive: the largest sums
		}
	}
	wq := PackO8K2(wf, n, 9*c)
	top := winogradTop(wq, n, c)
	if c == 2 && top != ActMax {
		t.Fatalf("c=2: inputs up to %d, want ActMax", top)
	}
	src := make([]uint16, h*w*c)
	for i := range src {
		src[i] = uint16(top)
		if (i/c)%3 == 1 {
			src[i] = 0
		}
	}
	ep := Epilogue{Scale: slices.Repeat([]float32{1}, n), Bias: make([]float32, n)}
	want, got := make([]float32, h*w*n), newGuarded(h*w*n, float32(markF32))
	directConv3x3(want, src, h, w, c, wq, n, &ep)
	tiles, _ := WinogradTiles(h, w)
	var u []int16
	checkDispatch(t, kWinogradWeights, true, func() { u = WinogradWeights(wq, n, c) })
	checkDispatch(t, kWinogradConv, true, func() {
		Conv3x3Winograd(got.out(), src, h, w, c, u, n, &ep, 0, tiles, NewWinogradWorkspace(c, n))
	})
	got.check(t)
	if i := firstDiff(got.out(), want); i >= 0 {
		t.Fatalf("[%d] = %v, direct %v", i, got.out()[i], want[i])
	}
}

// TestWinogradWeights compares the weight transform with its twin; odd c
// is the twin's (the SIMD kernel needs whole O8K2 pairs of channels).
func TestWinogradWeights(t *testing.T) {
	impls := implsOf(kWinogradWeights, winogradWeightsGeneric[int8], winogradWeightsInto)
	eachImplCase(t, impls, winogradCases, func(t *testing.T, impl impl[func([]int16, []int8, int, int)], sc winogradCase) {
		n, c := sc.n, sc.c
		_, wq := randConv3x3(rng(n, c), 1, 1, c, n)
		size := 16 * PaddedN(n) * PaddedK2(c)
		want, got := make([]int16, size), newGuarded(size, int16(-7))
		clear(got.out()) // the transform leaves K padding as it finds it: zero, from WinogradWeights
		winogradWeightsGeneric(want, wq, n, c)
		checkDispatch(t, impl.id, c%2 == 0, func() { impl.f(got.out(), wq, n, c) })
		got.sameAs(t, want)
	})
}

// TestWinogradInputU16 compares the input transform with its twin over a
// tile range not starting at 0, with gaps between positions that must stay
// untouched.
func TestWinogradInputU16(t *testing.T) {
	impls := implsOf(kWinogradInputU16, winogradInputU16Generic, WinogradInputU16)
	eachImplCase(t, impls, winogradCases, func(t *testing.T, impl impl[func([]int16, int, int, []uint16, int, int, int, int, int, int)], sc winogradCase) {
		h, w, c := sc.h, sc.w, sc.c
		tiles, tw := WinogradTiles(h, w)
		cp := PaddedK2(c)
		t0, t1 := tiles/3, tiles
		vs := (t1-t0)*cp + 5
		src, _ := randConv3x3(rng(h, w, c), h, w, c, 0)
		want, got := slices.Repeat([]int16{-7}, 16*vs), newGuarded(16*vs, int16(-7))
		winogradInputU16Generic(want, vs, cp, src, h, w, c, tw, t0, t1)
		checkDispatch(t, impl.id, true, func() { impl.f(got.out(), vs, cp, src, h, w, c, tw, t0, t1) })
		got.sameAs(t, want)
	})
}

// TestWinogradOutput compares the inverse transform and its epilogue with
// the twin, on any int32 values (not only multiples of 4: the kernels must
// agree on all), with and without residual and ReLU, running maximum
// included.
func TestWinogradOutput(t *testing.T) {
	for _, impl := range implsOf(kWinogradOutput, winogradOutputGeneric, WinogradOutput) {
		t.Run(impl.name, func(t *testing.T) {
			for _, sc := range winogradCases {
				for e, ename := range []string{"plain", "residual_relu"} {
					t.Run(sc.name+"/"+ename, func(t *testing.T) {
						h, w, n := sc.h, sc.w, sc.n
						r := rng(h, w, n, e)
						tiles, tw := WinogradTiles(h, w)
						np := PaddedN(n)
						t0, t1 := tiles/3, tiles
						ms := (t1-t0)*np + 3
						m := make([]int32, 16*ms)
						for i := range m {
							m[i] = int32(r.Uint32())
						}
						ldo := n + 1
						ep := Epilogue{Scale: randF32(r, n, 0.001, 0.01), Bias: randF32(r, n, -1, 1), ReLU: e == 1}
						if e == 1 {
							ep.Residual = randF32(r, h*w*ldo, -2, 2)
						}
						want, got := slices.Repeat([]float32{markF32}, h*w*ldo), newGuarded(h*w*ldo, float32(markF32))
						wantMax, gotMax := float32(-1e30), float32(-1e30)
						epw := ep
						epw.Max = &wantMax
						ep.Max = &gotMax
						winogradOutputGeneric(want, ldo, m, ms, np, h, w, n, tw, t0, t1, &epw)
						checkDispatch(t, impl.id, true, func() { impl.f(got.out(), ldo, m, ms, np, h, w, n, tw, t0, t1, &ep) })
						got.check(t)
						for i, g := range got.out() {
							if math.Float32bits(g) != math.Float32bits(want[i]) {
								t.Fatalf("differs at %d: %v, twin %v", i, g, want[i])
							}
						}
						if math.Float32bits(gotMax) != math.Float32bits(wantMax) {
							t.Fatalf("running maximum %v, twin %v", gotMax, wantMax)
						}
					})
				}
			}
		})
	}
}

// TestConv3x3WinogradWide: wide weights up to ±WinogradWideMax, whose
// transforms reach the edge of int16, give the direct convolution's bits
// (im2col and GemmU16S16) through the same Winograd kernels.
func TestConv3x3WinogradWide(t *testing.T) {
	for _, sc := range []struct{ h, w, c, n int }{{6, 6, 8, 8}, {7, 5, 64, 16}, {14, 14, 33, 10}} {
		t.Run(fmt.Sprintf("h%d_w%d_c%d_n%d", sc.h, sc.w, sc.c, sc.n), func(t *testing.T) {
			h, w, c, n := sc.h, sc.w, sc.c, sc.n
			r := rng(h, w, c, n)
			wf := make([]int16, n*9*c)
			for i := range wf {
				wf[i] = int16(r.IntN(2*WinogradWideMax+1) - WinogradWideMax)
				if i < 9*c { // channel 0 at the extremes, all one sign: the largest transforms
					wf[i] = WinogradWideMax
				}
			}
			wq := PackO8K2(wf, n, 9*c)
			top := winogradTop(wq, n, c)
			src := make([]uint16, h*w*c)
			for i := range src {
				src[i] = uint16(r.IntN(top + 1))
			}
			ep := Epilogue{Scale: randF32(r, n, 0.001, 0.01), Bias: randF32(r, n, -1, 1), ReLU: true}
			kp := PaddedK2(9 * c)
			col := make([]uint16, h*w*kp)
			im2colGeneric(col, kp, src, h, w, c, 3, 1, 1, 0)
			want := make([]float32, h*w*n)
			gemmU16S16Generic(want, n, col, kp, h*w, kp, wq, n, &ep, make([]int64, WorkspaceU16S8(kp)))
			u := WinogradWeightsWide(wq, n, c)
			tiles, _ := WinogradTiles(h, w)
			got := newGuarded(h*w*n, float32(markF32))
			checkDispatch(t, kWinogradConv, true, func() {
				Conv3x3Winograd(got.out(), src, h, w, c, u, n, &ep, 0, tiles, NewWinogradWorkspace(c, n))
			})
			got.check(t)
			if i := firstDiff(got.out(), want); i >= 0 {
				t.Fatalf("[%d] = %v, direct %v (inputs up to %d)", i, got.out()[i], want[i], top)
			}
			t.Logf("inputs up to %d", top)
		})
	}
}
