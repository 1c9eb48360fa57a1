package onnx

import (
	"errors"
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// maxFileBytes bounds an ONNX file: ResNet-152 in float64 is 482 MB.
const maxFileBytes = 1 << 30

// wireLimits bound what one ONNX file may make proto.Unmarshal build. A
// protobuf is compact where Go is not: an empty NodeProto is 2 bytes of
// file and 200 of Go, a one-byte varint in a packed int64 list 8, an empty
// string 24. So the file's size alone does not bound the memory; the wire
// format is walked first and what it would cost is counted.
type wireLimits struct {
	// messages bounds nodes, attributes, tensors and the like together:
	// a torchvision ResNet-152 export has about 4 000.
	messages int
	// bytes bounds the estimate of what Unmarshal allocates.
	bytes int64
	// depth bounds message nesting (graphs inside attributes inside
	// graphs): a ResNet has 4 levels.
	depth int
}

func defaultWireLimits() wireLimits {
	return wireLimits{messages: 1 << 20, bytes: 3 << 29, depth: 64}
}

// messageCost is what one message costs in Go, from above: a NodeProto,
// the largest ONNX message, is 200 bytes on amd64 (wire_test.go).
const messageCost = 256

// wireCost is what decoding a message would cost.
type wireCost struct {
	lim      wireLimits
	messages int
	bytes    int64
}

// checkWire walks b as a serialised md without building it and refuses it
// when what Unmarshal would build exceeds lim. Malformed input passes: it
// is Unmarshal's to judge and name.
func checkWire(b []byte, md protoreflect.MessageDescriptor, lim wireLimits) error {
	c := wireCost{lim: lim}
	if err := c.walk(b, md, 0); err != nil && !errors.Is(err, errMalformed) {
		return err
	}
	if c.bytes > lim.bytes {
		return fmt.Errorf("decoding it would take about %d MiB, over the limit of %d MiB", c.bytes>>20, lim.bytes>>20)
	}
	return nil
}

var errMalformed = errors.New("malformed protobuf")

func (c *wireCost) walk(b []byte, md protoreflect.MessageDescriptor, depth int) error {
	if depth > c.lim.depth {
		return fmt.Errorf("messages nested more than %d deep (the limit)", c.lim.depth)
	}
	if c.messages++; c.messages > c.lim.messages {
		return fmt.Errorf("more than %d protobuf messages (the limit; a ResNet-152 has about 4 000)", c.lim.messages)
	}
	c.bytes += messageCost
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return errMalformed
		}
		b = b[n:]
		n = protowire.ConsumeFieldValue(num, typ, b)
		if n < 0 {
			return errMalformed
		}
		val := b[:n]
		b = b[n:]
		fd := md.Fields().ByNumber(num)
		if fd == nil {
			c.bytes += int64(n) // kept as unknown bytes
			continue
		}
		switch {
		case typ == protowire.BytesType && (fd.Kind() == protoreflect.MessageKind || fd.Kind() == protoreflect.GroupKind):
			inner, _ := protowire.ConsumeBytes(val)
			if err := c.walk(inner, fd.Message(), depth+1); err != nil {
				return err
			}
		case typ == protowire.BytesType && fd.IsList() && fd.Kind() != protoreflect.StringKind && fd.Kind() != protoreflect.BytesKind:
			// A packed list of scalars: each element becomes 8 bytes at
			// most, however few it took on the wire.
			inner, _ := protowire.ConsumeBytes(val)
			c.bytes += 8 * packedCount(inner, fd.Kind())
		case typ == protowire.BytesType:
			c.bytes += 24 + int64(len(val)) // a string or []byte and its header
		default:
			c.bytes += 8
		}
	}
	return nil
}

// packedCount is the number of elements in a packed list of kind k.
func packedCount(b []byte, k protoreflect.Kind) int64 {
	switch k {
	case protoreflect.Fixed32Kind, protoreflect.Sfixed32Kind, protoreflect.FloatKind:
		return int64(len(b)) / 4
	case protoreflect.Fixed64Kind, protoreflect.Sfixed64Kind, protoreflect.DoubleKind:
		return int64(len(b)) / 8
	}
	var n int64
	for _, x := range b {
		if x < 0x80 { // the last byte of each varint
			n++
		}
	}
	return n
}
