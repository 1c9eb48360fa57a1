package main

import (
	"strconv"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestDisplay(t *testing.T) {
	for in, want := range map[string]string{
		"coffee.jpg":         "coffee.jpg",
		"tabby, tabby cat":   "tabby, tabby cat",
		"café ☕ 猫":           "café ☕ 猫",
		"\x1b[31mred":        `"\x1b[31mred"`,
		"a\nb":               `"a\nb"`,
		"\u202egnp.exe":      `"\u202egnp.exe"`,
		string([]byte{0xff}): `"\xff"`,
		"tab\there":          `"tab\there"`,
		"":                   "",
	} {
		if got := display(in); got != want {
			t.Errorf("display(%q) = %s, want %s", in, got, want)
		}
	}
}

// FuzzDisplay: what display returns has no rune a terminal acts on, and
// says exactly what the input was.
func FuzzDisplay(f *testing.F) {
	for _, s := range []string{"coffee.jpg", "\x1b]0;x\a", "\u202e", "\xff\xfe", "a\u0085b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := display(s)
		for _, r := range out {
			if !unicode.IsGraphic(r) || r == utf8.RuneError {
				t.Fatalf("display(%q) = %q carries %U", s, out, r)
			}
		}
		if out == s {
			return
		}
		if back, err := strconv.Unquote(out); err != nil || back != s {
			t.Fatalf("display(%q) = %s unquotes to %q, %v", s, out, back, err)
		}
	})
}
