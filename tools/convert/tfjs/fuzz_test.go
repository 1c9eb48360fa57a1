package tfjs

import (
	"testing"

	"github.com/inbrowser-ai/resnet/engine/modelfile"
)

// FuzzModelJSON feeds mutated model.json bytes, with the shards of a valid
// small ResNet-18 beside them, through the whole reader. It must return an
// error or a standard-depth network, never panic or hang. The seed is ~20 KB,
// so pass -fuzzminimizetime 2s: the default minute of minimising each new
// input looks like a stall.
func FuzzModelJSON(f *testing.F) {
	s := newSynth(modelfile.Basic, [4]int{2, 2, 2, 2})
	s.width = 1
	fsys := s.files(f, s.model())
	f.Add(fsys["model.json"].Data)
	f.Add([]byte(`{"format":"layers-model","modelTopology":{"class_name":"Model","config":{"layers":[{"name":"a","class_name":"InputLayer","config":{},"inbound_nodes":[]}],"input_layers":[["a",0,0]],"output_layers":[["a",0,0]]}},"weightsManifest":[{"paths":["x"],"weights":[]}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		n, err := fromBytes(b, fsys)
		if err != nil {
			return
		}
		if _, err := n.Depth(); err != nil {
			t.Fatalf("accepted a network of non-standard depth: %v", err)
		}
	})
}
