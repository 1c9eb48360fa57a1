//go:build js && wasm

package main

import (
	"bytes"
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
// engine/kernels/wat/run_go_test.mjs (this package's -exec) says which in
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

func TestProbe(t *testing.T) {
	s := &state{} // probe needs no model
	photo := func(name string) js.Value {
		t.Helper()
		b, err := os.ReadFile("../testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		return u8(b)
	}
	// The stored size, before EXIF orientation: this photo is 512×600 upright.
	v := call(s, s.probe, photo("photos/grace_hopper_exif6.jpg"))
	if v.Get("format").String() != "jpeg" || v.Get("width").Int() != 600 || v.Get("height").Int() != 512 {
		t.Errorf("probe(grace_hopper_exif6.jpg) = %s %v×%v, want jpeg 600×512", v.Get("format"), v.Get("width"), v.Get("height"))
	}
	v = call(s, s.probe, photo("photos/chelsea.png"))
	if v.Get("format").String() != "png" || v.Get("width").Int() != 451 || v.Get("height").Int() != 300 {
		t.Errorf("probe(chelsea.png) = %s %v×%v, want png 451×300", v.Get("format"), v.Get("width"), v.Get("height"))
	}
	// The same refusals as the command line's decode, before any decoding.
	wantError(t, call(s, s.probe, photo("bad/heic.heic")), "format", "not an image type")
	wantError(t, call(s, s.probe, photo("bad/bomb.png")), "image", "pixel limit")
	wantError(t, call(s, s.probe, u8(nil)), "image", "empty")
	wantError(t, call(s, s.probe, "not bytes"), "argument", "Uint8Array")
}

// TestInfoHasPreprocessSizes loads the default model when it is there: the
// worker reads resize from info to choose the browser's downscale size.
func TestInfoHasPreprocessSizes(t *testing.T) {
	b, err := os.ReadFile("../weights/resnet50-keras.rnm")
	if err != nil {
		if os.Getenv("RESNET_REQUIRE_WEIGHTS") != "" {
			t.Fatal(err)
		}
		t.Skipf("no default model (make weights): %v", err)
	}
	s := &state{}
	v := call(s, s.load, u8(b))
	if !v.Get("error").IsUndefined() {
		t.Fatalf("load: %s", v.Get("error"))
	}
	for _, info := range []js.Value{v.Get("info"), call(s, s.info)} {
		if got := [2]int{info.Get("resize").Int(), info.Get("crop").Int()}; got != [2]int{256, 224} {
			t.Errorf("info resize, crop = %v, want [256 224]", got)
		}
	}
}

// TestWarmup runs the warm-up the worker calls: its tiny image must go
// through every step without an error value.
func TestWarmup(t *testing.T) {
	s := &state{}
	v := call(s, s.warmup)
	if !v.Get("error").IsUndefined() {
		t.Fatalf("warmup: %s", v.Get("error"))
	}
	if v.Get("ms").Type() != js.TypeNumber {
		t.Errorf("warmup ms = %v, want a number", v.Get("ms"))
	}
}

// TestExpectThenLoad gives expect a model file's head, as the worker does
// while the rest downloads: load then gives what it gives without, and a
// head that is not a model's is an error value that leaves load unaffected.
func TestExpectThenLoad(t *testing.T) {
	b, err := os.ReadFile("../weights/resnet50-keras.rnm")
	if err != nil {
		if os.Getenv("RESNET_REQUIRE_WEIGHTS") != "" {
			t.Fatal(err)
		}
		t.Skipf("no default model (make weights): %v", err)
	}
	plain := &state{}
	want := call(plain, plain.load, u8(b)).Get("info")

	s := &state{}
	wantError(t, call(s, s.expect, u8([]byte("not a model file, and long enough to have a header of 64 bytes"))), "model", "magic")
	metaLen := int(b[12]) | int(b[13])<<8 | int(b[14])<<16 | int(b[15])<<24
	v := call(s, s.expect, u8(b[:64+metaLen]))
	if !v.Get("error").IsUndefined() || v.Get("bytes").Int() != len(b) {
		t.Fatalf("expect = %v %v, want {bytes: %d}", v.Get("error"), v.Get("bytes"), len(b))
	}
	buf := s.next.buf
	got := call(s, s.load, u8(b))
	if !got.Get("error").IsUndefined() {
		t.Fatalf("load after expect: %s", got.Get("error"))
	}
	for _, k := range []string{"name", "depth", "classes", "bytes", "quant", "resize", "crop"} {
		if a, b := got.Get("info").Get(k).String(), want.Get(k).String(); a != b {
			t.Errorf("info.%s = %s after expect, %s without", k, a, b)
		}
	}
	if s.next != nil || !bytes.Equal(buf, b) {
		t.Error("load did not copy the file into the buffer expect made")
	}
}

// TestHoldAndCommit loads a model aside, as the worker does while the page
// verifies it: nothing uses it until commit(true); commit(false) drops it.
func TestHoldAndCommit(t *testing.T) {
	b, err := os.ReadFile("../weights/resnet50-keras.rnm")
	if err != nil {
		if os.Getenv("RESNET_REQUIRE_WEIGHTS") != "" {
			t.Fatal(err)
		}
		t.Skipf("no default model (make weights): %v", err)
	}
	photo, err := os.ReadFile("../testdata/photos/coffee.jpg")
	if err != nil {
		t.Fatal(err)
	}
	s := &state{}
	wantError(t, call(s, s.commit, true), "nomodel", "no model is waiting")
	if v := call(s, s.load, u8(b), true); !v.Get("error").IsUndefined() || v.Get("info").Get("depth").Int() != 50 {
		t.Fatalf("load with hold = %v", v)
	}
	if v := call(s, s.info); !v.IsNull() {
		t.Errorf("info while held = %v, want null", v)
	}
	wantError(t, call(s, s.classify, u8(photo), 5), "nomodel", "no model")
	if v := call(s, s.commit, false); !v.IsNull() {
		t.Errorf("commit(false) = %v, want null", v)
	}
	wantError(t, call(s, s.commit, true), "nomodel", "no model is waiting")

	call(s, s.load, u8(b), true)
	if v := call(s, s.commit, true); v.Get("info").Get("depth").Int() != 50 {
		t.Fatalf("commit(true) = %v", v)
	}
	if v := call(s, s.classify, u8(photo), 5); !v.Get("error").IsUndefined() || v.Get("top").Get("0").Get("index").Int() != 967 {
		t.Errorf("classify after commit = %v, want espresso first", v)
	}
}
