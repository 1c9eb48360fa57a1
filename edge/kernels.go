package main

import "github.com/inbrowser-ai/resnet/engine/kernels"

// kernelsHeader names, on every response, the kernels this Go instance runs:
// "simd" when entry.mjs linked the WebAssembly SIMD module (the engine's own
// answer, so a loader that silently failed shows up), "go" for the pure-Go
// twins (natively, -tags purego, or a host without SIMD).
const kernelsHeader = "X-Kernels"

func kernelsName() string {
	if kernels.SIMD() {
		return "simd"
	}
	return "go"
}
