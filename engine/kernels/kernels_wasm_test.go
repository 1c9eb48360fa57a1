//go:build js && wasm && !purego

package kernels

import (
	"os"
	"testing"
)

// TestSIMDLinked fails when the SIMD kernels were promised but the package
// fell back to its twins, so that a broken loader cannot pass the suite by
// testing the twins twice. The runner (wat/run_go_test.mjs) states what it
// linked in RESNET_KERNELS_EXPECT (generic, simd or relaxed); without a
// runner that says so, SIMD is what is expected.
func TestSIMDLinked(t *testing.T) {
	want := os.Getenv("RESNET_KERNELS_EXPECT") != "generic"
	if SIMD() != want {
		t.Fatalf("SIMD kernels in use: %v, expected %v (RESNET_KERNELS_EXPECT=%q)", SIMD(), want, os.Getenv("RESNET_KERNELS_EXPECT"))
	}
	if want {
		if err := SetSIMD(false); err != nil || SIMD() {
			t.Fatalf("SetSIMD(false): %v, SIMD() = %v", err, SIMD())
		}
		if err := SetSIMD(true); err != nil || !SIMD() {
			t.Fatalf("SetSIMD(true): %v, SIMD() = %v", err, SIMD())
		}
	} else if SetSIMD(true) == nil {
		t.Fatal("SetSIMD(true) succeeded without a kernel module")
	}
}
