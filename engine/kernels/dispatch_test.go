package kernels

import (
	"fmt"
	"testing"
)

// fataler is the part of testing.T that checkDispatch uses, so that a test
// can show it fails.
type fataler interface {
	Helper()
	Fatalf(format string, args ...any)
}

// twinOnly marks an implementation table's entry that calls a twin directly:
// no hook is involved, so there is no dispatch to check.
const twinOnly kernelID = -1

// checkDispatch runs call, which makes one or more calls of kernel k's public
// function, and fails unless the SIMD kernel took every one of them exactly
// when it should: when SIMD is in use and takes says the SIMD kernel handles
// this case (false for the shapes its hook is documented to decline).
// Under RESNET_KERNELS=generic, or after SetSIMD(false), every call must be a
// counted fallback; natively the hooks decline without counting.
func checkDispatch(t fataler, k kernelID, takes bool, call func()) {
	t.Helper()
	if k == twinOnly {
		call()
		return
	}
	before := dispatched[k]
	call()
	simd, twin := dispatched[k].simd-before.simd, dispatched[k].twin-before.twin
	want := SIMD() && takes
	switch {
	case hooksCount && simd+twin == 0:
		t.Fatalf("%v: the call never reached its architecture hook", k)
	case want && twin != 0:
		t.Fatalf("%v: SIMD should have run: it took %d calls and left %d to the twin", k, simd, twin)
	case !want && simd != 0:
		t.Fatalf("%v: SIMD ran %d times where the twin should have (SIMD in use: %v, kernel takes the case: %v)", k, simd, SIMD(), takes)
	}
}

// failures records what checkDispatch would have failed with.
type failures []string

func (f *failures) Helper() {}
func (f *failures) Fatalf(format string, args ...any) {
	*f = append(*f, fmt.Sprintf(format, args...))
}

// TestCheckDispatchFails shows the check can fail: a call the hook sends to
// the twin although the SIMD kernel should take it (what a too strict bounds
// check would do), a SIMD run where the twin was due, and a call that
// bypasses the hook. Only where SIMD kernels are linked: elsewhere no
// hook counts.
func TestCheckDispatchFails(t *testing.T) {
	if !SIMD() {
		t.Skip("no SIMD kernels linked")
	}
	t.Cleanup(func() { _ = SetSIMD(true) })
	dst, src := make([]uint16, 4), make([]float32, 4)
	quantize := func() { QuantizeU16(dst, src, 1, 0, ActMax) }
	for _, c := range []struct {
		name  string
		takes bool
		call  func()
	}{
		{"declined", true, func() { _ = SetSIMD(false); quantize(); _ = SetSIMD(true) }},
		{"unexpected_simd", false, quantize},
		{"bypassed", true, func() { quantizeU16Generic(dst, src, 1, 0, ActMax) }},
	} {
		var f failures
		checkDispatch(&f, kQuantizeU16, c.takes, c.call)
		if len(f) != 1 {
			t.Errorf("%s: checkDispatch reported %q, want one failure", c.name, f)
		}
	}
	checkDispatch(t, kQuantizeU16, true, quantize)
}
