//go:build js && wasm

package main

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"testing"

	"github.com/inbrowser-ai/resnet/engine/modelfile"
	"github.com/inbrowser-ai/resnet/tools/convert/encode"
	"github.com/inbrowser-ai/resnet/tools/convert/net"
)

func tinyModel(t *testing.T, n *net.Network) []byte {
	t.Helper()
	b, err := encode.Encode(n, modelfile.Int8, modelfile.Source{Format: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func randomNet() *net.Network {
	return net.Random(modelfile.Basic, modelfile.StrideOn3x3, [4]int{2, 2, 2, 2}, 8, 10, 3)
}

func reseal(b []byte) []byte {
	sum := sha256.Sum256(b[modelfile.HeaderSize:])
	copy(b[24:56], sum[:])
	return b
}

// head builds the start of a model file whose JSON section is meta: what
// expect sees of a download.
func head(t *testing.T, meta *modelfile.Meta, fileLen uint64) []byte {
	t.Helper()
	js, err := json.Marshal(meta)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, modelfile.HeaderSize, modelfile.HeaderSize+len(js))
	copy(b, modelfile.Magic)
	binary.LittleEndian.PutUint32(b[8:], modelfile.Version)
	binary.LittleEndian.PutUint32(b[12:], uint32(len(js)))
	binary.LittleEndian.PutUint64(b[16:], fileLen)
	return append(b, js...)
}

func photoBytes(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile("../testdata/photos/coffee.jpg")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A model file that claims more than the page can afford is refused with
// an error value before anything is allocated for it — the 33 KB file
// whose header claimed 4 GiB used to end the Go instance — and the model
// in use keeps working.
func TestOversizedModelRefused(t *testing.T) {
	good := tinyModel(t, randomNet())
	s := &state{}
	if v := call(s, s.load, u8(good)); !v.Get("error").IsUndefined() {
		t.Fatalf("load: %s", v.Get("error"))
	}
	f, err := modelfile.Parse(good, modelfile.Trusted)
	if err != nil {
		t.Fatal(err)
	}
	end := modelfile.HeaderSize + int(binary.LittleEndian.Uint32(good[12:]))

	// The header claims 4 GiB over a file of a few kilobytes.
	lying := append([]byte(nil), good...)
	binary.LittleEndian.PutUint64(lying[16:], 1<<32)
	wantError(t, call(s, s.expect, u8(lying[:end])), "model", "malformed")
	wantError(t, call(s, s.load, u8(reseal(lying))), "model", "malformed")

	// A tensor table that accounts for 900 MB, consistently.
	big := *f.Meta
	big.Tensors = append([]modelfile.Tensor(nil), f.Meta.Tensors...)
	last := &big.Tensors[len(big.Tensors)-1]
	last.Size = 900<<20 - last.Offset
	wantError(t, call(s, s.expect, u8(head(t, &big, 900<<20))), "model", "budget is 512 MiB")

	// A small, consistent file whose JSON asks for a 1024-pixel crop after
	// a 4096-pixel resize: more run state than the page allows.
	wide := *f.Meta
	wide.Pre.Resize, wide.Pre.Crop = 4096, 1024
	wantError(t, call(s, s.expect, u8(head(t, &wide, uint64(len(good))))), "model", "budget")

	if s.next != nil {
		t.Error("a refused head left a buffer behind")
	}
	if v := call(s, s.classify, u8(photoBytes(t)), 3); !v.Get("error").IsUndefined() {
		t.Errorf("classify with the previous model after the refusals: %s", v.Get("error"))
	}
}

// A checksum-valid model with a NaN scale is refused at load with an error
// value; the previous model stays in use, held or not. One whose output
// overflows is refused at classify time with code "model", never shown as
// an answer.
func TestImplausibleModelKeepsPrevious(t *testing.T) {
	good := tinyModel(t, randomNet())
	s := &state{}
	want := call(s, s.load, u8(good)).Get("info")
	photo := u8(photoBytes(t))
	before := call(s, s.classify, photo, 3).Get("top").Get("0").Get("index").Int()

	bad := append([]byte(nil), good...)
	f, err := modelfile.Parse(bad, modelfile.Trusted)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := f.Tensor("layer3.1.conv2.scale")
	if err != nil {
		t.Fatal(err)
	}
	binary.LittleEndian.PutUint32(bad[sc.Offset:], math.Float32bits(float32(math.NaN())))
	reseal(bad)
	for _, hold := range []bool{false, true} {
		wantError(t, call(s, s.load, u8(bad), hold), "model", "layer3.1.conv2.scale[0]")
	}
	wantError(t, call(s, s.commit, true), "nomodel", "no model is waiting")
	if got := call(s, s.info); got.Get("name").String() != want.Get("name").String() || got.Get("bytes").Int() != want.Get("bytes").Int() {
		t.Errorf("info after the refusal = %v, want the previous model's", got)
	}
	if v := call(s, s.classify, photo, 3); v.Get("top").Get("0").Get("index").Int() != before {
		t.Errorf("classify after the refusal = %v, want the previous answer %d", v, before)
	}

	n := randomNet()
	grow := func(c *net.Conv) {
		for i := range c.Weight {
			c.Weight[i] *= 2000
		}
	}
	grow(n.Stem)
	for _, stage := range n.Stages {
		for _, b := range stage {
			grow(b.Conv1)
			grow(b.Conv2)
		}
	}
	if v := call(s, s.load, u8(tinyModel(t, n))); !v.Get("error").IsUndefined() {
		t.Fatalf("load of a model within every bound: %s", v.Get("error"))
	}
	wantError(t, call(s, s.classify, photo, 3), "model", "non-finite")
}
