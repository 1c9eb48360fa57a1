//go:build js && wasm

package main

import (
	"syscall/js"
	"time"
	"unsafe"

	"github.com/inbrowser-ai/resnet/engine"
)

// camArg is the optional flag after k: true asks for class activation maps.
func camArg(args []js.Value, i int) bool { return len(args) > i && args[i].Truthy() }

// addCAMs puts into a result value the class activation map of every class
// of its top-k — the page shows the top-1's and, on a click, another's
// without running the network again — as "cams": [{index, size: [h, w],
// map: Float32Array}], in the order of "top", and their cost as ms.cam.
func addCAMs(out map[string]any, m *engine.Model, r *engine.Result) error {
	t := time.Now()
	cams := make([]any, len(r.Top))
	for i, p := range r.Top {
		c, err := m.CAM(p.Index)
		if err != nil {
			return err
		}
		cams[i] = map[string]any{"index": c.Index, "size": []any{c.Size[0], c.Size[1]}, "map": float32Array(c.Map)}
	}
	out["cams"] = cams
	out["ms"].(map[string]any)["cam"] = float64(time.Since(t).Microseconds()) / 1000
	return nil
}

// float32Array copies v into a new Float32Array (WebAssembly memory is
// little-endian, as Float32Array is on every platform that runs it).
func float32Array(v []float32) js.Value {
	a := js.Global().Get("Float32Array").New(len(v))
	if len(v) > 0 {
		b := unsafe.Slice((*byte)(unsafe.Pointer(&v[0])), 4*len(v))
		js.CopyBytesToJS(js.Global().Get("Uint8Array").New(a.Get("buffer")), b)
	}
	return a
}
