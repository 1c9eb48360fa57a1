;; forwarder.wat — what the Go module imports as "kernels".
;;
;; Go's module defines its own memory, so the SIMD kernel module (which
;; imports that memory) can only be instantiated after Go's — but Go's imports
;; must exist before. This module breaks the cycle: it is instantiated first,
;; its functions are Go's imports, and each forwards through a funcref table
;; that loader.mjs fills with the kernel module's exports once that exists.
;; A wasm-to-wasm call_indirect costs a few nanoseconds; a JavaScript shim in
;; the middle would cost far more.
;;
;; Slots (loader.mjs's SLOTS lists the same names in the same order):
;;   0 gemm_u8s8  1 gemm_f32  2 quantize_u8  3 max_f32  4 im2col  5 maxpool3x3s2
;;   6 gemm_s16s16  7 winograd_in_u8  8 winograd_out  9 winograd_weights_s8  10 dense_i8
;;   11 max_reset  12 max_get
;; An empty slot traps; Go calls none of these unless the loader said the
;; kernels are linked (see kernels_wasm.go).
(module
  (type $gemm_u8s8 (func (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32)))
  (type $gemm_f32 (func (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32)))
  (type $quantize_u8 (func (param i32 i32 i32 f32 i32)))
  (type $max_f32 (func (param i32 i32 i32) (result f32)))
  (type $im2col (func (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32)))
  (type $maxpool3x3s2 (func (param i32 i32 i32 i32 i32)))
  (type $gemm_s16s16 (func (param i32 i32 i32 i32 i32 i32 i32 i32)))
  (type $winograd_in_u8 (func (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32)))
  (type $winograd_out (func (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32)))
  (type $winograd_weights_s8 (func (param i32 i32 i32 i32)))
  (type $dense_i8 (func (param i32 i32 i32 i32 i32 i32 i32)))
  (type $max_reset (func (param f32)))
  (type $max_get (func (result f32)))
  (table $t (export "table") 13 funcref)

  (func (export "gemm_u8s8") (type $gemm_u8s8)
    (call_indirect $t (type $gemm_u8s8)
      (local.get 0) (local.get 1) (local.get 2) (local.get 3) (local.get 4) (local.get 5) (local.get 6)
      (local.get 7) (local.get 8) (local.get 9) (local.get 10) (local.get 11) (local.get 12) (local.get 13)
      (i32.const 0)))
  (func (export "gemm_f32") (type $gemm_f32)
    (call_indirect $t (type $gemm_f32)
      (local.get 0) (local.get 1) (local.get 2) (local.get 3) (local.get 4) (local.get 5)
      (local.get 6) (local.get 7) (local.get 8) (local.get 9) (local.get 10) (local.get 11)
      (i32.const 1)))
  (func (export "quantize_u8") (type $quantize_u8)
    (call_indirect $t (type $quantize_u8)
      (local.get 0) (local.get 1) (local.get 2) (local.get 3) (local.get 4)
      (i32.const 2)))
  (func (export "max_f32") (type $max_f32)
    (call_indirect $t (type $max_f32)
      (local.get 0) (local.get 1) (local.get 2)
      (i32.const 3)))
  (func (export "im2col") (type $im2col)
    (call_indirect $t (type $im2col)
      (local.get 0) (local.get 1) (local.get 2) (local.get 3) (local.get 4) (local.get 5)
      (local.get 6) (local.get 7) (local.get 8) (local.get 9) (local.get 10)
      (i32.const 4)))
  (func (export "maxpool3x3s2") (type $maxpool3x3s2)
    (call_indirect $t (type $maxpool3x3s2)
      (local.get 0) (local.get 1) (local.get 2) (local.get 3) (local.get 4)
      (i32.const 5)))
  (func (export "gemm_s16s16") (type $gemm_s16s16)
    (call_indirect $t (type $gemm_s16s16)
      (local.get 0) (local.get 1) (local.get 2) (local.get 3) (local.get 4) (local.get 5) (local.get 6) (local.get 7)
      (i32.const 6)))
  (func (export "winograd_in_u8") (type $winograd_in_u8)
    (call_indirect $t (type $winograd_in_u8)
      (local.get 0) (local.get 1) (local.get 2) (local.get 3) (local.get 4) (local.get 5)
      (local.get 6) (local.get 7) (local.get 8) (local.get 9) (local.get 10)
      (i32.const 7)))
  (func (export "winograd_out") (type $winograd_out)
    (call_indirect $t (type $winograd_out)
      (local.get 0) (local.get 1) (local.get 2) (local.get 3) (local.get 4) (local.get 5) (local.get 6) (local.get 7)
      (local.get 8) (local.get 9) (local.get 10) (local.get 11) (local.get 12) (local.get 13) (local.get 14)
      (i32.const 8)))
  (func (export "winograd_weights_s8") (type $winograd_weights_s8)
    (call_indirect $t (type $winograd_weights_s8)
      (local.get 0) (local.get 1) (local.get 2) (local.get 3)
      (i32.const 9)))
  (func (export "dense_i8") (type $dense_i8)
    (call_indirect $t (type $dense_i8)
      (local.get 0) (local.get 1) (local.get 2) (local.get 3) (local.get 4) (local.get 5) (local.get 6)
      (i32.const 10)))
  (func (export "max_reset") (type $max_reset)
    (call_indirect $t (type $max_reset) (local.get 0) (i32.const 11)))
  (func (export "max_get") (type $max_get)
    (call_indirect $t (type $max_get) (i32.const 12)))
)
