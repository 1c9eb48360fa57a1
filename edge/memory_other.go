//go:build !(js && wasm)

package main

func linearMemoryBytes() uint64 { return 0 }
