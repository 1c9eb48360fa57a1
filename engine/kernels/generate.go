package kernels

// The forwarder and the interface table are generated from the kernel
// interface declared in internal/wasmabi, and kernels.wat's wide-weight
// kernels from its int8 ones; tests fail when any of them is stale.
//go:generate go run ./internal/wasmabi/gen wat
