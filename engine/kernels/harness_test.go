package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// What every kernel family's harness shares: implementation tables (the
// pure-Go twin, and the public entry point, whose SIMD use checkDispatch
// verifies), output buffers between guard regions, and case names that say
// what a case is for, so that -run can pick one (-run 'GemmU16S8/dispatch/k_eq_8').

// impl is one implementation of a kernel with signature F: the twin, called
// directly (id twinOnly), or the public function of kernel id.
type impl[F any] struct {
	name string
	id   kernelID
	f    F
}

func implsOf[F any](id kernelID, twin, public F) []impl[F] {
	return []impl[F]{{"generic", twinOnly, twin}, {"dispatch", id, public}}
}

type elem interface {
	~uint8 | ~uint16 | ~int8 | ~int16 | ~int32 | ~float32
}

// guardLen elements sit before and after every output: at least one 16-byte
// vector of the widest element, so that a SIMD store one vector early or
// late lands in a guard.
const guardLen = 16

// guarded is an output of n elements between two guard regions, all filled
// with mark; the output's capacity ends at its length.
type guarded[T elem] struct {
	buf  []T
	mark T
}

func newGuarded[T elem](n int, mark T) *guarded[T] {
	g := &guarded[T]{buf: make([]T, guardLen+n+guardLen), mark: mark}
	for i := range g.buf {
		g.buf[i] = mark
	}
	return g
}

func (g *guarded[T]) out() []T {
	end := len(g.buf) - guardLen
	return g.buf[guardLen:end:end]
}

// check fails t if anything was written in either guard region.
func (g *guarded[T]) check(t testing.TB) {
	t.Helper()
	end := len(g.buf) - guardLen
	for i := range guardLen {
		if g.buf[i] != g.mark {
			t.Fatalf("wrote %v at %d elements before the output", g.buf[i], guardLen-i)
		}
		if g.buf[end+i] != g.mark {
			t.Fatalf("wrote %v at %d elements past the output", g.buf[end+i], i)
		}
	}
}

// checkRows checks the guards, then that nothing was written in the gap
// past cols of each of rows rows of stride ld, and calls each for every
// element in the rows' first cols.
func (g *guarded[T]) checkRows(t testing.TB, rows, cols, ld int, each func(i, j int, v T)) {
	t.Helper()
	g.check(t)
	out := g.out()
	for i := range rows {
		for j := range ld {
			v := out[i*ld+j]
			if j < cols {
				each(i, j, v)
			} else if v != g.mark {
				t.Fatalf("wrote %v in the gap after row %d at column %d", v, i, j)
			}
		}
	}
}

// sameAs checks the guards, then that the output equals want (the twin's,
// usually) element for element.
func (g *guarded[T]) sameAs(t testing.TB, want []T) {
	t.Helper()
	g.check(t)
	if i := firstDiff(g.out(), want); i >= 0 {
		t.Fatalf("differs at %d: %v, twin %v", i, g.out()[i], want[i])
	}
}

// eachImplCase runs body as the subtest impl/case of every implementation
// and case.
func eachImplCase[F any, C interface{ caseName() string }](t *testing.T, impls []impl[F], cases []C, body func(*testing.T, impl[F], C)) {
	for _, impl := range impls {
		t.Run(impl.name, func(t *testing.T) {
			for _, c := range cases {
				t.Run(c.caseName(), func(t *testing.T) { body(t, impl, c) })
			}
		})
	}
}

// markF32 fills outputs and gaps that must survive a float32 kernel.
const markF32 = 12345.678

// vs names n by its relation to a kernel's step s: lt, eq, div (a multiple)
// or gt (past a multiple, with a remainder).
func vs(dim string, n, s int) string {
	switch {
	case n < s:
		return fmt.Sprintf("%s_lt_%d", dim, s)
	case n == s:
		return fmt.Sprintf("%s_eq_%d", dim, s)
	case n%s == 0:
		return fmt.Sprintf("%s_div_%d", dim, s)
	}
	return fmt.Sprintf("%s_gt_%d", dim, s)
}

// rng is a generator seeded by a case's numbers, so that a case picked
// with -run sees the data it sees in the full run.
func rng(seed ...int) *rand.Rand {
	var s uint64 = 1469598103934665603
	for _, v := range seed {
		s = (s ^ uint64(v)) * 1099511628211
	}
	return rand.New(rand.NewPCG(s, 0x5eed))
}

func randF32(r *rand.Rand, n int, lo, hi float32) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = lo + (hi-lo)*r.Float32()
	}
	return v
}

// randU16 is n activations in 0…top.
func randU16(r *rand.Rand, n int, top int) []uint16 {
	v := make([]uint16, n)
	for i := range v {
		v[i] = uint16(r.IntN(top + 1))
	}
	return v
}

// actTop is the largest activation GemmU16S8 may multiply with the packed
// weights wq (n channels, Kp kp) without a sum leaving int32 (the bound
// engine/resnet/levels.go enforces); wide is 4 for a Winograd layer, whose
// result is 4× the accumulator.
func actTop[W int8 | int16](wq []W, n, kp int, wide int64) int {
	l1 := max(1, RowL1O8K2(wq, n, kp))
	return int(min(ActMax, math.MaxInt32/(wide*l1)))
}

// randS8 is n int8 weights in ±127, the quantiser's range.
func randS8(r *rand.Rand, n int) []int8 {
	v := make([]int8, n)
	for i := range v {
		v[i] = int8(r.IntN(255) - 127)
	}
	return v
}

func firstDiff[T comparable](a, b []T) int {
	for i := range a {
		if a[i] != b[i] {
			return i
		}
	}
	return -1
}
