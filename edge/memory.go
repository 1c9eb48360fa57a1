package main

import (
	"net/http"
	"runtime"
	"strconv"
)

// memStats is what the isolate's Go instance holds after a request.
// WebAssembly memory never shrinks, so the linear memory size is the peak of
// every request so far.
type memStats struct {
	linear  uint64 // bytes of WebAssembly linear memory (0 when not wasm)
	goSys   uint64 // runtime.MemStats.Sys: all memory the Go runtime obtained
	goHeap  uint64 // runtime.MemStats.HeapSys
	numGC   uint32
	dataLen uint64 // bytes of the embedded model (part of the data segment)
}

func readMemStats(modelLen int) memStats {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return memStats{
		linear:  linearMemoryBytes(),
		goSys:   ms.Sys,
		goHeap:  ms.HeapSys,
		numGC:   ms.NumGC,
		dataLen: uint64(modelLen),
	}
}

func (m memStats) setHeaders(h http.Header) {
	h.Set("X-Wasm-Memory-Bytes", strconv.FormatUint(m.linear, 10))
	h.Set("X-Go-Sys-Bytes", strconv.FormatUint(m.goSys, 10))
	h.Set("X-Go-Heap-Sys-Bytes", strconv.FormatUint(m.goHeap, 10))
	h.Set("X-Go-Num-GC", strconv.FormatUint(uint64(m.numGC), 10))
	h.Set("X-Model-Bytes", strconv.FormatUint(m.dataLen, 10))
}
