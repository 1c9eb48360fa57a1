package kernels

import (
	"fmt"
	"math"
	"testing"
)

// The element-wise family: QuantizeU16 and MaxF32/MaxAbsF32.

var quantizeU16Impls = implsOf(kQuantizeU16, quantizeU16Generic, QuantizeU16)

// TestQuantizeU16 pins the rounding and clamping on chosen values, twice
// over so that the SIMD kernel's wide body sees every case, not only its
// scalar tail.
func TestQuantizeU16(t *testing.T) {
	nan := float32(math.NaN())
	for _, impl := range quantizeU16Impls {
		t.Run(impl.name, func(t *testing.T) {
			for _, c := range []struct {
				name     string
				src      []float32
				zp, qmax int32
				want     []uint16
			}{
				{"round_half_up_zp0", []float32{0, 0.49, 0.5, 1.5, 254.4, 254.5, 300, -1, nan, -0.5}, 0, 255,
					[]uint16{0, 0, 1, 2, 254, 255, 255, 0, 0, 0}},
				{"clamp_zp128", []float32{-128, -127.6, 0, 127}, 128, 255, []uint16{0, 0, 128, 255}},
				{"qmax_actmax", []float32{8190.4, 8190.5, 8191, 9000, 1e30, 4095.5, 256.5}, 0, ActMax,
					[]uint16{8190, 8191, 8191, 8191, 8191, 4096, 257}},
				{"qmax_odd_zp", []float32{-1500, -1000.2, 0, 999.4, 1000.6, 2000}, 1000, 2001,
					[]uint16{0, 0, 1000, 1999, 2001, 2001}},
			} {
				t.Run(c.name, func(t *testing.T) {
					src := c.src
					for len(src) < 20 {
						src = append(src, c.src...)
					}
					out := newGuarded(len(src), uint16(0x9999))
					checkDispatch(t, impl.id, true, func() { impl.f(out.out(), src, 1, c.zp, c.qmax) })
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

// TestQuantizeU16Twins compares QuantizeU16 with its twin value for value
// over every length up to two SIMD blocks and a tail, special values
// included.
func TestQuantizeU16Twins(t *testing.T) {
	special := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), -0.0, 1e30, -1e30,
		254.99998, 255, -0.99999, 0.5, 127.5, 8190.5, 8191, 4095.99, math.MaxFloat32, math.SmallestNonzeroFloat32}
	for n := 0; n <= 40; n++ {
		for _, q := range [][2]int32{{0, 255}, {128, 255}, {0, ActMax}, {1847, 3695}} {
			zp, qmax := q[0], q[1]
			t.Run(fmt.Sprintf("%s_len%d_zp%d_qmax%d", vs("len", n, 16), n, zp, qmax), func(t *testing.T) {
				r := rng(n, int(zp), int(qmax))
				src := randF32(r, n, -1.2*float32(qmax), 1.2*float32(qmax))
				for i := range src {
					if r.IntN(4) == 0 {
						src[i] = special[r.IntN(len(special))]
					}
				}
				inv := 0.3 + r.Float32()
				want, got := newGuarded(n, uint16(0x9999)), newGuarded(n, uint16(0x9999))
				quantizeU16Generic(want.out(), src, inv, zp, qmax)
				// An empty slice is left to the twin: there is nothing to do.
				checkDispatch(t, kQuantizeU16, n > 0, func() { QuantizeU16(got.out(), src, inv, zp, qmax) })
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
