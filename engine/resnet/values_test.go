package resnet_test

import (
	"crypto/sha256"
	"encoding/binary"
	"math"
	"strings"
	"testing"

	"github.com/inbrowser-ai/resnet/engine/modelfile"
	"github.com/inbrowser-ai/resnet/engine/resnet"
	"github.com/inbrowser-ai/resnet/tools/convert/encode"
	"github.com/inbrowser-ai/resnet/tools/convert/net"
)

// setFloat overwrites element i of an f32 tensor in a model file's bytes and
// reseals the checksum, as someone who edits a file on purpose would.
func setFloat(t *testing.T, b []byte, tensor string, i int, v float32) []byte {
	t.Helper()
	b = append([]byte(nil), b...)
	f, err := modelfile.Parse(b, modelfile.Trusted)
	if err != nil {
		t.Fatal(err)
	}
	tn, err := f.Tensor(tensor)
	if err != nil {
		t.Fatal(err)
	}
	binary.LittleEndian.PutUint32(b[tn.Offset+4*int64(i):], math.Float32bits(v))
	sum := sha256.Sum256(b[modelfile.HeaderSize:])
	copy(b[24:56], sum[:])
	return b
}

// A checksum-valid file whose scales, biases or f32 weights are NaN,
// infinite or absurdly large is refused when the network is built, with the
// tensor named; the untouched file loads.
func TestNonFiniteParametersRefused(t *testing.T) {
	n := net.Random(modelfile.Basic, modelfile.StrideOn3x3, [4]int{2, 2, 2, 2}, 8, 10, 5)
	int8File, err := encode.Encode(n, modelfile.Int8, modelfile.Source{Format: "test"})
	if err != nil {
		t.Fatal(err)
	}
	f32File, err := encode.Encode(n, modelfile.F32, modelfile.Source{Format: "test"})
	if err != nil {
		t.Fatal(err)
	}
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	for _, tc := range []struct {
		name   string
		file   []byte
		tensor string
		i      int
		v      float32
		want   string
	}{
		{"NaN scale", int8File, "layer2.1.conv1.scale", 3, nan, "layer2.1.conv1.scale[3]"},
		{"Inf scale", int8File, "conv1.scale", 0, inf, "conv1.scale[0]"},
		{"negative scale", int8File, "layer1.0.conv2.scale", 1, -0.5, "layer1.0.conv2.scale[1]"},
		{"huge scale", int8File, "fc.scale", 2, 1e30, "fc.scale[2]"},
		{"NaN bias", int8File, "layer4.1.conv2.bias", 7, nan, "layer4.1.conv2.bias[7]"},
		{"-Inf fc bias", int8File, "fc.bias", 9, float32(math.Inf(-1)), "fc.bias[9]"},
		{"huge bias", int8File, "layer3.0.downsample.bias", 0, -3e38, "layer3.0.downsample.bias[0]"},
		{"NaN f32 weight", f32File, "layer3.0.conv1.w", 100, nan, "layer3.0.conv1.w[100]"},
		{"huge f32 weight", f32File, "fc.w", 5, 1e20, "fc.w[5]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := modelfile.Parse(setFloat(t, tc.file, tc.tensor, tc.i, tc.v), modelfile.Verify)
			if err != nil {
				t.Fatal(err) // the file itself is well formed
			}
			_, err = resnet.New(f)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error naming %s", err, tc.want)
			}
		})
	}
	for _, b := range [][]byte{int8File, f32File} {
		f, err := modelfile.Parse(b, modelfile.Verify)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := resnet.New(f); err != nil {
			t.Errorf("the untouched file: %v", err)
		}
	}
}
