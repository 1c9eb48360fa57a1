package kernels

import (
	"fmt"
	"testing"
)

// TestRowL1O8K2 checks the one-pass bound against Σ_k |W[n][k]| of the
// unpacked weights, for int8 and wide weights, partial last panels and odd K.
func TestRowL1O8K2(t *testing.T) {
	for _, sh := range []struct{ n, k int }{{1, 1}, {3, 5}, {8, 16}, {9, 27}, {17, 63}, {64, 576}, {100, 4608}} {
		r := rng(sh.n, sh.k)
		w8 := randS8(r, sh.n*sh.k)
		w16 := make([]int16, len(w8))
		for i := range w16 {
			w16[i] = int16(r.IntN(2*4095+1) - 4095)
		}
		t.Run(fmt.Sprintf("n%d_k%d", sh.n, sh.k), func(t *testing.T) {
			kp := PaddedK2(sh.k)
			if got, want := RowL1O8K2(PackO8K2(w8, sh.n, sh.k), sh.n, kp), rowL1Ref(w8, sh.n, sh.k); got != want {
				t.Errorf("int8: got %d, want %d", got, want)
			}
			if got, want := RowL1O8K2(PackO8K2(w16, sh.n, sh.k), sh.n, kp), rowL1Ref(w16, sh.n, sh.k); got != want {
				t.Errorf("int16: got %d, want %d", got, want)
			}
		})
	}
}

func rowL1Ref[T int8 | int16](w []T, n, k int) int64 {
	var most int64
	for o := range n {
		var s int64
		for _, v := range w[o*k : (o+1)*k] {
			s += abs64(v)
		}
		most = max(most, s)
	}
	return most
}

// TestWinogradWeightsL1 checks the panel-at-a-time bound against the sums of
// the whole layer's transformed weights (WinogradWeights, the SIMD kernel
// where linked, and the wide twin), with odd channel counts and a partial
// last panel.
func TestWinogradWeightsL1(t *testing.T) {
	for _, sh := range []struct{ n, c int }{{1, 1}, {3, 3}, {8, 2}, {9, 7}, {24, 64}, {13, 128}} {
		r := rng(sh.n, sh.c)
		w8 := randS8(r, sh.n*9*sh.c)
		w16 := make([]int16, len(w8))
		for i := range w16 {
			w16[i] = int16(r.IntN(2*WinogradWideMax+1) - WinogradWideMax)
		}
		t.Run(fmt.Sprintf("n%d_c%d", sh.n, sh.c), func(t *testing.T) {
			p8, p16 := PackO8K2(w8, sh.n, 9*sh.c), PackO8K2(w16, sh.n, 9*sh.c)
			if got, want := WinogradWeightsL1(p8, sh.n, sh.c), winogradL1Ref(WinogradWeights(p8, sh.n, sh.c), sh.n, sh.c); got != want {
				t.Errorf("int8: got %d, want %d", got, want)
			}
			if got, want := WinogradWeightsL1(p16, sh.n, sh.c), winogradL1Ref(WinogradWeightsWide(p16, sh.n, sh.c), sh.n, sh.c); got != want {
				t.Errorf("int16: got %d, want %d", got, want)
			}
		})
	}
}

// winogradL1Ref is max over ξ and n of Σ_c |U[ξ][n][c]|, read from the
// O8K2-packed U[ξ] one value at a time.
func winogradL1Ref(u []int16, n, c int) int64 {
	np, cp := PaddedN(n), PaddedK2(c)
	var most int64
	for xi := range 16 {
		for o := range n {
			var s int64
			for ch := range c {
				s += abs64(u[xi*np*cp+(o/PanelN)*PanelN*cp+(ch/2)*2*PanelN+(o%PanelN)*2+ch%2])
			}
			most = max(most, s)
		}
	}
	return most
}
