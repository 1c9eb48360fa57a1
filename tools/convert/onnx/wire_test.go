package onnx

import (
	"os"
	"path/filepath"
	"runtime/metrics"
	"strings"
	"syscall"
	"testing"
	"unsafe"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	pb "github.com/inbrowser-ai/resnet/tools/convert/onnx/onnxpb"
)

func allocated(f func()) uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(s)
	before := s[0].Value.Uint64()
	f()
	metrics.Read(s)
	return s[0].Value.Uint64() - before
}

func TestMessageCost(t *testing.T) {
	if n := unsafe.Sizeof(pb.NodeProto{}); n > messageCost {
		t.Errorf("NodeProto is %d bytes, messageCost %d", n, messageCost)
	}
}

// model wraps a serialised GraphProto into a ModelProto.
func modelProto(graph []byte) []byte {
	b := protowire.AppendTag(nil, 1, protowire.VarintType)
	b = protowire.AppendVarint(b, 8)
	b = protowire.AppendTag(b, 7, protowire.BytesType)
	return protowire.AppendBytes(b, graph)
}

// emptyNodes is a graph of n empty NodeProtos: 2 bytes of file each.
func emptyNodes(n int) []byte {
	g := make([]byte, 0, 2*n)
	for i := 0; i < n; i++ {
		g = append(g, 0x0a, 0x00) // field 1 (node), length 0
	}
	return modelProto(g)
}

// TestEmptyNodes: 2.2 MB of empty nodes would cost Unmarshal over 200 MB;
// the wire walk refuses them first, at the message limit.
func TestEmptyNodes(t *testing.T) {
	b := emptyNodes(1<<20 + 10)
	var err error
	alloc := allocated(func() { _, err = ReadBytes(b) })
	want := "more than 1048576 protobuf messages (the limit"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("error %v, want one containing %q", err, want)
	}
	if alloc > 1<<20 {
		t.Errorf("refusing it allocated %d bytes", alloc)
	}
	// What it would have cost: a tenth of them, unmarshalled.
	var m pb.ModelProto
	small := emptyNodes(100_000)
	cost := allocated(func() { proto.Unmarshal(small, &m) })
	t.Logf("%d bytes of empty nodes: %.1f MB unmarshalled", len(small), float64(cost)/1e6)
	if cost < 100_000*100 {
		t.Errorf("unmarshalling 100 000 empty nodes took only %d bytes: the reason for the limit is gone", cost)
	}
}

// TestPackedAmplification: one-byte varints in a packed int64 list cost 8
// bytes each once decoded; the estimate counts them so.
func TestPackedAmplification(t *testing.T) {
	dims := make([]byte, 1<<20) // a million zeros: a million int64 dims
	tensor := protowire.AppendTag(nil, 1, protowire.BytesType)
	tensor = protowire.AppendBytes(tensor, dims)
	g := protowire.AppendTag(nil, 5, protowire.BytesType) // initializer
	g = protowire.AppendBytes(g, tensor)
	b := modelProto(g)
	lim := defaultWireLimits()
	lim.bytes = 4 << 20
	err := checkWire(b, (&pb.ModelProto{}).ProtoReflect().Descriptor(), lim)
	if err == nil || !strings.Contains(err.Error(), "decoding it would take about 8 MiB, over the limit of 4 MiB") {
		t.Fatalf("error %v", err)
	}
	lim.bytes = 16 << 20
	if err := checkWire(b, (&pb.ModelProto{}).ProtoReflect().Descriptor(), lim); err != nil {
		t.Fatalf("under the limit: %v", err)
	}
}

// TestNestedGraphs: graphs nest through attributes (If, Loop); the walk
// stops at its depth limit rather than recursing on.
func TestNestedGraphs(t *testing.T) {
	g := []byte{}
	for i := 0; i < 100; i++ {
		attr := protowire.AppendTag(nil, 6, protowire.BytesType) // AttributeProto.g
		attr = protowire.AppendBytes(attr, g)
		node := protowire.AppendTag(nil, 5, protowire.BytesType) // NodeProto.attribute
		node = protowire.AppendBytes(node, attr)
		g = protowire.AppendTag(nil, 1, protowire.BytesType) // GraphProto.node
		g = protowire.AppendBytes(g, node)
	}
	_, err := ReadBytes(modelProto(g))
	if err == nil || !strings.Contains(err.Error(), "messages nested more than 64 deep (the limit)") {
		t.Fatalf("error %v", err)
	}
}

// TestRealExportsPass: the parity exports are well inside every limit.
func TestRealExportsPass(t *testing.T) {
	for _, f := range []string{"resnet18-w8.onnx", "resnet50-w4-folded.onnx"} {
		b, err := os.ReadFile("../../../testdata/parity/" + f)
		if err != nil {
			t.Fatal(err)
		}
		c := wireCost{lim: defaultWireLimits()}
		if err := c.walk(b, (&pb.ModelProto{}).ProtoReflect().Descriptor(), 0); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %d bytes, %d messages, estimate %d bytes", f, len(b), c.messages, c.bytes)
		if c.bytes < int64(len(b)) || c.bytes > 2*int64(len(b)) {
			t.Errorf("estimate %d for a file of %d bytes", c.bytes, len(b))
		}
	}
}

// FuzzCheckWire: whatever the bytes, the walk ends, and when it accepts
// bytes that Unmarshal decodes, its estimate bounds what Unmarshal really
// allocates.
func FuzzCheckWire(f *testing.F) {
	b, err := os.ReadFile("../../../testdata/parity/resnet18-w8-folded.onnx")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b[:4096])
	f.Add(emptyNodes(10))
	md := (&pb.ModelProto{}).ProtoReflect().Descriptor()
	f.Fuzz(func(t *testing.T, b []byte) {
		c := wireCost{lim: wireLimits{messages: 10000, bytes: 1 << 24, depth: 16}}
		if err := c.walk(b, md, 0); err != nil {
			return
		}
		// The counter is the process's: while fuzzing, the worker's own
		// goroutines allocate at the same time (a 1437-byte input once
		// "allocated" 554 kB). Unmarshal's allocations are the same on every
		// run, so the least of three is its own.
		var uerr error
		alloc := ^uint64(0)
		for range 3 {
			var m pb.ModelProto
			alloc = min(alloc, allocated(func() { uerr = proto.Unmarshal(b, &m) }))
		}
		// The heap counters move a span at a time: allow 64 kB of slack.
		if uerr == nil && int64(alloc) > 2*c.bytes+64<<10 {
			t.Fatalf("%d bytes: estimate %d, Unmarshal allocated %d", len(b), c.bytes, alloc)
		}
	})
}

// TestReadRegularFilesOnly: a pipe would block the open, a device be read
// without end.
func TestReadRegularFilesOnly(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "x.onnx")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{fifo, "/dev/zero", t.TempDir()} {
		if _, err := Read(p); err == nil || !strings.Contains(err.Error(), "is not a regular file") {
			t.Errorf("%s: %v", p, err)
		}
	}
}
