package resnet_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/inbrowser-ai/resnet/engine/modelfile"
	"github.com/inbrowser-ai/resnet/engine/resnet"
	"github.com/inbrowser-ai/resnet/tools/convert/encode"
	"github.com/inbrowser-ai/resnet/tools/convert/net"
)

// An int8 file whose calibrated ranges are missing or inconsistent is
// refused with a message that names the layer, rather than run with
// made-up scales.
func TestActMaxChecked(t *testing.T) {
	buf, err := encode.Encode(net.Random(modelfile.Bottleneck, modelfile.StrideOn3x3, [4]int{3, 4, 6, 3}, 8, 5, 3), modelfile.Int8, modelfile.Source{Format: "test"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		mutate func(cs []modelfile.Conv)
		want   string
	}{
		{"missing", func(cs []modelfile.Conv) { cs[2].ActMax = 0 }, "no calibrated input range"},
		{"on the stem", func(cs []modelfile.Conv) { cs[0].ActMax = 3 }, "the stem has act_max"},
		{"shortcut differs", func(cs []modelfile.Conv) {
			for i := range cs {
				if strings.HasSuffix(cs[i].Name, "downsample") {
					cs[i].ActMax *= 2
				}
			}
		}, "they read the same tensor"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := modelfile.Parse(buf, modelfile.Trusted)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := resnet.New(f); err != nil {
				t.Fatalf("the file as written: %v", err)
			}
			tc.mutate(f.Meta.Convs)
			if _, err := resnet.New(f); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error saying %q", err, tc.want)
			}
		})
	}
}

// Observe sees every quantised activation once per image, by the name of
// the convolution that reads it, and a float model reads what it returns.
func TestObserve(t *testing.T) {
	n := randomNet(t, modelfile.Basic, [4]int{2, 2, 2, 2}, 8, 5, modelfile.F32)
	in := testInput(64, 64)
	want, err := n.Forward(append([]float32(nil), in...), 64, 64)
	if err != nil {
		t.Fatal(err)
	}
	want = append([]float32(nil), want...)
	var seen []string
	n.Observe(func(conv string, x []float32) []float32 {
		seen = append(seen, conv)
		return nil
	})
	got, err := n.Forward(in, 64, 64)
	if err != nil {
		t.Fatal(err)
	}
	wantSeen := []string{"conv1"}
	for s := 1; s <= 4; s++ {
		for b := range 2 {
			wantSeen = append(wantSeen, fmt.Sprintf("layer%d.%d.conv1", s, b), fmt.Sprintf("layer%d.%d.conv2", s, b))
		}
	}
	if strings.Join(seen, " ") != strings.Join(wantSeen, " ") {
		t.Fatalf("observed %v, want %v", seen, wantSeen)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("logit %d: %v with a passive observer, %v without", i, got[i], want[i])
		}
	}
	// Zeroing what layer4.1.conv2 reads leaves only its bias and the
	// identity shortcut: the logits must move.
	n.Observe(func(conv string, x []float32) []float32 {
		if conv == "layer4.1.conv2" {
			return make([]float32, len(x))
		}
		return nil
	})
	got, err = n.Forward(in, 64, 64)
	if err != nil {
		t.Fatal(err)
	}
	same := true
	for i := range want {
		same = same && got[i] == want[i]
	}
	if same {
		t.Fatal("a replaced input did not change the logits")
	}
}
