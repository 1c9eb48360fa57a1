package modelfile

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"os"
	"strconv"
	"strings"
	"testing"
)

func TestDeclaredChecksum(t *testing.T) {
	b := testFile(t)
	sum, ok := DeclaredChecksum(b)
	if want := sha256.Sum256(b[HeaderSize:]); !ok || sum != want {
		t.Fatalf("DeclaredChecksum = %x, %v; want %x, true", sum, ok, want)
	}
	for _, c := range []struct {
		name string
		b    []byte
	}{
		{"empty", nil},
		{"bad_magic", append([]byte("RESNETG0"), b[8:]...)},
		{"truncated", b[:len(b)-1]},
		{"padded", append(bytes.Clone(b), 0)},
		{"header_only", b[:HeaderSize]},
	} {
		if sum, ok := DeclaredChecksum(c.b); ok {
			t.Errorf("%s: DeclaredChecksum = %x, true; want false", c.name, sum)
		}
	}
	// The rest of the header is not judged: a server lists what a newer
	// writer made, and the engine refuses it with the reason.
	newer := bytes.Clone(b)
	binary.LittleEndian.PutUint32(newer[8:], Version+1)
	if sum, ok := DeclaredChecksum(newer); !ok || sum != [32]byte(b[24:56]) {
		t.Errorf("another version: DeclaredChecksum = %x, %v", sum, ok)
	}
}

// TestPageReadsTheseVersions: the page's header reader (web/loader.js)
// accepts exactly the versions this reader does.
func TestPageReadsTheseVersions(t *testing.T) {
	src, err := os.ReadFile("../../web/loader.js")
	if err != nil {
		t.Fatal(err)
	}
	want := "const FORMAT_VERSIONS = ["
	for v := MinVersion; v <= Version; v++ {
		if v > MinVersion {
			want += ", "
		}
		want += strconv.Itoa(v)
	}
	want += "];"
	if !strings.Contains(string(src), want) {
		t.Errorf("web/loader.js does not declare %q", want)
	}
}
