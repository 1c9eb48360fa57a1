//go:build js && wasm

package main

import (
	"os"
	"strings"
	"syscall/js"
	"testing"
)

// call invokes a handler the way the worker does, through guard.
func call(s *state, f func([]js.Value) (any, error), args ...any) js.Value {
	vals := make([]js.Value, len(args))
	for i, a := range args {
		vals[i] = js.ValueOf(a)
	}
	return js.ValueOf(s.guard(f)(js.Undefined(), vals))
}

func u8(b []byte) js.Value {
	a := js.Global().Get("Uint8Array").New(len(b))
	js.CopyBytesToJS(a, b)
	return a
}

func wantError(t *testing.T, v js.Value, code, substr string) {
	t.Helper()
	if v.Type() != js.TypeObject || v.Get("error").IsUndefined() {
		t.Fatalf("got %v, want an error value", v)
	}
	if got := v.Get("code").String(); got != code {
		t.Errorf("code %q, want %q (%s)", got, code, v.Get("error").String())
	}
	if msg := v.Get("error").String(); !strings.Contains(msg, substr) {
		t.Errorf("message %q lacks %q", msg, substr)
	}
}

func TestErrorsAreValues(t *testing.T) {
	s := &state{}
	wantError(t, call(s, s.classify, u8([]byte{1, 2, 3}), 5), "nomodel", "no model")
	wantError(t, call(s, s.classifyRGBA, u8(make([]byte, 16)), 2, 2, 8, 5), "nomodel", "no model")
	wantError(t, call(s, s.load, "not bytes"), "argument", "Uint8Array")
	wantError(t, call(s, s.load), "argument", "Uint8Array")
	wantError(t, call(s, s.load, u8([]byte("definitely not a model file, far too short"))), "model", "magic")
	if v := call(s, s.info); !v.IsNull() {
		t.Errorf("info with no model = %v, want null", v)
	}
}

func TestArgumentChecks(t *testing.T) {
	s := &state{}
	if _, err := intArg([]js.Value{js.ValueOf(2.5)}, 0, "k", 1, 10); err == nil {
		t.Error("k = 2.5 accepted")
	}
	if _, err := intArg([]js.Value{js.ValueOf(11)}, 0, "k", 1, 10); err == nil {
		t.Error("k = 11 accepted with hi 10")
	}
	if n, err := intArg([]js.Value{js.ValueOf(7)}, 0, "k", 1, 10); err != nil || n != 7 {
		t.Errorf("k = 7: %d, %v", n, err)
	}
	b, err := bytesArg([]js.Value{u8([]byte{9, 8, 7})}, 0, make([]byte, 0, 16))
	if err != nil || string(b) != "\x09\x08\x07" || cap(b) != 16 {
		t.Errorf("bytesArg = %v (cap %d), %v; want the scratch buffer reused", b, cap(b), err)
	}
	_ = s
}

func TestPanicBecomesError(t *testing.T) {
	s := &state{}
	v := js.ValueOf(s.guard(func([]js.Value) (any, error) { panic("boom") })(js.Undefined(), nil))
	wantError(t, v, "internal", "boom")
}

// TestKernelsReported checks that the info names the kernels the host linked:
// engine/kernels/wasm/run_go_test.mjs (this package's -exec) says which in
// RESNET_KERNELS_EXPECT; Go's own runner links nothing.
func TestKernelsReported(t *testing.T) {
	want := "go"
	if os.Getenv("RESNET_KERNELS_EXPECT") == "simd" {
		want = "simd"
	}
	if got := kernelsName(); got != want {
		t.Errorf("kernels %q, want %q (RESNET_KERNELS_EXPECT=%q)", got, want, os.Getenv("RESNET_KERNELS_EXPECT"))
	}
}
