package tensorfile

import (
	"math"
	"path/filepath"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	want := []float32{0, -1.5, float32(math.Inf(1)), math.SmallestNonzeroFloat32, 3e38}
	p := filepath.Join(t.TempDir(), "x.f32")
	if err := Write(p, want); err != nil {
		t.Fatal(err)
	}
	got, err := Read(p)
	if err != nil {
		t.Fatal(err)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("element %d: %v, want %v", i, got[i], want[i])
		}
	}
	if b := Encode([]float32{1}); b[3] != 0x3f || b[2] != 0x80 { // 1.0 = 0x3f800000, little-endian
		t.Fatalf("not little-endian: % x", b)
	}
	if _, err := Decode(make([]byte, 7)); err == nil {
		t.Fatal("7 bytes decoded")
	}
}
