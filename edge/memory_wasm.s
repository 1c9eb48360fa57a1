//go:build js && wasm

#include "textflag.h"

TEXT ·currentMemoryPages(SB), NOSPLIT, $0
	Get SP
	CurrentMemory
	I32Store ret+0(FP)
	RET
