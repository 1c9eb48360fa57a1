package kernels

import (
	"fmt"
	"math"
	"testing"
)

// The element-wise family: QuantizeU8 and MaxF32/MaxAbsF32.

var quantizeU8Impls = implsOf(kQuantizeU8, quantizeU8Generic, QuantizeU8)

// TestQuantizeU8 pins the rounding and clamping on chosen values, twice
// over so that the SIMD kernel's 16-wide body sees every case, not only its
// scalar tail.
func TestQuantizeU8(t *testing.T) {
	nan := float32(math.NaN())
	for _, impl := range quantizeU8Impls {
		t.Run(impl.name, func(t *testing.T) {
			for _, c := range []struct {
				name string
				src  []float32
				zp   int32
				want []uint8
			}{
				{"round_half_up_zp0", []float32{0, 0.49, 0.5, 1.5, 254.4, 254.5, 300, -1, nan, -0.5}, 0,
					[]uint8{0, 0, 1, 2, 254, 255, 255, 0, 0, 0}},
				{"clamp_zp128", []float32{-128, -127.6, 0, 127}, 128, []uint8{0, 0, 128, 255}},
			} {
				t.Run(c.name, func(t *testing.T) {
					src := c.src
					for len(src) < 20 {
						src = append(src, c.src...)
					}
					out := newGuarded(len(src), uint8(99))
					checkDispatch(t, impl.id, true, func() { impl.f(out.out(), src, 1, c.zp) })
					out.check(t)
					for i, q := range out.out() {
						if want := c.want[i%len(c.want)]; q != want {
							t.Errorf("element %d: %v → %d, want %d", i, src[i], q, want)
						}
					}
				})
			}
		})
	}
}

// TestQuantizeU8Twins compares QuantizeU8 with its twin byte for byte over
// every length up to two SIMD blocks and a tail, special values included.
func TestQuantizeU8Twins(t *testing.T) {
	special := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), -0.0, 1e30, -1e30,
		254.99998, 255, -0.99999, 0.5, 127.5, math.MaxFloat32, math.SmallestNonzeroFloat32}
	for n := 0; n <= 40; n++ {
		for _, zp := range []int32{0, 128} {
			t.Run(fmt.Sprintf("%s_len%d_zp%d", vs("len", n, 16), n, zp), func(t *testing.T) {
				r := rng(n, int(zp))
				src := randF32(r, n, -300, 300)
				for i := range src {
					if r.IntN(4) == 0 {
						src[i] = special[r.IntN(len(special))]
					}
				}
				inv := 0.3 + r.Float32()
				want, got := newGuarded(n, uint8(99)), newGuarded(n, uint8(99))
				quantizeU8Generic(want.out(), src, inv, zp)
				// An empty slice is left to the twin: there is nothing to do.
				checkDispatch(t, kQuantizeU8, n > 0, func() { QuantizeU8(got.out(), src, inv, zp) })
				got.check(t)
				if i := firstDiff(got.out(), want.out()); i >= 0 {
					t.Fatalf("inv %v: element %d (%v) → %d, twin %d", inv, i, src[i], got.out()[i], want.out()[i])
				}
			})
		}
	}
}

func TestMaxF32Twins(t *testing.T) {
	for n := 0; n <= 37; n++ {
		for _, abs := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s_len%d_abs%v", vs("len", n, 16), n, abs), func(t *testing.T) {
				x := randF32(rng(n), n, -5, 3)
				var got float32
				checkDispatch(t, kMaxF32, n > 0, func() { got = maxOf(x, abs) })
				if want := maxF32Generic(x, abs); got != want {
					t.Fatalf("%v, twin %v", got, want)
				}
			})
		}
	}
	t.Run("all_negative", func(t *testing.T) {
		var got float32
		checkDispatch(t, kMaxF32, true, func() { got = MaxF32([]float32{-1, -2, -3, -4, -5}) })
		if got != 0 || math.Signbit(float64(got)) {
			t.Errorf("%v, want +0", got)
		}
	})
	t.Run("abs", func(t *testing.T) {
		var got float32
		checkDispatch(t, kMaxF32, true, func() { got = MaxAbsF32([]float32{1, -7, 3, 2, 6}) })
		if got != 7 {
			t.Errorf("MaxAbsF32 = %v, want 7", got)
		}
	})
}

func TestQuantizeRowsInt8(t *testing.T) {
	w := []float32{0, 0, 0, 1, -2, 0.5, 127, -127, 63.5}
	q, s := QuantizeRowsInt8(w, 3, 3)
	if s[0] != 0 || q[0] != 0 || q[1] != 0 || q[2] != 0 {
		t.Errorf("all-zero row: scale %v, q %v", s[0], q[:3])
	}
	if q[4] != -127 || q[3] != 64 || q[5] != 32 { // 1/(2/127)=63.5 → 64 (half away from zero)
		t.Errorf("row 1: %v scale %v", q[3:6], s[1])
	}
	if s[2] != 1 || q[6] != 127 || q[7] != -127 || q[8] != 64 {
		t.Errorf("row 2: %v scale %v", q[6:9], s[2])
	}
}
