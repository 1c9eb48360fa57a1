package modelfile

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"regexp"
	"strings"
	"testing"
)

// patchJSON replaces the first match of re in a model file's JSON section
// with repl padded by spaces to the same length (JSON ignores them), and
// reseals the checksum: a file edited on purpose, not a damaged one.
func patchJSON(t *testing.T, b []byte, re, repl string) []byte {
	t.Helper()
	b = bytes.Clone(b)
	end := HeaderSize + int(binary.LittleEndian.Uint32(b[12:]))
	loc := regexp.MustCompile(re).FindIndex(b[HeaderSize:end])
	if loc == nil {
		t.Fatalf("%s not in the JSON section", re)
	}
	old := loc[1] - loc[0]
	if len(repl) > old {
		t.Fatalf("replacement %q longer than %d bytes", repl, old)
	}
	copy(b[HeaderSize+loc[0]:], repl+strings.Repeat(" ", old-len(repl)))
	reseal(b)
	return b
}

func reseal(b []byte) {
	sum := sha256.Sum256(b[HeaderSize:])
	copy(b[24:56], sum[:])
}

// Values that no converter writes and that would make the engine compute
// garbage are refused, checksum or not: a depth that disagrees with the
// blocks, and a preprocessing mean or std that turns pixels into Inf/NaN.
func TestImplausibleMeta(t *testing.T) {
	good := testFile(t)
	for _, tc := range []struct {
		name, re, repl, want string
	}{
		{"ResNet-50 labelled 18", `"depth":18`, `"depth":50`, "depth 50 is bottleneck"},
		{"depth 19", `"depth":18`, `"depth":19`, "depth 19 is not"},
		{"basic blocks [3,4,6,3] as 18", `"stages":\[2,2,2,2\]`, `"stages":[3,4,6,3]`, "depth 18 is basic blocks [2 2 2 2]"},
		{"mean 3e38", `"mean":\[[^\]]*\]`, `"mean":[3e38,1,1]`, "mean"},
		{"negative std", `"std":\[[^\]]*\]`, `"std":[-58,57,57]`, "std"},
		{"std 1e-38", `"std":\[[^\]]*\]`, `"std":[1e-38,57,57]`, "std"},
		{"std 1e6", `"std":\[[^\]]*\]`, `"std":[57,1e6,57]`, "std"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := patchJSON(t, good, tc.re, tc.repl)
			_, err := Parse(b, Verify)
			if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want ErrMalformed saying %q", err, tc.want)
			}
		})
	}
	// The writer refuses them too, so no converter can make such a file.
	meta := Meta{Name: "t", Depth: 34, Block: Basic, Stride: StrideOn3x3, Width: 8, Stages: [4]int{2, 2, 2, 2},
		Classes: 1, Quant: F32, Pre: CaffePreprocess, Labels: []string{"x"}}
	if _, err := Write(meta, nil); err == nil || !strings.Contains(err.Error(), "depth 34") {
		t.Errorf("Write of a ResNet-18 labelled 34: %v", err)
	}
}

// The length in the header must be the one the tensor table accounts for:
// a 4 GiB claim over a file of a few kilobytes is refused from the head
// alone (before a host allocates for it) and in Parse.
func TestDeclaredLengthMatchesTable(t *testing.T) {
	good := testFile(t)
	le := binary.LittleEndian
	end := HeaderSize + int(le.Uint32(good[12:]))
	for _, claim := range []uint64{1 << 32, MaxFileLen + 1, MaxFileLen, uint64(len(good)) + 64} {
		b := bytes.Clone(good)
		le.PutUint64(b[16:], claim)
		if _, err := ReadHead(b[:end]); !errors.Is(err, ErrMalformed) {
			t.Errorf("ReadHead of a head claiming %d bytes: %v, want ErrMalformed", claim, err)
		}
		// The same file grown to its claim (sparse: zeros) is still refused.
		if claim < 1<<20 {
			grown := append(b, make([]byte, int(claim)-len(b))...)
			reseal(grown)
			if _, err := Parse(grown, Verify); !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "tensor table ends") {
				t.Errorf("Parse of a file padded to %d bytes: %v", claim, err)
			}
		}
	}
}
