// Package wasmabi declares, once, the interface between Go and the
// WebAssembly SIMD kernel module: each kernel's name, its slot in the
// forwarder's table and its signature. The forwarder (forwarder.wat) and the
// documentation table (interface.md) are generated from it (`go generate
// ./engine/kernels`); the tests check the hand-written sides — Go's
// //go:wasmimport declarations, kernels.wat's exports and loader.mjs's slot
// list — against it, so that none can drift from the others.
package wasmabi

// Kernel is one function of the kernel module. Its index in Kernels is its
// slot in the forwarder's table.
type Kernel struct {
	Name   string  // export of kernels.wat, import of Go's module "kernels", slot name
	Params []Param // in order
	Result string  // "" (none) or a wasm value type
	What   string  // one line for the documentation table
}

// Param is one argument: its name in kernels.wat and its wasm type.
type Param struct{ Name, Type string }

// ps builds a parameter list from "name name:f32 …": i32 unless a type is given.
func ps(spec string) []Param {
	var out []Param
	start := 0
	for i := 0; i <= len(spec); i++ {
		if i < len(spec) && spec[i] != ' ' {
			continue
		}
		if i > start {
			f := spec[start:i]
			p := Param{Name: f, Type: "i32"}
			for j := range len(f) {
				if f[j] == ':' {
					p = Param{Name: f[:j], Type: f[j+1:]}
				}
			}
			out = append(out, p)
		}
		start = i + 1
	}
	return out
}

// Kernels lists the kernel module's functions in slot order. Append new
// kernels at the end; a kernel's slot is where it stands here.
var Kernels = []Kernel{
	{"gemm_u16s8", ps("out ldo a lda m kp w n zp wsum scale bias res relu"), "", "u16 × s8 GEMM, 4×8 tile on `i32x4.dot_i16x8_s`, fused epilogue"},
	{"gemm_f32", ps("out ldo a lda m k w n scale bias res relu"), "", "f32 GEMM, 4×8 tile, fused epilogue"},
	{"quantize_u16", ps("dst src len inv:f32 zp qmax"), "", "f32 → u16 activations of 0…qmax, round half up, saturating"},
	{"max_f32", ps("src len abs"), "f32", "largest element (or |element|)"},
	{"im2col", ps("dst lda src h w c k stride pad fill esz"), "", "im2col of u16 (esz 2) or f32 (esz 4) HWC images"},
	{"maxpool3x3s2", ps("dst src h w c"), "", "the stem's 3×3 max-pool, stride 2 (c % 4 = 0)"},
	{"gemm_s16s16", ps("out ldo a lda m kp w n"), "", "Winograd GEMM: s16 × s16 → raw s32, whole panels"},
	{"winograd_in_u16", ps("v vs ldv src h w c tw t0 t1 zeros"), "", "Winograd F(2×2, 3×3) input transform of u16 tiles"},
	{"winograd_out", ps("out ldo m ms ldm h w n tw t0 t1 scale bias res relu"), "", "Winograd inverse transform + the int8 epilogue"},
	{"winograd_weights_s8", ps("u w n c"), "", "Winograd weight transform of O8K2 s8 weights (even c)"},
	{"dense_i8", ps("out w scale bias x n k"), "", "the classifier: s8 rows · f32 vector, fixed summation order"},
	{"max_reset", ps("v:f32"), "", "set the epilogues' running maximum"},
	{"max_get", nil, "f32", "read the epilogues' running maximum"},
	{"gemm_u16s16", ps("out ldo a lda m kp w n zp wsum scale bias res relu"), "", "gemm_u16s8 for int16 (wide) weights; generated from it"},
	{"dense_i16", ps("out w scale bias x n k"), "", "dense_i8 for an int16 (wide) classifier; generated from it"},
	{"winograd_conv", ps("out src h w c u n t0 t1 v vs m ms zeros scale bias res relu"), "", "one chunk of a Winograd convolution: input transform, 16 GEMMs, output transform"},
}

// Signature is k's wasm function type, as the forwarder and kernels.wat
// write it: "(param i32 …) (result f32)".
func (k Kernel) Signature() string {
	s := ""
	if len(k.Params) > 0 {
		s = "(param"
		for _, p := range k.Params {
			s += " " + p.Type
		}
		s += ")"
	}
	if k.Result != "" {
		if s != "" {
			s += " "
		}
		s += "(result " + k.Result + ")"
	}
	return s
}
