package kernels

import "errors"

var errNoSIMD = errors.New("kernels: no WebAssembly SIMD kernel module is linked (native build, -tags purego, or the host loaded none)")
