//go:build js && wasm

package main

import (
	"os"
	"testing"
)

// classify(bytes, k, true) adds the map of every top-k class, as
// Float32Arrays holding the engine's values.
func TestClassifyCAMs(t *testing.T) {
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
	if v := call(s, s.load, u8(b)); !v.Get("error").IsUndefined() {
		t.Fatal(v.Get("error"))
	}
	if v := call(s, s.classify, u8(photo), 3); !v.Get("cams").IsUndefined() {
		t.Fatal("cams without being asked for")
	}
	v := call(s, s.classify, u8(photo), 3, true)
	if !v.Get("error").IsUndefined() {
		t.Fatal(v.Get("error"))
	}
	cams := v.Get("cams")
	if cams.Length() != 3 || v.Get("ms").Get("cam").Float() < 0 {
		t.Fatalf("cams %v, ms %v: want 3 maps and their time", cams, v.Get("ms"))
	}
	for i := range 3 {
		c, k := cams.Index(i), v.Get("top").Index(i).Get("index").Int()
		want, err := s.model.CAM(k)
		if err != nil {
			t.Fatal(err)
		}
		m := c.Get("map")
		if c.Get("index").Int() != k || c.Get("size").Index(0).Int() != 7 || c.Get("size").Index(1).Int() != 7 || m.Length() != 49 {
			t.Fatalf("cams[%d] = index %v size %v, %d values; want class %d, 7×7", i, c.Get("index"), c.Get("size"), m.Length(), k)
		}
		for j, w := range want.Map {
			if got := m.Index(j).Float(); got != float64(w) {
				t.Fatalf("cams[%d].map[%d] = %v, the engine's %v", i, j, got, w)
			}
		}
	}
}
