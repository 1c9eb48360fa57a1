//go:build js && wasm

package main

// currentMemoryPages is the wasm memory.size instruction (memory_wasm.s):
// the runtime has the same function but does not export it.
func currentMemoryPages() int32

func linearMemoryBytes() uint64 { return uint64(currentMemoryPages()) * 65536 }
