package imagenet

import (
	"strings"
	"testing"
)

func TestLabels(t *testing.T) {
	l := Labels()
	if len(l) != Classes {
		t.Fatalf("%d labels, want %d", len(l), Classes)
	}
	// Spot checks at indices everyone knows from ImageNet demos.
	for i, want := range map[int]string{0: "tench", 1: "goldfish", 281: "tabby", 967: "espresso", 999: "toilet tissue"} {
		if l[i] != want {
			t.Errorf("label %d = %q, want %q", i, l[i], want)
		}
	}
	seen := map[string]int{}
	for i, s := range l {
		if s == "" || s != strings.TrimSpace(s) || strings.ContainsAny(s, "\r\n\t") {
			t.Errorf("label %d %q is empty or has stray whitespace", i, s)
		}
		if j, ok := seen[s]; ok {
			t.Errorf("label %q at %d and %d", s, j, i)
		}
		seen[s] = i
	}
}

func TestLabelsIsACopy(t *testing.T) {
	a := Labels()
	a[0] = "changed"
	if b := Labels(); b[0] != "tench" {
		t.Fatalf("Labels shares its backing array: got %q after a caller's write", b[0])
	}
}
