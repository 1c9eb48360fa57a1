package kernels

// The forwarder and the interface table are generated from the kernel
// interface declared in internal/wasmabi; its tests fail when they are stale.
//go:generate go run ./internal/wasmabi/gen wat
