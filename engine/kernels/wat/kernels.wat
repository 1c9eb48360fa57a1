;; kernels.wat — the WebAssembly SIMD128 twins of engine/kernels' pure-Go
;; kernels. Built by `make kernels` with Debian's wabt (wat2wasm; SIMD and
;; bulk memory are on by default) into build/kernels/kernels.wasm.
;;
;; The module has no memory of its own: it imports the Go instance's ("mem",
;; passed here as env.memory), so every argument is an address into Go's heap
;; and nothing is copied. Go reaches these functions through the forwarder
;; module (forwarder.wat), because the Go module must be instantiated before
;; this one can be.
;;
;; Contract with the Go twins (gemm.go, quantize.go, im2col.go, winograd.go,
;; pool.go):
;; - gemm_u16s8, quantize_u16, im2col, the Winograd kernels, dense_i8 and the
;;   running maximum (max_reset/max_get): bit-identical. Integer accumulation
;;   is exact; the float epilogue does the same IEEE operations in the same
;;   order (convert, mul, add bias, add residual, ReLU as "if v < 0 then
;;   +0"), never a fused multiply-add.
;; - gemm_f32: sums k in ascending order with separate mul and add, like the
;;   twin compiled to wasm, but the twin may fuse natively: compare with a
;;   tolerance.
;; - Every store stays inside the output rows' first n columns; partial
;;   panels (n % 8 != 0) take a scalar path, which also never reads scale,
;;   bias, wsum or residual past n.
;;
;; Names follow XNNPACK's grammar loosely: the tile is 4 rows × 8 channels
;; (one O8K2/O8K1 panel), with a 1-row remainder.
(module
  (import "env" "memory" (memory 0))

  ;; The running maximum of every value the epilogues store: the int8
  ;; layers' output maxima, which set the next quantisation scale, come for
  ;; free instead of from another pass over the tensor. Go asks for it per
  ;; call (Epilogue.Max): max_reset before, max_get after.
  (global $max (mut v128) (v128.const i32x4 0 0 0 0))
  (func (export "max_reset") (param $v f32)
    (global.set $max (f32x4.splat (local.get $v))))
  (func (export "max_get") (result f32)
    (local $v v128)
    (local.set $v (f32x4.max (global.get $max) (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (global.get $max) (global.get $max))))
    (f32.max (f32x4.extract_lane 0 (local.get $v)) (f32x4.extract_lane 1 (local.get $v))))

  ;; ---------------------------------------------------------------- int8
  ;;
  ;; gemm_u16s8: out[m][n] = epilogue(Σ_k a[m][k]·w[n][k]) for u16 activations
  ;; of at most ActMax (rows of kp values, stride lda values, kp even) and s8
  ;; weights packed O8K2:
  ;; panel p holds, for each pair kk, 16 bytes [c0k0 c0k1 c1k0 c1k1 … c7k1].
  ;;
  ;; Inner step, per pair of k and per row: the activation pair (a0,a1) is
  ;; broadcast as i16x8 [a0 a1 a0 a1 …]; the weight bytes, sign-extended to
  ;; i16x8, give [c0k0 c0k1 … c3k1] (low) and [c4k0 … c7k1] (high);
  ;; i32x4.dot_i16x8_s then adds a0·cjk0 + a1·cjk1 into lane j. Activations
  ;; below 2¹⁵ are the same as signed i16 lanes; products are at most
  ;; 8191·128, and the caller bounds every sum within i32
  ;; (engine/resnet/levels.go), so this is exact — unlike
  ;; relaxed-SIMD's i32x4.relaxed_dot_i8x16_i7x16_add_s, whose result for
  ;; weights outside 7 bits differs across engines (see README.md here).
  ;;
  ;; Activations are loaded 16 bytes (4 pairs) at a time and each pair
  ;; broadcast with a 32-bit lane shuffle.
  ;;
  ;; Epilogue arguments are the Go Epilogue's: zp, wsum (read only when zp is
  ;; not 0), scale, bias, res (0 for none; same stride as out), relu (0/1).
  ;; Strides ldo and lda are in elements (f32 and u16).
  ;; @wide-source begin
  (func $gemm_u16s8 (export "gemm_u16s8")
    (param $out i32) (param $ldo i32) (param $a i32) (param $lda i32) (param $m i32)
    (param $kp i32) (param $w i32) (param $n i32)
    (param $zp i32) (param $wsum i32) (param $scale i32) (param $bias i32) (param $res i32) (param $relu i32)
    (local $mc i32) (local $r0 i32) (local $r1 i32) (local $r i32) (local $n0 i32) (local $wp i32)
    ;; Row blocks of mc rows whose activations (2·mc·kp bytes) stay in L1
    ;; while every panel of weights passes over them.
    (local.set $mc (i32.and (i32.div_u (i32.const 8192) (i32.add (local.get $kp) (i32.const 1))) (i32.const -4)))
    (local.set $lda (i32.shl (local.get $lda) (i32.const 1))) ;; bytes from here on
    (if (i32.lt_u (local.get $mc) (i32.const 4)) (then (local.set $mc (i32.const 4))))
    (local.set $r0 (i32.const 0))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $r0) (local.get $m)))
        (local.set $r1 (i32.add (local.get $r0) (local.get $mc)))
        (if (i32.gt_u (local.get $r1) (local.get $m)) (then (local.set $r1 (local.get $m))))
        (local.set $n0 (i32.const 0))
        (block $pdone
          (loop $panels
            (br_if $pdone (i32.ge_u (local.get $n0) (local.get $n)))
            (local.set $wp (i32.add (local.get $w) (i32.mul (local.get $n0) (local.get $kp))))
            (local.set $r (local.get $r0))
            (block $t4done
              (loop $t4
                (br_if $t4done (i32.gt_u (i32.add (local.get $r) (i32.const 4)) (local.get $r1)))
                (call $u16s8_4x8 (local.get $out) (local.get $ldo) (local.get $a) (local.get $lda) (local.get $r)
                  (local.get $kp) (local.get $wp) (local.get $n0) (local.get $n)
                  (local.get $zp) (local.get $wsum) (local.get $scale) (local.get $bias) (local.get $res) (local.get $relu))
                (local.set $r (i32.add (local.get $r) (i32.const 4)))
                (br $t4)))
            (block $t1done
              (loop $t1
                (br_if $t1done (i32.ge_u (local.get $r) (local.get $r1)))
                (call $u16s8_1x8 (local.get $out) (local.get $ldo) (local.get $a) (local.get $lda) (local.get $r)
                  (local.get $kp) (local.get $wp) (local.get $n0) (local.get $n)
                  (local.get $zp) (local.get $wsum) (local.get $scale) (local.get $bias) (local.get $res) (local.get $relu))
                (local.set $r (i32.add (local.get $r) (i32.const 1)))
                (br $t1)))
            (local.set $n0 (i32.add (local.get $n0) (i32.const 8)))
            (br $panels)))
        (local.set $r0 (local.get $r1))
        (br $rows))))

  ;; One 4×8 tile: rows r…r+3, channels n0…n0+7 of panel wp.
  (func $u16s8_4x8
    (param $out i32) (param $ldo i32) (param $a i32) (param $lda i32) (param $r i32)
    (param $kp i32) (param $wp i32) (param $n0 i32) (param $n i32)
    (param $zp i32) (param $wsum i32) (param $scale i32) (param $bias i32) (param $res i32) (param $relu i32)
    (local $a0 i32) (local $a1 i32) (local $a2 i32) (local $a3 i32) (local $k i32) (local $wk i32) (local $k8 i32)
    (local $x0 v128) (local $x1 v128) (local $x2 v128) (local $x3 v128) (local $wl v128) (local $wh v128) (local $b v128)
    (local $c0l v128) (local $c0h v128) (local $c1l v128) (local $c1h v128)
    (local $c2l v128) (local $c2h v128) (local $c3l v128) (local $c3h v128)
    (local.set $a0 (i32.add (local.get $a) (i32.mul (local.get $r) (local.get $lda))))
    (local.set $a1 (i32.add (local.get $a0) (local.get $lda)))
    (local.set $a2 (i32.add (local.get $a1) (local.get $lda)))
    (local.set $a3 (i32.add (local.get $a2) (local.get $lda)))
    (local.set $wk (local.get $wp))
    (local.set $k (i32.const 0))
    (local.set $k8 (i32.and (local.get $kp) (i32.const -8)))
    ;; four pairs of k per iteration
    (block $mdone
      (loop $main
        (br_if $mdone (i32.ge_u (local.get $k) (local.get $k8)))
        (local.set $x0 (v128.load (i32.add (local.get $a0) (i32.shl (local.get $k) (i32.const 1)))))
        (local.set $x1 (v128.load (i32.add (local.get $a1) (i32.shl (local.get $k) (i32.const 1)))))
        (local.set $x2 (v128.load (i32.add (local.get $a2) (i32.shl (local.get $k) (i32.const 1)))))
        (local.set $x3 (v128.load (i32.add (local.get $a3) (i32.shl (local.get $k) (i32.const 1)))))
        ;; pair 0
        (local.set $wl (v128.load8x8_s offset=0 (local.get $wk)))
        (local.set $wh (v128.load8x8_s offset=8 (local.get $wk)))
        (local.set $b (i8x16.shuffle 0 1 2 3 0 1 2 3 0 1 2 3 0 1 2 3 (local.get $x0) (local.get $x0)))
        (local.set $c0l (i32x4.add (local.get $c0l) (i32x4.dot_i16x8_s (local.get $wl) (local.get $b))))
        (local.set $c0h (i32x4.add (local.get $c0h) (i32x4.dot_i16x8_s (local.get $wh) (local.get $b))))
        (local.set $b (i8x16.shuffle 0 1 2 3 0 1 2 3 0 1 2 3 0 1 2 3 (local.get $x1) (local.get $x1)))
        (local.set $c1l (i32x4.add (local.get $c1l) (i32x4.dot_i16x8_s (local.get $wl) (local.get $b))))
        (local.set $c1h (i32x4.add (local.get $c1h) (i32x4.dot_i16x8_s (local.get $wh) (local.get $b))))
        (local.set $b (i8x16.shuffle 0 1 2 3 0 1 2 3 0 1 2 3 0 1 2 3 (local.get $x2) (local.get $x2)))
        (local.set $c2l (i32x4.add (local.get $c2l) (i32x4.dot_i16x8_s (local.get $wl) (local.get $b))))
        (local.set $c2h (i32x4.add (local.get $c2h) (i32x4.dot_i16x8_s (local.get $wh) (local.get $b))))
        (local.set $b (i8x16.shuffle 0 1 2 3 0 1 2 3 0 1 2 3 0 1 2 3 (local.get $x3) (local.get $x3)))
        (local.set $c3l (i32x4.add (local.get $c3l) (i32x4.dot_i16x8_s (local.get $wl) (local.get $b))))
        (local.set $c3h (i32x4.add (local.get $c3h) (i32x4.dot_i16x8_s (local.get $wh) (local.get $b))))
        ;; pair 1
        (local.set $wl (v128.load8x8_s offset=16 (local.get $wk)))
        (local.set $wh (v128.load8x8_s offset=24 (local.get $wk)))
        (local.set $b (i8x16.shuffle 4 5 6 7 4 5 6 7 4 5 6 7 4 5 6 7 (local.get $x0) (local.get $x0)))
        (local.set $c0l (i32x4.add (local.get $c0l) (i32x4.dot_i16x8_s (local.get $wl) (local.get $b))))
        (local.set $c0h (i32x4.add (local.get $c0h) (i32x4.dot_i16x8_s (local.get $wh) (local.get $b))))
        (local.set $b (i8x16.shuffle 4 5 6 7 4 5 6 7 4 5 6 7 4 5 6 7 (local.get $x1) (local.get $x1)))
        (local.set $c1l (i32x4.add (local.get $c1l) (i32x4.dot_i16x8_s (local.get $wl) (local.get $b))))
        (local.set $c1h (i32x4.add (local.get $c1h) (i32x4.dot_i16x8_s (local.get $wh) (local.get $b))))
        (local.set $b (i8x16.shuffle 4 5 6 7 4 5 6 7 4 5 6 7 4 5 6 7 (local.get $x2) (local.get $x2)))
        (local.set $c2l (i32x4.add (local.get $c2l) (i32x4.dot_i16x8_s (local.get $wl) (local.get $b))))
        (local.set $c2h (i32x4.add (local.get $c2h) (i32x4.dot_i16x8_s (local.get $wh) (local.get $b))))
        (local.set $b (i8x16.shuffle 4 5 6 7 4 5 6 7 4 5 6 7 4 5 6 7 (local.get $x3) (local.get $x3)))
        (local.set $c3l (i32x4.add (local.get $c3l) (i32x4.dot_i16x8_s (local.get $wl) (local.get $b))))
        (local.set $c3h (i32x4.add (local.get $c3h) (i32x4.dot_i16x8_s (local.get $wh) (local.get $b))))
        ;; pair 2
        (local.set $wl (v128.load8x8_s offset=32 (local.get $wk)))
        (local.set $wh (v128.load8x8_s offset=40 (local.get $wk)))
        (local.set $b (i8x16.shuffle 8 9 10 11 8 9 10 11 8 9 10 11 8 9 10 11 (local.get $x0) (local.get $x0)))
        (local.set $c0l (i32x4.add (local.get $c0l) (i32x4.dot_i16x8_s (local.get $wl) (local.get $b))))
        (local.set $c0h (i32x4.add (local.get $c0h) (i32x4.dot_i16x8_s (local.get $wh) (local.get $b))))
        (local.set $b (i8x16.shuffle 8 9 10 11 8 9 10 11 8 9 10 11 8 9 10 11 (local.get $x1) (local.get $x1)))
        (local.set $c1l (i32x4.add (local.get $c1l) (i32x4.dot_i16x8_s (local.get $wl) (local.get $b))))
        (local.set $c1h (i32x4.add (local.get $c1h) (i32x4.dot_i16x8_s (local.get $wh) (local.get $b))))
        (local.set $b (i8x16.shuffle 8 9 10 11 8 9 10 11 8 9 10 11 8 9 10 11 (local.get $x2) (local.get $x2)))
        (local.set $c2l (i32x4.add (local.get $c2l) (i32x4.dot_i16x8_s (local.get $wl) (local.get $b))))
        (local.set $c2h (i32x4.add (local.get $c2h) (i32x4.dot_i16x8_s (local.get $wh) (local.get $b))))
        (local.set $b (i8x16.shuffle 8 9 10 11 8 9 10 11 8 9 10 11 8 9 10 11 (local.get $x3) (local.get $x3)))
        (local.set $c3l (i32x4.add (local.get $c3l) (i32x4.dot_i16x8_s (local.get $wl) (local.get $b))))
        (local.set $c3h (i32x4.add (local.get $c3h) (i32x4.dot_i16x8_s (local.get $wh) (local.get $b))))
        ;; pair 3
        (local.set $wl (v128.load8x8_s offset=48 (local.get $wk)))
        (local.set $wh (v128.load8x8_s offset=56 (local.get $wk)))
        (local.set $b (i8x16.shuffle 12 13 14 15 12 13 14 15 12 13 14 15 12 13 14 15 (local.get $x0) (local.get $x0)))
        (local.set $c0l (i32x4.add (local.get $c0l) (i32x4.dot_i16x8_s (local.get $wl) (local.get $b))))
        (local.set $c0h (i32x4.add (local.get $c0h) (i32x4.dot_i16x8_s (local.get $wh) (local.get $b))))
        (local.set $b (i8x16.shuffle 12 13 14 15 12 13 14 15 12 13 14 15 12 13 14 15 (local.get $x1) (local.get $x1)))
        (local.set $c1l (i32x4.add (local.get $c1l) (i32x4.dot_i16x8_s (local.get $wl) (local.get $b))))
        (local.set $c1h (i32x4.add (local.get $c1h) (i32x4.dot_i16x8_s (local.get $wh) (local.get $b))))
        (local.set $b (i8x16.shuffle 12 13 14 15 12 13 14 15 12 13 14 15 12 13 14 15 (local.get $x2) (local.get $x2)))
        (local.set $c2l (i32x4.add (local.get $c2l) (i32x4.dot_i16x8_s (local.get $wl) (local.get $b))))
        (local.set $c2h (i32x4.add (local.get $c2h) (i32x4.dot_i16x8_s (local.get $wh) (local.get $b))))
        (local.set $b (i8x16.shuffle 12 13 14 15 12 13 14 15 12 13 14 15 12 13 14 15 (local.get $x3) (local.get $x3)))
        (local.set $c3l (i32x4.add (local.get $c3l) (i32x4.dot_i16x8_s (local.get $wl) (local.get $b))))
        (local.set $c3h (i32x4.add (local.get $c3h) (i32x4.dot_i16x8_s (local.get $wh) (local.get $b))))
        (local.set $wk (i32.add (local.get $wk) (i32.const 64)))
        (local.set $k (i32.add (local.get $k) (i32.const 8)))
        (br $main)))
    ;; the last 1–3 pairs, one at a time
    (block $tdone
      (loop $tail
        (br_if $tdone (i32.ge_u (local.get $k) (local.get $kp)))
        (local.set $wl (v128.load8x8_s offset=0 (local.get $wk)))
        (local.set $wh (v128.load8x8_s offset=8 (local.get $wk)))
        (local.set $b (v128.load32_splat (i32.add (local.get $a0) (i32.shl (local.get $k) (i32.const 1)))))
        (local.set $c0l (i32x4.add (local.get $c0l) (i32x4.dot_i16x8_s (local.get $wl) (local.get $b))))
        (local.set $c0h (i32x4.add (local.get $c0h) (i32x4.dot_i16x8_s (local.get $wh) (local.get $b))))
        (local.set $b (v128.load32_splat (i32.add (local.get $a1) (i32.shl (local.get $k) (i32.const 1)))))
        (local.set $c1l (i32x4.add (local.get $c1l) (i32x4.dot_i16x8_s (local.get $wl) (local.get $b))))
        (local.set $c1h (i32x4.add (local.get $c1h) (i32x4.dot_i16x8_s (local.get $wh) (local.get $b))))
        (local.set $b (v128.load32_splat (i32.add (local.get $a2) (i32.shl (local.get $k) (i32.const 1)))))
        (local.set $c2l (i32x4.add (local.get $c2l) (i32x4.dot_i16x8_s (local.get $wl) (local.get $b))))
        (local.set $c2h (i32x4.add (local.get $c2h) (i32x4.dot_i16x8_s (local.get $wh) (local.get $b))))
        (local.set $b (v128.load32_splat (i32.add (local.get $a3) (i32.shl (local.get $k) (i32.const 1)))))
        (local.set $c3l (i32x4.add (local.get $c3l) (i32x4.dot_i16x8_s (local.get $wl) (local.get $b))))
        (local.set $c3h (i32x4.add (local.get $c3h) (i32x4.dot_i16x8_s (local.get $wh) (local.get $b))))
        (local.set $wk (i32.add (local.get $wk) (i32.const 16)))
        (local.set $k (i32.add (local.get $k) (i32.const 2)))
        (br $tail)))
    ;; The epilogue. A full panel inline, with scale and bias loaded once for
    ;; the four rows: the same operations in the same order as $store_i32,
    ;; which does the partial panels.
    ;; The registers of the inner loop are free now: x2, x3 hold the scales,
    ;; wl, wh the biases, x0, x1 a row, k its byte offset.
    (if (i32.ge_u (i32.sub (local.get $n) (local.get $n0)) (i32.const 8))
      (then
        (if (local.get $zp)
          (then
            ;; the stem's zero point: acc − zp·wsum, before anything else
            (local.set $x2 (i32x4.mul (i32x4.splat (local.get $zp))
              (v128.load offset=0 (i32.add (local.get $wsum) (i32.shl (local.get $n0) (i32.const 2))))))
            (local.set $x3 (i32x4.mul (i32x4.splat (local.get $zp))
              (v128.load offset=16 (i32.add (local.get $wsum) (i32.shl (local.get $n0) (i32.const 2))))))
            (local.set $c0l (i32x4.sub (local.get $c0l) (local.get $x2)))
            (local.set $c0h (i32x4.sub (local.get $c0h) (local.get $x3)))
            (local.set $c1l (i32x4.sub (local.get $c1l) (local.get $x2)))
            (local.set $c1h (i32x4.sub (local.get $c1h) (local.get $x3)))
            (local.set $c2l (i32x4.sub (local.get $c2l) (local.get $x2)))
            (local.set $c2h (i32x4.sub (local.get $c2h) (local.get $x3)))
            (local.set $c3l (i32x4.sub (local.get $c3l) (local.get $x2)))
            (local.set $c3h (i32x4.sub (local.get $c3h) (local.get $x3)))))
        (local.set $x2 (v128.load offset=0 (i32.add (local.get $scale) (i32.shl (local.get $n0) (i32.const 2)))))
        (local.set $x3 (v128.load offset=16 (i32.add (local.get $scale) (i32.shl (local.get $n0) (i32.const 2)))))
        (local.set $wl (v128.load offset=0 (i32.add (local.get $bias) (i32.shl (local.get $n0) (i32.const 2)))))
        (local.set $wh (v128.load offset=16 (i32.add (local.get $bias) (i32.shl (local.get $n0) (i32.const 2)))))
        (local.set $k (i32.shl (i32.add (i32.mul (local.get $r) (local.get $ldo)) (local.get $n0)) (i32.const 2)))
        (local.set $b (global.get $max))
        ;; row 0
        (local.set $x0 (f32x4.add (f32x4.mul (f32x4.convert_i32x4_s (local.get $c0l)) (local.get $x2)) (local.get $wl)))
        (local.set $x1 (f32x4.add (f32x4.mul (f32x4.convert_i32x4_s (local.get $c0h)) (local.get $x3)) (local.get $wh)))
        (if (local.get $res)
          (then
            (local.set $x0 (f32x4.add (local.get $x0) (v128.load offset=0 (i32.add (local.get $res) (local.get $k)))))
            (local.set $x1 (f32x4.add (local.get $x1) (v128.load offset=16 (i32.add (local.get $res) (local.get $k)))))))
        (if (local.get $relu)
          (then
            (local.set $x0 (v128.andnot (local.get $x0) (f32x4.lt (local.get $x0) (v128.const i32x4 0 0 0 0))))
            (local.set $x1 (v128.andnot (local.get $x1) (f32x4.lt (local.get $x1) (v128.const i32x4 0 0 0 0))))))
        (v128.store offset=0 (i32.add (local.get $out) (local.get $k)) (local.get $x0))
        (v128.store offset=16 (i32.add (local.get $out) (local.get $k)) (local.get $x1))
        (local.set $b (f32x4.max (local.get $b) (f32x4.max (local.get $x0) (local.get $x1))))
        (local.set $k (i32.add (local.get $k) (i32.shl (local.get $ldo) (i32.const 2))))
        ;; row 1
        (local.set $x0 (f32x4.add (f32x4.mul (f32x4.convert_i32x4_s (local.get $c1l)) (local.get $x2)) (local.get $wl)))
        (local.set $x1 (f32x4.add (f32x4.mul (f32x4.convert_i32x4_s (local.get $c1h)) (local.get $x3)) (local.get $wh)))
        (if (local.get $res)
          (then
            (local.set $x0 (f32x4.add (local.get $x0) (v128.load offset=0 (i32.add (local.get $res) (local.get $k)))))
            (local.set $x1 (f32x4.add (local.get $x1) (v128.load offset=16 (i32.add (local.get $res) (local.get $k)))))))
        (if (local.get $relu)
          (then
            (local.set $x0 (v128.andnot (local.get $x0) (f32x4.lt (local.get $x0) (v128.const i32x4 0 0 0 0))))
            (local.set $x1 (v128.andnot (local.get $x1) (f32x4.lt (local.get $x1) (v128.const i32x4 0 0 0 0))))))
        (v128.store offset=0 (i32.add (local.get $out) (local.get $k)) (local.get $x0))
        (v128.store offset=16 (i32.add (local.get $out) (local.get $k)) (local.get $x1))
        (local.set $b (f32x4.max (local.get $b) (f32x4.max (local.get $x0) (local.get $x1))))
        (local.set $k (i32.add (local.get $k) (i32.shl (local.get $ldo) (i32.const 2))))
        ;; row 2
        (local.set $x0 (f32x4.add (f32x4.mul (f32x4.convert_i32x4_s (local.get $c2l)) (local.get $x2)) (local.get $wl)))
        (local.set $x1 (f32x4.add (f32x4.mul (f32x4.convert_i32x4_s (local.get $c2h)) (local.get $x3)) (local.get $wh)))
        (if (local.get $res)
          (then
            (local.set $x0 (f32x4.add (local.get $x0) (v128.load offset=0 (i32.add (local.get $res) (local.get $k)))))
            (local.set $x1 (f32x4.add (local.get $x1) (v128.load offset=16 (i32.add (local.get $res) (local.get $k)))))))
        (if (local.get $relu)
          (then
            (local.set $x0 (v128.andnot (local.get $x0) (f32x4.lt (local.get $x0) (v128.const i32x4 0 0 0 0))))
            (local.set $x1 (v128.andnot (local.get $x1) (f32x4.lt (local.get $x1) (v128.const i32x4 0 0 0 0))))))
        (v128.store offset=0 (i32.add (local.get $out) (local.get $k)) (local.get $x0))
        (v128.store offset=16 (i32.add (local.get $out) (local.get $k)) (local.get $x1))
        (local.set $b (f32x4.max (local.get $b) (f32x4.max (local.get $x0) (local.get $x1))))
        (local.set $k (i32.add (local.get $k) (i32.shl (local.get $ldo) (i32.const 2))))
        ;; row 3
        (local.set $x0 (f32x4.add (f32x4.mul (f32x4.convert_i32x4_s (local.get $c3l)) (local.get $x2)) (local.get $wl)))
        (local.set $x1 (f32x4.add (f32x4.mul (f32x4.convert_i32x4_s (local.get $c3h)) (local.get $x3)) (local.get $wh)))
        (if (local.get $res)
          (then
            (local.set $x0 (f32x4.add (local.get $x0) (v128.load offset=0 (i32.add (local.get $res) (local.get $k)))))
            (local.set $x1 (f32x4.add (local.get $x1) (v128.load offset=16 (i32.add (local.get $res) (local.get $k)))))))
        (if (local.get $relu)
          (then
            (local.set $x0 (v128.andnot (local.get $x0) (f32x4.lt (local.get $x0) (v128.const i32x4 0 0 0 0))))
            (local.set $x1 (v128.andnot (local.get $x1) (f32x4.lt (local.get $x1) (v128.const i32x4 0 0 0 0))))))
        (v128.store offset=0 (i32.add (local.get $out) (local.get $k)) (local.get $x0))
        (v128.store offset=16 (i32.add (local.get $out) (local.get $k)) (local.get $x1))
        (local.set $b (f32x4.max (local.get $b) (f32x4.max (local.get $x0) (local.get $x1))))
        (global.set $max (local.get $b))
        (return)))
    (call $store_i32 (local.get $c0l) (local.get $c0h) (local.get $r) (local.get $out) (local.get $ldo) (local.get $n0) (local.get $n)
      (local.get $zp) (local.get $wsum) (local.get $scale) (local.get $bias) (local.get $res) (local.get $relu))
    (call $store_i32 (local.get $c1l) (local.get $c1h) (i32.add (local.get $r) (i32.const 1)) (local.get $out) (local.get $ldo) (local.get $n0) (local.get $n)
      (local.get $zp) (local.get $wsum) (local.get $scale) (local.get $bias) (local.get $res) (local.get $relu))
    (call $store_i32 (local.get $c2l) (local.get $c2h) (i32.add (local.get $r) (i32.const 2)) (local.get $out) (local.get $ldo) (local.get $n0) (local.get $n)
      (local.get $zp) (local.get $wsum) (local.get $scale) (local.get $bias) (local.get $res) (local.get $relu))
    (call $store_i32 (local.get $c3l) (local.get $c3h) (i32.add (local.get $r) (i32.const 3)) (local.get $out) (local.get $ldo) (local.get $n0) (local.get $n)
      (local.get $zp) (local.get $wsum) (local.get $scale) (local.get $bias) (local.get $res) (local.get $relu)))

  ;; One 1×8 tile, for the last rows of a block.
  (func $u16s8_1x8
    (param $out i32) (param $ldo i32) (param $a i32) (param $lda i32) (param $r i32)
    (param $kp i32) (param $wp i32) (param $n0 i32) (param $n i32)
    (param $zp i32) (param $wsum i32) (param $scale i32) (param $bias i32) (param $res i32) (param $relu i32)
    (local $a0 i32) (local $k i32) (local $wk i32) (local $b v128) (local $cl v128) (local $ch v128)
    (local.set $a0 (i32.add (local.get $a) (i32.mul (local.get $r) (local.get $lda))))
    (local.set $wk (local.get $wp))
    (local.set $k (i32.const 0))
    (block $done
      (loop $pairs
        (br_if $done (i32.ge_u (local.get $k) (local.get $kp)))
        (local.set $b (v128.load32_splat (i32.add (local.get $a0) (i32.shl (local.get $k) (i32.const 1)))))
        (local.set $cl (i32x4.add (local.get $cl) (i32x4.dot_i16x8_s (v128.load8x8_s offset=0 (local.get $wk)) (local.get $b))))
        (local.set $ch (i32x4.add (local.get $ch) (i32x4.dot_i16x8_s (v128.load8x8_s offset=8 (local.get $wk)) (local.get $b))))
        (local.set $wk (i32.add (local.get $wk) (i32.const 16)))
        (local.set $k (i32.add (local.get $k) (i32.const 2)))
        (br $pairs)))
    (call $store_i32 (local.get $cl) (local.get $ch) (local.get $r) (local.get $out) (local.get $ldo) (local.get $n0) (local.get $n)
      (local.get $zp) (local.get $wsum) (local.get $scale) (local.get $bias) (local.get $res) (local.get $relu)))

  ;; @wide-source end

  ;; The int8 epilogue for one row of a tile: channels n0…n0+7 from the two
  ;; accumulators lo (n0…n0+3) and hi (n0+4…n0+7).
  (func $store_i32
    (param $lo v128) (param $hi v128) (param $row i32) (param $out i32) (param $ldo i32) (param $n0 i32) (param $n i32)
    (param $zp i32) (param $wsum i32) (param $scale i32) (param $bias i32) (param $res i32) (param $relu i32)
    (local $off i32) (local $j i32) (local $nn i32)
    (local.set $off (i32.shl (i32.add (i32.mul (local.get $row) (local.get $ldo)) (local.get $n0)) (i32.const 2)))
    (if (i32.ge_u (i32.sub (local.get $n) (local.get $n0)) (i32.const 8))
      (then
        (if (local.get $zp)
          (then
            (local.set $lo (i32x4.sub (local.get $lo) (i32x4.mul (i32x4.splat (local.get $zp))
              (v128.load offset=0 (i32.add (local.get $wsum) (i32.shl (local.get $n0) (i32.const 2)))))))
            (local.set $hi (i32x4.sub (local.get $hi) (i32x4.mul (i32x4.splat (local.get $zp))
              (v128.load offset=16 (i32.add (local.get $wsum) (i32.shl (local.get $n0) (i32.const 2)))))))))
        (v128.store offset=0 (i32.add (local.get $out) (local.get $off))
          (call $finish
            (f32x4.mul (f32x4.convert_i32x4_s (local.get $lo))
              (v128.load offset=0 (i32.add (local.get $scale) (i32.shl (local.get $n0) (i32.const 2)))))
            (i32.add (local.get $bias) (i32.shl (local.get $n0) (i32.const 2)))
            (local.get $res) (local.get $off) (local.get $relu)))
        (v128.store offset=16 (i32.add (local.get $out) (local.get $off))
          (call $finish
            (f32x4.mul (f32x4.convert_i32x4_s (local.get $hi))
              (v128.load offset=16 (i32.add (local.get $scale) (i32.shl (local.get $n0) (i32.const 2)))))
            (i32.add (local.get $bias) (i32.add (i32.shl (local.get $n0) (i32.const 2)) (i32.const 16)))
            (local.get $res) (i32.add (local.get $off) (i32.const 16)) (local.get $relu)))
        (return)))
    ;; a partial panel: lane by lane, touching nothing past n
    (local.set $nn (i32.sub (local.get $n) (local.get $n0)))
    (local.set $j (i32.const 0))
    (block $done
      (loop $lanes
        (br_if $done (i32.ge_u (local.get $j) (local.get $nn)))
        (call $store1_i32 (call $lane_i32 (local.get $lo) (local.get $hi) (local.get $j))
          (i32.add (local.get $n0) (local.get $j)) (i32.add (local.get $off) (i32.shl (local.get $j) (i32.const 2)))
          (local.get $out) (local.get $zp) (local.get $wsum) (local.get $scale) (local.get $bias) (local.get $res) (local.get $relu))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $lanes))))

  ;; v + bias (+ residual) (ReLU), shared by both GEMMs' full panels. ReLU is
  ;; "if v < 0 then +0" as in Go: f32x4.max(v, 0) would differ on -0.
  (func $finish (param $v v128) (param $biasp i32) (param $res i32) (param $off i32) (param $relu i32) (result v128)
    (local.set $v (f32x4.add (local.get $v) (v128.load (local.get $biasp))))
    (if (local.get $res)
      (then (local.set $v (f32x4.add (local.get $v) (v128.load (i32.add (local.get $res) (local.get $off)))))))
    (if (local.get $relu)
      (then (local.set $v (v128.andnot (local.get $v) (f32x4.lt (local.get $v) (v128.const i32x4 0 0 0 0))))))
    (global.set $max (f32x4.max (global.get $max) (local.get $v)))
    (local.get $v))

  (func $lane_i32 (param $lo v128) (param $hi v128) (param $j i32) (result i32)
    (block $l7 (block $l6 (block $l5 (block $l4 (block $l3 (block $l2 (block $l1 (block $l0
      (br_table $l0 $l1 $l2 $l3 $l4 $l5 $l6 $l7 (local.get $j)))
      (return (i32x4.extract_lane 0 (local.get $lo))))
      (return (i32x4.extract_lane 1 (local.get $lo))))
      (return (i32x4.extract_lane 2 (local.get $lo))))
      (return (i32x4.extract_lane 3 (local.get $lo))))
      (return (i32x4.extract_lane 0 (local.get $hi))))
      (return (i32x4.extract_lane 1 (local.get $hi))))
      (return (i32x4.extract_lane 2 (local.get $hi))))
    (i32x4.extract_lane 3 (local.get $hi)))

  (func $lane_f32 (param $lo v128) (param $hi v128) (param $j i32) (result f32)
    (f32.reinterpret_i32 (call $lane_i32 (local.get $lo) (local.get $hi) (local.get $j))))

  ;; The scalar epilogue of one int8 output (channel nidx, byte offset off).
  (func $store1_i32 (param $acc i32) (param $nidx i32) (param $off i32) (param $out i32)
    (param $zp i32) (param $wsum i32) (param $scale i32) (param $bias i32) (param $res i32) (param $relu i32)
    (local $n4 i32)
    (local.set $n4 (i32.shl (local.get $nidx) (i32.const 2)))
    (if (local.get $zp)
      (then (local.set $acc (i32.sub (local.get $acc)
        (i32.mul (local.get $zp) (i32.load (i32.add (local.get $wsum) (local.get $n4))))))))
    (call $store1_f32
      (f32.mul (f32.convert_i32_s (local.get $acc)) (f32.load (i32.add (local.get $scale) (local.get $n4))))
      (local.get $n4) (local.get $off) (local.get $out) (local.get $bias) (local.get $res) (local.get $relu)))

  (func $store1_f32 (param $v f32) (param $n4 i32) (param $off i32) (param $out i32)
    (param $bias i32) (param $res i32) (param $relu i32)
    (local.set $v (f32.add (local.get $v) (f32.load (i32.add (local.get $bias) (local.get $n4)))))
    (if (local.get $res)
      (then (local.set $v (f32.add (local.get $v) (f32.load (i32.add (local.get $res) (local.get $off)))))))
    (if (i32.and (local.get $relu) (f32.lt (local.get $v) (f32.const 0)))
      (then (local.set $v (f32.const 0))))
    (global.set $max (f32x4.max (global.get $max) (f32x4.splat (local.get $v))))
    (f32.store (i32.add (local.get $out) (local.get $off)) (local.get $v)))

  ;; ---------------------------------------------------------------- f32
  ;;
  ;; gemm_f32: out[m][n] = epilogue(Σ_k a[m][k]·w[n][k]) for f32 rows of k
  ;; (stride lda) and weights packed O8K1 (panel p: k rows of 8 channels).
  ;; scale is 0 when the Epilogue has none.
  (func $gemm_f32 (export "gemm_f32")
    (param $out i32) (param $ldo i32) (param $a i32) (param $lda i32) (param $m i32)
    (param $k i32) (param $w i32) (param $n i32)
    (param $scale i32) (param $bias i32) (param $res i32) (param $relu i32)
    (local $mc i32) (local $r0 i32) (local $r1 i32) (local $r i32) (local $n0 i32) (local $wp i32)
    (local.set $mc (i32.and (i32.div_u (i32.const 4096) (i32.add (local.get $k) (i32.const 1))) (i32.const -4)))
    (if (i32.lt_u (local.get $mc) (i32.const 4)) (then (local.set $mc (i32.const 4))))
    (local.set $r0 (i32.const 0))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $r0) (local.get $m)))
        (local.set $r1 (i32.add (local.get $r0) (local.get $mc)))
        (if (i32.gt_u (local.get $r1) (local.get $m)) (then (local.set $r1 (local.get $m))))
        (local.set $n0 (i32.const 0))
        (block $pdone
          (loop $panels
            (br_if $pdone (i32.ge_u (local.get $n0) (local.get $n)))
            (local.set $wp (i32.add (local.get $w) (i32.shl (i32.mul (local.get $n0) (local.get $k)) (i32.const 2))))
            (local.set $r (local.get $r0))
            (block $t4done
              (loop $t4
                (br_if $t4done (i32.gt_u (i32.add (local.get $r) (i32.const 4)) (local.get $r1)))
                (call $f32_4x8 (local.get $out) (local.get $ldo) (local.get $a) (local.get $lda) (local.get $r)
                  (local.get $k) (local.get $wp) (local.get $n0) (local.get $n)
                  (local.get $scale) (local.get $bias) (local.get $res) (local.get $relu))
                (local.set $r (i32.add (local.get $r) (i32.const 4)))
                (br $t4)))
            (block $t1done
              (loop $t1
                (br_if $t1done (i32.ge_u (local.get $r) (local.get $r1)))
                (call $f32_1x8 (local.get $out) (local.get $ldo) (local.get $a) (local.get $lda) (local.get $r)
                  (local.get $k) (local.get $wp) (local.get $n0) (local.get $n)
                  (local.get $scale) (local.get $bias) (local.get $res) (local.get $relu))
                (local.set $r (i32.add (local.get $r) (i32.const 1)))
                (br $t1)))
            (local.set $n0 (i32.add (local.get $n0) (i32.const 8)))
            (br $panels)))
        (local.set $r0 (local.get $r1))
        (br $rows))))

  (func $f32_4x8
    (param $out i32) (param $ldo i32) (param $a i32) (param $lda i32) (param $r i32)
    (param $k i32) (param $wp i32) (param $n0 i32) (param $n i32)
    (param $scale i32) (param $bias i32) (param $res i32) (param $relu i32)
    (local $a0 i32) (local $a1 i32) (local $a2 i32) (local $a3 i32) (local $end i32) (local $wk i32)
    (local $w0 v128) (local $w1 v128) (local $b v128)
    (local $c0l v128) (local $c0h v128) (local $c1l v128) (local $c1h v128)
    (local $c2l v128) (local $c2h v128) (local $c3l v128) (local $c3h v128)
    (local.set $a0 (i32.add (local.get $a) (i32.shl (i32.mul (local.get $r) (local.get $lda)) (i32.const 2))))
    (local.set $a1 (i32.add (local.get $a0) (i32.shl (local.get $lda) (i32.const 2))))
    (local.set $a2 (i32.add (local.get $a1) (i32.shl (local.get $lda) (i32.const 2))))
    (local.set $a3 (i32.add (local.get $a2) (i32.shl (local.get $lda) (i32.const 2))))
    (local.set $end (i32.add (local.get $a0) (i32.shl (local.get $k) (i32.const 2))))
    (local.set $wk (local.get $wp))
    (block $done
      (loop $ks
        (br_if $done (i32.ge_u (local.get $a0) (local.get $end)))
        (local.set $w0 (v128.load offset=0 (local.get $wk)))
        (local.set $w1 (v128.load offset=16 (local.get $wk)))
        (local.set $b (v128.load32_splat (local.get $a0)))
        (local.set $c0l (f32x4.add (local.get $c0l) (f32x4.mul (local.get $b) (local.get $w0))))
        (local.set $c0h (f32x4.add (local.get $c0h) (f32x4.mul (local.get $b) (local.get $w1))))
        (local.set $b (v128.load32_splat (local.get $a1)))
        (local.set $c1l (f32x4.add (local.get $c1l) (f32x4.mul (local.get $b) (local.get $w0))))
        (local.set $c1h (f32x4.add (local.get $c1h) (f32x4.mul (local.get $b) (local.get $w1))))
        (local.set $b (v128.load32_splat (local.get $a2)))
        (local.set $c2l (f32x4.add (local.get $c2l) (f32x4.mul (local.get $b) (local.get $w0))))
        (local.set $c2h (f32x4.add (local.get $c2h) (f32x4.mul (local.get $b) (local.get $w1))))
        (local.set $b (v128.load32_splat (local.get $a3)))
        (local.set $c3l (f32x4.add (local.get $c3l) (f32x4.mul (local.get $b) (local.get $w0))))
        (local.set $c3h (f32x4.add (local.get $c3h) (f32x4.mul (local.get $b) (local.get $w1))))
        (local.set $a0 (i32.add (local.get $a0) (i32.const 4)))
        (local.set $a1 (i32.add (local.get $a1) (i32.const 4)))
        (local.set $a2 (i32.add (local.get $a2) (i32.const 4)))
        (local.set $a3 (i32.add (local.get $a3) (i32.const 4)))
        (local.set $wk (i32.add (local.get $wk) (i32.const 32)))
        (br $ks)))
    (call $store_f32 (local.get $c0l) (local.get $c0h) (local.get $r) (local.get $out) (local.get $ldo) (local.get $n0) (local.get $n)
      (local.get $scale) (local.get $bias) (local.get $res) (local.get $relu))
    (call $store_f32 (local.get $c1l) (local.get $c1h) (i32.add (local.get $r) (i32.const 1)) (local.get $out) (local.get $ldo) (local.get $n0) (local.get $n)
      (local.get $scale) (local.get $bias) (local.get $res) (local.get $relu))
    (call $store_f32 (local.get $c2l) (local.get $c2h) (i32.add (local.get $r) (i32.const 2)) (local.get $out) (local.get $ldo) (local.get $n0) (local.get $n)
      (local.get $scale) (local.get $bias) (local.get $res) (local.get $relu))
    (call $store_f32 (local.get $c3l) (local.get $c3h) (i32.add (local.get $r) (i32.const 3)) (local.get $out) (local.get $ldo) (local.get $n0) (local.get $n)
      (local.get $scale) (local.get $bias) (local.get $res) (local.get $relu)))

  (func $f32_1x8
    (param $out i32) (param $ldo i32) (param $a i32) (param $lda i32) (param $r i32)
    (param $k i32) (param $wp i32) (param $n0 i32) (param $n i32)
    (param $scale i32) (param $bias i32) (param $res i32) (param $relu i32)
    (local $a0 i32) (local $end i32) (local $wk i32) (local $b v128) (local $cl v128) (local $ch v128)
    (local.set $a0 (i32.add (local.get $a) (i32.shl (i32.mul (local.get $r) (local.get $lda)) (i32.const 2))))
    (local.set $end (i32.add (local.get $a0) (i32.shl (local.get $k) (i32.const 2))))
    (local.set $wk (local.get $wp))
    (block $done
      (loop $ks
        (br_if $done (i32.ge_u (local.get $a0) (local.get $end)))
        (local.set $b (v128.load32_splat (local.get $a0)))
        (local.set $cl (f32x4.add (local.get $cl) (f32x4.mul (local.get $b) (v128.load offset=0 (local.get $wk)))))
        (local.set $ch (f32x4.add (local.get $ch) (f32x4.mul (local.get $b) (v128.load offset=16 (local.get $wk)))))
        (local.set $a0 (i32.add (local.get $a0) (i32.const 4)))
        (local.set $wk (i32.add (local.get $wk) (i32.const 32)))
        (br $ks)))
    (call $store_f32 (local.get $cl) (local.get $ch) (local.get $r) (local.get $out) (local.get $ldo) (local.get $n0) (local.get $n)
      (local.get $scale) (local.get $bias) (local.get $res) (local.get $relu)))

  (func $store_f32
    (param $lo v128) (param $hi v128) (param $row i32) (param $out i32) (param $ldo i32) (param $n0 i32) (param $n i32)
    (param $scale i32) (param $bias i32) (param $res i32) (param $relu i32)
    (local $off i32) (local $j i32) (local $nn i32) (local $n4 i32) (local $v f32)
    (local.set $off (i32.shl (i32.add (i32.mul (local.get $row) (local.get $ldo)) (local.get $n0)) (i32.const 2)))
    (if (i32.ge_u (i32.sub (local.get $n) (local.get $n0)) (i32.const 8))
      (then
        (if (local.get $scale)
          (then
            (local.set $lo (f32x4.mul (local.get $lo) (v128.load offset=0 (i32.add (local.get $scale) (i32.shl (local.get $n0) (i32.const 2))))))
            (local.set $hi (f32x4.mul (local.get $hi) (v128.load offset=16 (i32.add (local.get $scale) (i32.shl (local.get $n0) (i32.const 2))))))))
        (v128.store offset=0 (i32.add (local.get $out) (local.get $off))
          (call $finish (local.get $lo) (i32.add (local.get $bias) (i32.shl (local.get $n0) (i32.const 2)))
            (local.get $res) (local.get $off) (local.get $relu)))
        (v128.store offset=16 (i32.add (local.get $out) (local.get $off))
          (call $finish (local.get $hi) (i32.add (local.get $bias) (i32.add (i32.shl (local.get $n0) (i32.const 2)) (i32.const 16)))
            (local.get $res) (i32.add (local.get $off) (i32.const 16)) (local.get $relu)))
        (return)))
    (local.set $nn (i32.sub (local.get $n) (local.get $n0)))
    (local.set $j (i32.const 0))
    (block $done
      (loop $lanes
        (br_if $done (i32.ge_u (local.get $j) (local.get $nn)))
        (local.set $n4 (i32.shl (i32.add (local.get $n0) (local.get $j)) (i32.const 2)))
        (local.set $v (call $lane_f32 (local.get $lo) (local.get $hi) (local.get $j)))
        (if (local.get $scale)
          (then (local.set $v (f32.mul (local.get $v) (f32.load (i32.add (local.get $scale) (local.get $n4)))))))
        (call $store1_f32 (local.get $v) (local.get $n4) (i32.add (local.get $off) (i32.shl (local.get $j) (i32.const 2)))
          (local.get $out) (local.get $bias) (local.get $res) (local.get $relu))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $lanes))))

  ;; ---------------------------------------------------------- requantise
  ;;
  ;; quantize_u16: dst[i] = clamp(trunc(src[i]·inv + (zp + ½)), 0, qmax) for
  ;; 0 < qmax ≤ ActMax, bit-identical to QuantizeU16: the mul and the add
  ;; round to f32 each; trunc_sat maps NaN to 0 and saturates ±∞; min_s then
  ;; clamps to qmax where Go's v ≥ qmax branch does (qmax is an integer, so
  ;; trunc(v) ≥ qmax exactly when v ≥ qmax), and the saturating unsigned
  ;; narrow takes negatives to 0 (v in (−1, 0) truncates to 0 either way).
  (func $quantize_u16 (export "quantize_u16")
    (param $dst i32) (param $src i32) (param $len i32) (param $inv f32) (param $zp i32) (param $qmax i32)
    (local $bias f32) (local $vinv v128) (local $vbias v128) (local $vtop v128) (local $end i32) (local $v f32) (local $q i32)
    (local.set $bias (f32.add (f32.convert_i32_s (local.get $zp)) (f32.const 0.5)))
    (local.set $vinv (f32x4.splat (local.get $inv)))
    (local.set $vbias (f32x4.splat (local.get $bias)))
    (local.set $vtop (i32x4.splat (local.get $qmax)))
    (local.set $end (i32.add (local.get $dst) (i32.shl (i32.and (local.get $len) (i32.const -8)) (i32.const 1))))
    (block $done
      (loop $vec
        (br_if $done (i32.ge_u (local.get $dst) (local.get $end)))
        (v128.store (local.get $dst)
          (i16x8.narrow_i32x4_u
            (i32x4.min_s (local.get $vtop)
              (i32x4.trunc_sat_f32x4_s (f32x4.add (f32x4.mul (v128.load offset=0 (local.get $src)) (local.get $vinv)) (local.get $vbias))))
            (i32x4.min_s (local.get $vtop)
              (i32x4.trunc_sat_f32x4_s (f32x4.add (f32x4.mul (v128.load offset=16 (local.get $src)) (local.get $vinv)) (local.get $vbias))))))
        (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
        (local.set $src (i32.add (local.get $src) (i32.const 32)))
        (br $vec)))
    (local.set $end (i32.add (local.get $end) (i32.shl (i32.and (local.get $len) (i32.const 7)) (i32.const 1))))
    (block $tdone
      (loop $tail
        (br_if $tdone (i32.ge_u (local.get $dst) (local.get $end)))
        (local.set $v (f32.add (f32.mul (f32.load (local.get $src)) (local.get $inv)) (local.get $bias)))
        (local.set $q (i32.trunc_sat_f32_s (local.get $v)))
        (if (i32.lt_s (local.get $q) (i32.const 0)) (then (local.set $q (i32.const 0))))
        (if (i32.gt_s (local.get $q) (local.get $qmax)) (then (local.set $q (local.get $qmax))))
        (i32.store16 (local.get $dst) (local.get $q))
        (local.set $dst (i32.add (local.get $dst) (i32.const 2)))
        (local.set $src (i32.add (local.get $src) (i32.const 4)))
        (br $tail))))

  ;; max_f32: max(0, src[0…len)) with Go's max semantics for the values the
  ;; engine sees (NaN wins; -0 and +0 compare equal, the result is +0 when
  ;; every element is ≤ 0). abs != 0 takes |x|, for MaxAbsF32.
  (func $max_f32 (export "max_f32") (param $src i32) (param $len i32) (param $abs i32) (result f32)
    (local $m v128) (local $x v128) (local $end i32) (local $s f32) (local $y f32)
    (local.set $end (i32.add (local.get $src) (i32.shl (i32.and (local.get $len) (i32.const -4)) (i32.const 2))))
    (block $done
      (loop $vec
        (br_if $done (i32.ge_u (local.get $src) (local.get $end)))
        (local.set $x (v128.load (local.get $src)))
        (if (local.get $abs) (then (local.set $x (f32x4.abs (local.get $x)))))
        (local.set $m (f32x4.max (local.get $m) (local.get $x)))
        (local.set $src (i32.add (local.get $src) (i32.const 16)))
        (br $vec)))
    (local.set $s (f32.max
      (f32.max (f32x4.extract_lane 0 (local.get $m)) (f32x4.extract_lane 1 (local.get $m)))
      (f32.max (f32x4.extract_lane 2 (local.get $m)) (f32x4.extract_lane 3 (local.get $m)))))
    (local.set $end (i32.add (local.get $end) (i32.shl (i32.and (local.get $len) (i32.const 3)) (i32.const 2))))
    (block $tdone
      (loop $tail
        (br_if $tdone (i32.ge_u (local.get $src) (local.get $end)))
        (local.set $y (f32.load (local.get $src)))
        (if (local.get $abs) (then (local.set $y (f32.abs (local.get $y)))))
        (local.set $s (f32.max (local.get $s) (local.get $y)))
        (local.set $src (i32.add (local.get $src) (i32.const 4)))
        (br $tail)))
    (local.get $s))

  ;; -------------------------------------------------------------- im2col
  ;;
  ;; im2col: Im2col for u16 activations (esz 2, fill any u16) and f32 ones
  ;; (esz 4, fill must be 0). lda, c are in elements. Interior runs are one
  ;; memory.copy per kernel row; padding is $fill_elems, the K tail
  ;; memory.fill.
  (func $im2col (export "im2col")
    (param $dst i32) (param $lda i32) (param $src i32) (param $h i32) (param $w i32) (param $c i32)
    (param $k i32) (param $stride i32) (param $pad i32) (param $fill i32) (param $esz i32)
    (local $oh i32) (local $ow i32) (local $kc i32) (local $oy i32) (local $ox i32) (local $ky i32)
    (local $iy i32) (local $ix0 i32) (local $lo i32) (local $hi i32) (local $row i32) (local $seg i32)
    (local $c4 i32) (local $ldab i32) (local $kkc i32)
    (local.set $oh (i32.add (i32.div_s (i32.sub (i32.add (local.get $h) (i32.shl (local.get $pad) (i32.const 1))) (local.get $k)) (local.get $stride)) (i32.const 1)))
    (local.set $ow (i32.add (i32.div_s (i32.sub (i32.add (local.get $w) (i32.shl (local.get $pad) (i32.const 1))) (local.get $k)) (local.get $stride)) (i32.const 1)))
    (local.set $c4 (i32.mul (local.get $c) (local.get $esz)))
    (local.set $kc (i32.mul (local.get $k) (local.get $c4)))
    (local.set $kkc (i32.mul (local.get $k) (local.get $kc)))
    (local.set $ldab (i32.mul (local.get $lda) (local.get $esz)))
    (local.set $row (local.get $dst))
    (local.set $oy (i32.const 0))
    (block $ydone
      (loop $ys
        (br_if $ydone (i32.ge_s (local.get $oy) (local.get $oh)))
        (local.set $ox (i32.const 0))
        (block $xdone
          (loop $xs
            (br_if $xdone (i32.ge_s (local.get $ox) (local.get $ow)))
            (local.set $ix0 (i32.sub (i32.mul (local.get $ox) (local.get $stride)) (local.get $pad)))
            ;; lo, hi: the taps of a kernel row that land inside the image
            (local.set $lo (i32.sub (i32.const 0) (local.get $ix0)))
            (if (i32.lt_s (local.get $lo) (i32.const 0)) (then (local.set $lo (i32.const 0))))
            (local.set $hi (i32.sub (local.get $w) (local.get $ix0)))
            (if (i32.gt_s (local.get $hi) (local.get $k)) (then (local.set $hi (local.get $k))))
            (local.set $ky (i32.const 0))
            (local.set $seg (local.get $row))
            (block $kdone
              (loop $kys
                (br_if $kdone (i32.ge_s (local.get $ky) (local.get $k)))
                (local.set $iy (i32.add (i32.sub (i32.mul (local.get $oy) (local.get $stride)) (local.get $pad)) (local.get $ky)))
                (if (i32.or (i32.or (i32.lt_s (local.get $iy) (i32.const 0)) (i32.ge_s (local.get $iy) (local.get $h)))
                            (i32.ge_s (local.get $lo) (local.get $hi)))
                  (then (call $fill_elems (local.get $seg) (local.get $fill) (local.get $kc) (local.get $esz)))
                  (else
                    (call $fill_elems (local.get $seg) (local.get $fill) (i32.mul (local.get $lo) (local.get $c4)) (local.get $esz))
                    (memory.copy
                      (i32.add (local.get $seg) (i32.mul (local.get $lo) (local.get $c4)))
                      (i32.add (local.get $src) (i32.mul (i32.add (i32.mul (local.get $iy) (local.get $w)) (i32.add (local.get $ix0) (local.get $lo))) (local.get $c4)))
                      (i32.mul (i32.sub (local.get $hi) (local.get $lo)) (local.get $c4)))
                    (call $fill_elems (i32.add (local.get $seg) (i32.mul (local.get $hi) (local.get $c4))) (local.get $fill)
                      (i32.mul (i32.sub (local.get $k) (local.get $hi)) (local.get $c4)) (local.get $esz))))
                (local.set $seg (i32.add (local.get $seg) (local.get $kc)))
                (local.set $ky (i32.add (local.get $ky) (i32.const 1)))
                (br $kys)))
            (memory.fill (i32.add (local.get $row) (local.get $kkc)) (i32.const 0) (i32.sub (local.get $ldab) (local.get $kkc)))
            (local.set $row (i32.add (local.get $row) (local.get $ldab)))
            (local.set $ox (i32.add (local.get $ox) (i32.const 1)))
            (br $xs)))
        (local.set $oy (i32.add (local.get $oy) (i32.const 1)))
        (br $ys))))
;; fill_elems: len bytes at dst with the esz-byte element v: u16 elements
  ;; eight at a time, anything else as the byte v (f32 fills are 0).
  (func $fill_elems (param $dst i32) (param $v i32) (param $len i32) (param $esz i32)
    (local $end i32) (local $vv v128)
    (if (i32.ne (local.get $esz) (i32.const 2))
      (then (memory.fill (local.get $dst) (local.get $v) (local.get $len)) (return)))
    (local.set $vv (i16x8.splat (local.get $v)))
    (local.set $end (i32.add (local.get $dst) (local.get $len)))
    (block $vdone
      (loop $vec
        (br_if $vdone (i32.gt_u (i32.add (local.get $dst) (i32.const 16)) (local.get $end)))
        (v128.store (local.get $dst) (local.get $vv))
        (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
        (br $vec)))
    (block $sdone
      (loop $scalar
        (br_if $sdone (i32.ge_u (local.get $dst) (local.get $end)))
        (i32.store16 (local.get $dst) (local.get $v))
        (local.set $dst (i32.add (local.get $dst) (i32.const 2)))
        (br $scalar))))

  ;; ------------------------------------------------------------- pooling
  ;;
  ;; maxpool3x3s2: MaxPool3x3s2 on an HWC f32 tensor with c a multiple of 4,
  ;; four channels per f32x4.max. f32x4.max and Go's max agree on every
  ;; value (NaN wins, +0 above −0) but possibly a NaN's payload.
  (func $maxpool3x3s2 (export "maxpool3x3s2")
    (param $dst i32) (param $src i32) (param $h i32) (param $w i32) (param $c i32)
    (local $oh i32) (local $ow i32) (local $oy i32) (local $ox i32) (local $y0 i32) (local $y1 i32)
    (local $x0 i32) (local $x1 i32) (local $y i32) (local $x i32) (local $cb i32) (local $ch i32)
    (local $m v128) (local $out i32)
    (local.set $oh (i32.add (i32.div_s (i32.sub (local.get $h) (i32.const 1)) (i32.const 2)) (i32.const 1)))
    (local.set $ow (i32.add (i32.div_s (i32.sub (local.get $w) (i32.const 1)) (i32.const 2)) (i32.const 1)))
    (local.set $cb (i32.shl (local.get $c) (i32.const 2)))
    (local.set $out (local.get $dst))
    (local.set $oy (i32.const 0))
    (block $ydone
      (loop $ys
        (br_if $ydone (i32.ge_s (local.get $oy) (local.get $oh)))
        (local.set $y0 (i32.sub (i32.shl (local.get $oy) (i32.const 1)) (i32.const 1)))
        (if (i32.lt_s (local.get $y0) (i32.const 0)) (then (local.set $y0 (i32.const 0))))
        (local.set $y1 (i32.add (i32.shl (local.get $oy) (i32.const 1)) (i32.const 2)))
        (if (i32.gt_s (local.get $y1) (local.get $h)) (then (local.set $y1 (local.get $h))))
        (local.set $ox (i32.const 0))
        (block $xdone
          (loop $xs
            (br_if $xdone (i32.ge_s (local.get $ox) (local.get $ow)))
            (local.set $x0 (i32.sub (i32.shl (local.get $ox) (i32.const 1)) (i32.const 1)))
            (if (i32.lt_s (local.get $x0) (i32.const 0)) (then (local.set $x0 (i32.const 0))))
            (local.set $x1 (i32.add (i32.shl (local.get $ox) (i32.const 1)) (i32.const 2)))
            (if (i32.gt_s (local.get $x1) (local.get $w)) (then (local.set $x1 (local.get $w))))
            (local.set $ch (i32.const 0))
            (block $cdone
              (loop $chs
                (br_if $cdone (i32.ge_u (local.get $ch) (local.get $cb)))
                (local.set $m (v128.load (i32.add (i32.add (local.get $src) (local.get $ch))
                  (i32.mul (i32.add (i32.mul (local.get $y0) (local.get $w)) (local.get $x0)) (local.get $cb)))))
                (local.set $y (local.get $y0))
                (block $wydone
                  (loop $wys
                    (br_if $wydone (i32.ge_s (local.get $y) (local.get $y1)))
                    (local.set $x (local.get $x0))
                    (block $wxdone
                      (loop $wxs
                        (br_if $wxdone (i32.ge_s (local.get $x) (local.get $x1)))
                        (local.set $m (f32x4.max (local.get $m) (v128.load (i32.add (i32.add (local.get $src) (local.get $ch))
                          (i32.mul (i32.add (i32.mul (local.get $y) (local.get $w)) (local.get $x)) (local.get $cb))))))
                        (local.set $x (i32.add (local.get $x) (i32.const 1)))
                        (br $wxs)))
                    (local.set $y (i32.add (local.get $y) (i32.const 1)))
                    (br $wys)))
                (v128.store (i32.add (local.get $out) (local.get $ch)) (local.get $m))
                (local.set $ch (i32.add (local.get $ch) (i32.const 16)))
                (br $chs)))
            (local.set $out (i32.add (local.get $out) (local.get $cb)))
            (local.set $ox (i32.add (local.get $ox) (i32.const 1)))
            (br $xs)))
        (local.set $oy (i32.add (local.get $oy) (i32.const 1)))
        (br $ys))))

  ;; ------------------------------------------------------------- Winograd
  ;;
  ;; F(2×2, 3×3) on u16 activations, exactly (winograd.go has the argument):
  ;; winograd_in_u16 transforms 4×4 input tiles to int16, gemm_s16s16
  ;; multiplies each of the 16 transformed positions by its int16 weights,
  ;; winograd_out transforms back and runs the int8 epilogue. All integer
  ;; arithmetic wraps, which is exact modulo 2³², so any order of it gives
  ;; the twins' bits.

  ;; The address of input tap (y, x) of an h×w×c u16 image, or zeros (c zero
  ;; values) when the tap falls in the padding.
  (func $tap (param $src i32) (param $zeros i32) (param $h i32) (param $w i32) (param $c i32)
    (param $y i32) (param $x i32) (result i32)
    (if (result i32) (i32.and (i32.lt_u (local.get $y) (local.get $h)) (i32.lt_u (local.get $x) (local.get $w)))
      (then (i32.add (local.get $src) (i32.shl (i32.mul (i32.add (i32.mul (local.get $y) (local.get $w)) (local.get $x)) (local.get $c)) (i32.const 1))))
      (else (local.get $zeros))))

  ;; winograd_in_u16: for tiles t0…t1, v[ξ·vs + (t−t0)·ldv + ch] = (Bᵀ d B)[ξ]
  ;; for channel ch (int16; vs, ldv in elements), zeros for c ≤ ch < ldv.
  ;; Eight channels per step, as i16x8 (u16 values of at most ActMax; the
  ;; transform stays within ±4·ActMax, inside int16); the last c mod 8
  ;; channels one at a time in lane 0 of the same code. The taps of a tile are located once: 16 addresses, out-of-image
  ;; taps pointing at the zeros.
  (func $winograd_in_u16 (export "winograd_in_u16")
    (param $v i32) (param $vs i32) (param $ldv i32) (param $src i32) (param $h i32) (param $w i32)
    (param $c i32) (param $tw i32) (param $t0 i32) (param $t1 i32) (param $zeros i32)
    (local $t i32) (local $y i32) (local $x i32) (local $ch i32) (local $c8 i32) (local $vb i32) (local $vs2 i32)
    (local $p0 i32) (local $p1 i32) (local $p2 i32) (local $p3 i32) (local $p4 i32) (local $p5 i32) (local $p6 i32) (local $p7 i32)
    (local $p8 i32) (local $p9 i32) (local $p10 i32) (local $p11 i32) (local $p12 i32) (local $p13 i32) (local $p14 i32) (local $p15 i32)
    (local $d0 v128) (local $d1 v128) (local $d2 v128) (local $d3 v128)
    (local $e00 v128) (local $e01 v128) (local $e02 v128) (local $e03 v128)
    (local $e10 v128) (local $e11 v128) (local $e12 v128) (local $e13 v128)
    (local $e20 v128) (local $e21 v128) (local $e22 v128) (local $e23 v128)
    (local $e30 v128) (local $e31 v128) (local $e32 v128) (local $e33 v128)
    (local $r0 v128) (local $r1 v128) (local $r2 v128) (local $r3 v128)
    (local.set $c8 (i32.and (local.get $c) (i32.const -8)))
    (local.set $vs2 (i32.shl (local.get $vs) (i32.const 1)))
    (local.set $t (local.get $t0))
    (block $tdone
      (loop $tiles
        (br_if $tdone (i32.ge_u (local.get $t) (local.get $t1)))
        ;; tap (r, s) at row y+r, column x+s; y, x may be −1 (and compare
        ;; as huge unsigned numbers, so $tap sends them to the zeros)
        (local.set $y (i32.sub (i32.shl (i32.div_u (local.get $t) (local.get $tw)) (i32.const 1)) (i32.const 1)))
        (local.set $x (i32.sub (i32.shl (i32.rem_u (local.get $t) (local.get $tw)) (i32.const 1)) (i32.const 1)))
        (local.set $p0 (call $tap (local.get $src) (local.get $zeros) (local.get $h) (local.get $w) (local.get $c) (local.get $y) (local.get $x)))
        (local.set $p1 (call $tap (local.get $src) (local.get $zeros) (local.get $h) (local.get $w) (local.get $c) (local.get $y) (i32.add (local.get $x) (i32.const 1))))
        (local.set $p2 (call $tap (local.get $src) (local.get $zeros) (local.get $h) (local.get $w) (local.get $c) (local.get $y) (i32.add (local.get $x) (i32.const 2))))
        (local.set $p3 (call $tap (local.get $src) (local.get $zeros) (local.get $h) (local.get $w) (local.get $c) (local.get $y) (i32.add (local.get $x) (i32.const 3))))
        (local.set $y (i32.add (local.get $y) (i32.const 1)))
        (local.set $p4 (call $tap (local.get $src) (local.get $zeros) (local.get $h) (local.get $w) (local.get $c) (local.get $y) (local.get $x)))
        (local.set $p5 (call $tap (local.get $src) (local.get $zeros) (local.get $h) (local.get $w) (local.get $c) (local.get $y) (i32.add (local.get $x) (i32.const 1))))
        (local.set $p6 (call $tap (local.get $src) (local.get $zeros) (local.get $h) (local.get $w) (local.get $c) (local.get $y) (i32.add (local.get $x) (i32.const 2))))
        (local.set $p7 (call $tap (local.get $src) (local.get $zeros) (local.get $h) (local.get $w) (local.get $c) (local.get $y) (i32.add (local.get $x) (i32.const 3))))
        (local.set $y (i32.add (local.get $y) (i32.const 1)))
        (local.set $p8 (call $tap (local.get $src) (local.get $zeros) (local.get $h) (local.get $w) (local.get $c) (local.get $y) (local.get $x)))
        (local.set $p9 (call $tap (local.get $src) (local.get $zeros) (local.get $h) (local.get $w) (local.get $c) (local.get $y) (i32.add (local.get $x) (i32.const 1))))
        (local.set $p10 (call $tap (local.get $src) (local.get $zeros) (local.get $h) (local.get $w) (local.get $c) (local.get $y) (i32.add (local.get $x) (i32.const 2))))
        (local.set $p11 (call $tap (local.get $src) (local.get $zeros) (local.get $h) (local.get $w) (local.get $c) (local.get $y) (i32.add (local.get $x) (i32.const 3))))
        (local.set $y (i32.add (local.get $y) (i32.const 1)))
        (local.set $p12 (call $tap (local.get $src) (local.get $zeros) (local.get $h) (local.get $w) (local.get $c) (local.get $y) (local.get $x)))
        (local.set $p13 (call $tap (local.get $src) (local.get $zeros) (local.get $h) (local.get $w) (local.get $c) (local.get $y) (i32.add (local.get $x) (i32.const 1))))
        (local.set $p14 (call $tap (local.get $src) (local.get $zeros) (local.get $h) (local.get $w) (local.get $c) (local.get $y) (i32.add (local.get $x) (i32.const 2))))
        (local.set $p15 (call $tap (local.get $src) (local.get $zeros) (local.get $h) (local.get $w) (local.get $c) (local.get $y) (i32.add (local.get $x) (i32.const 3))))
        (local.set $ch (i32.const 0))
        (block $cdone
          (loop $chans
            (br_if $cdone (i32.ge_u (local.get $ch) (local.get $c)))
            ;; d·B for each tap row r: e[r] = [d0−d2, d1+d2, d2−d1, d1−d3]
            (if (i32.lt_u (local.get $ch) (local.get $c8))
              (then
                (local.set $d0 (v128.load (i32.add (local.get $p0) (i32.shl (local.get $ch) (i32.const 1)))))
                (local.set $d1 (v128.load (i32.add (local.get $p1) (i32.shl (local.get $ch) (i32.const 1)))))
                (local.set $d2 (v128.load (i32.add (local.get $p2) (i32.shl (local.get $ch) (i32.const 1)))))
                (local.set $d3 (v128.load (i32.add (local.get $p3) (i32.shl (local.get $ch) (i32.const 1))))))
              (else
                (local.set $d0 (i16x8.splat (i32.load16_u (i32.add (local.get $p0) (i32.shl (local.get $ch) (i32.const 1))))))
                (local.set $d1 (i16x8.splat (i32.load16_u (i32.add (local.get $p1) (i32.shl (local.get $ch) (i32.const 1))))))
                (local.set $d2 (i16x8.splat (i32.load16_u (i32.add (local.get $p2) (i32.shl (local.get $ch) (i32.const 1))))))
                (local.set $d3 (i16x8.splat (i32.load16_u (i32.add (local.get $p3) (i32.shl (local.get $ch) (i32.const 1))))))))
            (local.set $e00 (i16x8.sub (local.get $d0) (local.get $d2)))
            (local.set $e01 (i16x8.add (local.get $d1) (local.get $d2)))
            (local.set $e02 (i16x8.sub (local.get $d2) (local.get $d1)))
            (local.set $e03 (i16x8.sub (local.get $d1) (local.get $d3)))
            (if (i32.lt_u (local.get $ch) (local.get $c8))
              (then
                (local.set $d0 (v128.load (i32.add (local.get $p4) (i32.shl (local.get $ch) (i32.const 1)))))
                (local.set $d1 (v128.load (i32.add (local.get $p5) (i32.shl (local.get $ch) (i32.const 1)))))
                (local.set $d2 (v128.load (i32.add (local.get $p6) (i32.shl (local.get $ch) (i32.const 1)))))
                (local.set $d3 (v128.load (i32.add (local.get $p7) (i32.shl (local.get $ch) (i32.const 1))))))
              (else
                (local.set $d0 (i16x8.splat (i32.load16_u (i32.add (local.get $p4) (i32.shl (local.get $ch) (i32.const 1))))))
                (local.set $d1 (i16x8.splat (i32.load16_u (i32.add (local.get $p5) (i32.shl (local.get $ch) (i32.const 1))))))
                (local.set $d2 (i16x8.splat (i32.load16_u (i32.add (local.get $p6) (i32.shl (local.get $ch) (i32.const 1))))))
                (local.set $d3 (i16x8.splat (i32.load16_u (i32.add (local.get $p7) (i32.shl (local.get $ch) (i32.const 1))))))))
            (local.set $e10 (i16x8.sub (local.get $d0) (local.get $d2)))
            (local.set $e11 (i16x8.add (local.get $d1) (local.get $d2)))
            (local.set $e12 (i16x8.sub (local.get $d2) (local.get $d1)))
            (local.set $e13 (i16x8.sub (local.get $d1) (local.get $d3)))
            (if (i32.lt_u (local.get $ch) (local.get $c8))
              (then
                (local.set $d0 (v128.load (i32.add (local.get $p8) (i32.shl (local.get $ch) (i32.const 1)))))
                (local.set $d1 (v128.load (i32.add (local.get $p9) (i32.shl (local.get $ch) (i32.const 1)))))
                (local.set $d2 (v128.load (i32.add (local.get $p10) (i32.shl (local.get $ch) (i32.const 1)))))
                (local.set $d3 (v128.load (i32.add (local.get $p11) (i32.shl (local.get $ch) (i32.const 1))))))
              (else
                (local.set $d0 (i16x8.splat (i32.load16_u (i32.add (local.get $p8) (i32.shl (local.get $ch) (i32.const 1))))))
                (local.set $d1 (i16x8.splat (i32.load16_u (i32.add (local.get $p9) (i32.shl (local.get $ch) (i32.const 1))))))
                (local.set $d2 (i16x8.splat (i32.load16_u (i32.add (local.get $p10) (i32.shl (local.get $ch) (i32.const 1))))))
                (local.set $d3 (i16x8.splat (i32.load16_u (i32.add (local.get $p11) (i32.shl (local.get $ch) (i32.const 1))))))))
            (local.set $e20 (i16x8.sub (local.get $d0) (local.get $d2)))
            (local.set $e21 (i16x8.add (local.get $d1) (local.get $d2)))
            (local.set $e22 (i16x8.sub (local.get $d2) (local.get $d1)))
            (local.set $e23 (i16x8.sub (local.get $d1) (local.get $d3)))
            (if (i32.lt_u (local.get $ch) (local.get $c8))
              (then
                (local.set $d0 (v128.load (i32.add (local.get $p12) (i32.shl (local.get $ch) (i32.const 1)))))
                (local.set $d1 (v128.load (i32.add (local.get $p13) (i32.shl (local.get $ch) (i32.const 1)))))
                (local.set $d2 (v128.load (i32.add (local.get $p14) (i32.shl (local.get $ch) (i32.const 1)))))
                (local.set $d3 (v128.load (i32.add (local.get $p15) (i32.shl (local.get $ch) (i32.const 1))))))
              (else
                (local.set $d0 (i16x8.splat (i32.load16_u (i32.add (local.get $p12) (i32.shl (local.get $ch) (i32.const 1))))))
                (local.set $d1 (i16x8.splat (i32.load16_u (i32.add (local.get $p13) (i32.shl (local.get $ch) (i32.const 1))))))
                (local.set $d2 (i16x8.splat (i32.load16_u (i32.add (local.get $p14) (i32.shl (local.get $ch) (i32.const 1))))))
                (local.set $d3 (i16x8.splat (i32.load16_u (i32.add (local.get $p15) (i32.shl (local.get $ch) (i32.const 1))))))))
            (local.set $e30 (i16x8.sub (local.get $d0) (local.get $d2)))
            (local.set $e31 (i16x8.add (local.get $d1) (local.get $d2)))
            (local.set $e32 (i16x8.sub (local.get $d2) (local.get $d1)))
            (local.set $e33 (i16x8.sub (local.get $d1) (local.get $d3)))
            ;; Bᵀ·e, column j at a time: position ξ = 4i + j
            (local.set $vb (i32.add (local.get $v) (i32.shl (i32.add (i32.mul (i32.sub (local.get $t) (local.get $t0)) (local.get $ldv)) (local.get $ch)) (i32.const 1))))
            (if (i32.lt_u (local.get $ch) (local.get $c8))
              (then
                (v128.store (local.get $vb) (i16x8.sub (local.get $e00) (local.get $e20)))
                (v128.store (i32.add (local.get $vb) (i32.mul (local.get $vs2) (i32.const 4))) (i16x8.add (local.get $e10) (local.get $e20)))
                (v128.store (i32.add (local.get $vb) (i32.mul (local.get $vs2) (i32.const 8))) (i16x8.sub (local.get $e20) (local.get $e10)))
                (v128.store (i32.add (local.get $vb) (i32.mul (local.get $vs2) (i32.const 12))) (i16x8.sub (local.get $e10) (local.get $e30)))
                (v128.store (i32.add (local.get $vb) (i32.mul (local.get $vs2) (i32.const 1))) (i16x8.sub (local.get $e01) (local.get $e21)))
                (v128.store (i32.add (local.get $vb) (i32.mul (local.get $vs2) (i32.const 5))) (i16x8.add (local.get $e11) (local.get $e21)))
                (v128.store (i32.add (local.get $vb) (i32.mul (local.get $vs2) (i32.const 9))) (i16x8.sub (local.get $e21) (local.get $e11)))
                (v128.store (i32.add (local.get $vb) (i32.mul (local.get $vs2) (i32.const 13))) (i16x8.sub (local.get $e11) (local.get $e31)))
                (v128.store (i32.add (local.get $vb) (i32.mul (local.get $vs2) (i32.const 2))) (i16x8.sub (local.get $e02) (local.get $e22)))
                (v128.store (i32.add (local.get $vb) (i32.mul (local.get $vs2) (i32.const 6))) (i16x8.add (local.get $e12) (local.get $e22)))
                (v128.store (i32.add (local.get $vb) (i32.mul (local.get $vs2) (i32.const 10))) (i16x8.sub (local.get $e22) (local.get $e12)))
                (v128.store (i32.add (local.get $vb) (i32.mul (local.get $vs2) (i32.const 14))) (i16x8.sub (local.get $e12) (local.get $e32)))
                (v128.store (i32.add (local.get $vb) (i32.mul (local.get $vs2) (i32.const 3))) (i16x8.sub (local.get $e03) (local.get $e23)))
                (v128.store (i32.add (local.get $vb) (i32.mul (local.get $vs2) (i32.const 7))) (i16x8.add (local.get $e13) (local.get $e23)))
                (v128.store (i32.add (local.get $vb) (i32.mul (local.get $vs2) (i32.const 11))) (i16x8.sub (local.get $e23) (local.get $e13)))
                (v128.store (i32.add (local.get $vb) (i32.mul (local.get $vs2) (i32.const 15))) (i16x8.sub (local.get $e13) (local.get $e33))))
              (else
                (call $win_col1 (local.get $e00) (local.get $e10) (local.get $e20) (local.get $e30) (local.get $vb) (local.get $vs2))
                (call $win_col1 (local.get $e01) (local.get $e11) (local.get $e21) (local.get $e31) (i32.add (local.get $vb) (local.get $vs2)) (local.get $vs2))
                (call $win_col1 (local.get $e02) (local.get $e12) (local.get $e22) (local.get $e32) (i32.add (local.get $vb) (i32.shl (local.get $vs2) (i32.const 1))) (local.get $vs2))
                (call $win_col1 (local.get $e03) (local.get $e13) (local.get $e23) (local.get $e33) (i32.add (local.get $vb) (i32.mul (local.get $vs2) (i32.const 3))) (local.get $vs2))))
            (local.set $ch (i32.add (local.get $ch) (select (i32.const 8) (i32.const 1) (i32.lt_u (local.get $ch) (local.get $c8)))))
            (br $chans)))
        ;; padding channels c…ldv
        (block $zdone
          (loop $zeroes
            (br_if $zdone (i32.ge_u (local.get $ch) (local.get $ldv)))
            (local.set $vb (i32.add (local.get $v) (i32.shl (i32.add (i32.mul (i32.sub (local.get $t) (local.get $t0)) (local.get $ldv)) (local.get $ch)) (i32.const 1))))
            (local.set $y (i32.const 0))
            (block $xdone
              (loop $xis
                (br_if $xdone (i32.ge_u (local.get $y) (i32.const 16)))
                (i32.store16 (local.get $vb) (i32.const 0))
                (local.set $vb (i32.add (local.get $vb) (local.get $vs2)))
                (local.set $y (i32.add (local.get $y) (i32.const 1)))
                (br $xis)))
            (local.set $ch (i32.add (local.get $ch) (i32.const 1)))
            (br $zeroes)))
        (local.set $t (i32.add (local.get $t) (i32.const 1)))
        (br $tiles))))

  ;; One column j of Bᵀ·e in lane 0, for the last c mod 8 channels:
  ;; positions ξ = j, 4+j, 8+j, 12+j at addr, addr + 4·vs2, … (vs2: the
  ;; position stride in bytes): [e0−e2, e1+e2, e2−e1, e1−e3]. The eight-lane
  ;; version is written out inline in winograd_in_u16's loop.
  (func $win_col1 (param $e0 v128) (param $e1 v128) (param $e2 v128) (param $e3 v128)
    (param $addr i32) (param $vs2 i32)
    (local $step i32)
    (local.set $step (i32.shl (local.get $vs2) (i32.const 2)))
    (v128.store16_lane 0 (local.get $addr) (i16x8.sub (local.get $e0) (local.get $e2)))
    (local.set $addr (i32.add (local.get $addr) (local.get $step)))
    (v128.store16_lane 0 (local.get $addr) (i16x8.add (local.get $e1) (local.get $e2)))
    (local.set $addr (i32.add (local.get $addr) (local.get $step)))
    (v128.store16_lane 0 (local.get $addr) (i16x8.sub (local.get $e2) (local.get $e1)))
    (local.set $addr (i32.add (local.get $addr) (local.get $step)))
    (v128.store16_lane 0 (local.get $addr) (i16x8.sub (local.get $e1) (local.get $e3))))

  ;; gemm_s16s16: out[m][n] = Σ_k a[m][k]·w[n][k], raw int32, for int16 rows
  ;; (kp even, stride lda elements) and int16 weights packed O8K2 (panel p:
  ;; per pair kk, 32 bytes [c0k0 c0k1 … c7k1]). Writes whole panels (ldo ≥
  ;; n rounded up to 8). The pair (a0, a1) is one 32-bit load-splat; no
  ;; widening anywhere, unlike gemm_u16s8's weights.
  (func $gemm_s16s16 (export "gemm_s16s16")
    (param $out i32) (param $ldo i32) (param $a i32) (param $lda i32) (param $m i32)
    (param $kp i32) (param $w i32) (param $n i32)
    (local $mc i32) (local $r0 i32) (local $r1 i32) (local $r i32) (local $n0 i32) (local $wp i32)
    (local.set $mc (i32.and (i32.div_u (i32.const 8192) (i32.add (local.get $kp) (i32.const 1))) (i32.const -4)))
    (if (i32.lt_u (local.get $mc) (i32.const 4)) (then (local.set $mc (i32.const 4))))
    (local.set $r0 (i32.const 0))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $r0) (local.get $m)))
        (local.set $r1 (i32.add (local.get $r0) (local.get $mc)))
        (if (i32.gt_u (local.get $r1) (local.get $m)) (then (local.set $r1 (local.get $m))))
        (local.set $n0 (i32.const 0))
        (block $pdone
          (loop $panels
            (br_if $pdone (i32.ge_u (local.get $n0) (local.get $n)))
            (local.set $wp (i32.add (local.get $w) (i32.shl (i32.mul (local.get $n0) (local.get $kp)) (i32.const 1))))
            (local.set $r (local.get $r0))
            (block $t4done
              (loop $t4
                (br_if $t4done (i32.gt_u (i32.add (local.get $r) (i32.const 4)) (local.get $r1)))
                (call $s16_4x8 (local.get $out) (local.get $ldo) (local.get $a) (local.get $lda) (local.get $r)
                  (local.get $kp) (local.get $wp) (local.get $n0))
                (local.set $r (i32.add (local.get $r) (i32.const 4)))
                (br $t4)))
            (block $t1done
              (loop $t1
                (br_if $t1done (i32.ge_u (local.get $r) (local.get $r1)))
                (call $s16_1x8 (local.get $out) (local.get $ldo) (local.get $a) (local.get $lda) (local.get $r)
                  (local.get $kp) (local.get $wp) (local.get $n0))
                (local.set $r (i32.add (local.get $r) (i32.const 1)))
                (br $t1)))
            (local.set $n0 (i32.add (local.get $n0) (i32.const 8)))
            (br $panels)))
        (local.set $r0 (local.get $r1))
        (br $rows))))

  (func $s16_4x8
    (param $out i32) (param $ldo i32) (param $a i32) (param $lda i32) (param $r i32)
    (param $kp i32) (param $wp i32) (param $n0 i32)
    (local $a0 i32) (local $a1 i32) (local $a2 i32) (local $a3 i32) (local $end i32) (local $end4 i32) (local $wk i32)
    (local $wl v128) (local $wh v128) (local $b v128) (local $o i32)
    (local $c0l v128) (local $c0h v128) (local $c1l v128) (local $c1h v128)
    (local $c2l v128) (local $c2h v128) (local $c3l v128) (local $c3h v128)
    ;; a0…a3 walk the four rows (bytes); end is a0's last pair
    (local.set $a0 (i32.add (local.get $a) (i32.shl (i32.mul (local.get $r) (local.get $lda)) (i32.const 1))))
    (local.set $a1 (i32.add (local.get $a0) (i32.shl (local.get $lda) (i32.const 1))))
    (local.set $a2 (i32.add (local.get $a1) (i32.shl (local.get $lda) (i32.const 1))))
    (local.set $a3 (i32.add (local.get $a2) (i32.shl (local.get $lda) (i32.const 1))))
    (local.set $end (i32.add (local.get $a0) (i32.shl (local.get $kp) (i32.const 1))))
    (local.set $end4 (i32.add (local.get $a0) (i32.shl (i32.and (local.get $kp) (i32.const -8)) (i32.const 1))))
    (local.set $wk (local.get $wp))
    ;; four pairs per iteration
    (block $mdone
      (loop $main
        (br_if $mdone (i32.ge_u (local.get $a0) (local.get $end4)))
        (local.set $wl (v128.load offset=0 (local.get $wk)))
        (local.set $wh (v128.load offset=16 (local.get $wk)))
        (local.set $b (v128.load32_splat offset=0 (local.get $a0)))
        (local.set $c0l (i32x4.add (local.get $c0l) (i32x4.dot_i16x8_s (local.get $wl) (local.get $b))))
        (local.set $c0h (i32x4.add (local.get $c0h) (i32x4.dot_i16x8_s (local.get $wh) (local.get $b))))
        (local.set $b (v128.load32_splat offset=0 (local.get $a1)))
        (local.set $c1l (i32x4.add (local.get $c1l) (i32x4.dot_i16x8_s (local.get $wl) (local.get $b))))
        (local.set $c1h (i32x4.add (local.get $c1h) (i32x4.dot_i16x8_s (local.get $wh) (local.get $b))))
        (local.set $b (v128.load32_splat offset=0 (local.get $a2)))
        (local.set $c2l (i32x4.add (local.get $c2l) (i32x4.dot_i16x8_s (local.get $wl) (local.get $b))))
        (local.set $c2h (i32x4.add (local.get $c2h) (i32x4.dot_i16x8_s (local.get $wh) (local.get $b))))
        (local.set $b (v128.load32_splat offset=0 (local.get $a3)))
        (local.set $c3l (i32x4.add (local.get $c3l) (i32x4.dot_i16x8_s (local.get $wl) (local.get $b))))
        (local.set $c3h (i32x4.add (local.get $c3h) (i32x4.dot_i16x8_s (local.get $wh) (local.get $b))))
        (local.set $wl (v128.load offset=32 (local.get $wk)))
        (local.set $wh (v128.load offset=48 (local.get $wk)))
        (local.set $b (v128.load32_splat offset=4 (local.get $a0)))
        (local.set $c0l (i32x4.add (local.get $c0l) (i32x4.dot_i16x8_s (local.get $wl) (local.get $b))))
        (local.set $c0h (i32x4.add (local.get $c0h) (i32x4.dot_i16x8_s (local.get $wh) (local.get $b))))
        (local.set $b (v128.load32_splat offset=4 (local.get $a1)))
        (local.set $c1l (i32x4.add (local.get $c1l) (i32x4.dot_i16x8_s (local.get $wl) (local.get $b))))
        (local.set $c1h (i32x4.add (local.get $c1h) (i32x4.dot_i16x8_s (local.get $wh) (local.get $b))))
        (local.set $b (v128.load32_splat offset=4 (local.get $a2)))
        (local.set $c2l (i32x4.add (local.get $c2l) (i32x4.dot_i16x8_s (local.get $wl) (local.get $b))))
        (local.set $c2h (i32x4.add (local.get $c2h) (i32x4.dot_i16x8_s (local.get $wh) (local.get $b))))
        (local.set $b (v128.load32_splat offset=4 (local.get $a3)))
        (local.set $c3l (i32x4.add (local.get $c3l) (i32x4.dot_i16x8_s (local.get $wl) (local.get $b))))
        (local.set $c3h (i32x4.add (local.get $c3h) (i32x4.dot_i16x8_s (local.get $wh) (local.get $b))))
        (local.set $wl (v128.load offset=64 (local.get $wk)))
        (local.set $wh (v128.load offset=80 (local.get $wk)))
        (local.set $b (v128.load32_splat offset=8 (local.get $a0)))
        (local.set $c0l (i32x4.add (local.get $c0l) (i32x4.dot_i16x8_s (local.get $wl) (local.get $b))))
        (local.set $c0h (i32x4.add (local.get $c0h) (i32x4.dot_i16x8_s (local.get $wh) (local.get $b))))
        (local.set $b (v128.load32_splat offset=8 (local.get $a1)))
        (local.set $c1l (i32x4.add (local.get $c1l) (i32x4.dot_i16x8_s (local.get $wl) (local.get $b))))
        (local.set $c1h (i32x4.add (local.get $c1h) (i32x4.dot_i16x8_s (local.get $wh) (local.get $b))))
        (local.set $b (v128.load32_splat offset=8 (local.get $a2)))
        (local.set $c2l (i32x4.add (local.get $c2l) (i32x4.dot_i16x8_s (local.get $wl) (local.get $b))))
        (local.set $c2h (i32x4.add (local.get $c2h) (i32x4.dot_i16x8_s (local.get $wh) (local.get $b))))
        (local.set $b (v128.load32_splat offset=8 (local.get $a3)))
        (local.set $c3l (i32x4.add (local.get $c3l) (i32x4.dot_i16x8_s (local.get $wl) (local.get $b))))
        (local.set $c3h (i32x4.add (local.get $c3h) (i32x4.dot_i16x8_s (local.get $wh) (local.get $b))))
        (local.set $wl (v128.load offset=96 (local.get $wk)))
        (local.set $wh (v128.load offset=112 (local.get $wk)))
        (local.set $b (v128.load32_splat offset=12 (local.get $a0)))
        (local.set $c0l (i32x4.add (local.get $c0l) (i32x4.dot_i16x8_s (local.get $wl) (local.get $b))))
        (local.set $c0h (i32x4.add (local.get $c0h) (i32x4.dot_i16x8_s (local.get $wh) (local.get $b))))
        (local.set $b (v128.load32_splat offset=12 (local.get $a1)))
        (local.set $c1l (i32x4.add (local.get $c1l) (i32x4.dot_i16x8_s (local.get $wl) (local.get $b))))
        (local.set $c1h (i32x4.add (local.get $c1h) (i32x4.dot_i16x8_s (local.get $wh) (local.get $b))))
        (local.set $b (v128.load32_splat offset=12 (local.get $a2)))
        (local.set $c2l (i32x4.add (local.get $c2l) (i32x4.dot_i16x8_s (local.get $wl) (local.get $b))))
        (local.set $c2h (i32x4.add (local.get $c2h) (i32x4.dot_i16x8_s (local.get $wh) (local.get $b))))
        (local.set $b (v128.load32_splat offset=12 (local.get $a3)))
        (local.set $c3l (i32x4.add (local.get $c3l) (i32x4.dot_i16x8_s (local.get $wl) (local.get $b))))
        (local.set $c3h (i32x4.add (local.get $c3h) (i32x4.dot_i16x8_s (local.get $wh) (local.get $b))))
        (local.set $wk (i32.add (local.get $wk) (i32.const 128)))
        (local.set $a0 (i32.add (local.get $a0) (i32.const 16)))
        (local.set $a1 (i32.add (local.get $a1) (i32.const 16)))
        (local.set $a2 (i32.add (local.get $a2) (i32.const 16)))
        (local.set $a3 (i32.add (local.get $a3) (i32.const 16)))
        (br $main)))
    (block $tdone
      (loop $tail
        (br_if $tdone (i32.ge_u (local.get $a0) (local.get $end)))
        (local.set $wl (v128.load offset=0 (local.get $wk)))
        (local.set $wh (v128.load offset=16 (local.get $wk)))
        (local.set $b (v128.load32_splat (local.get $a0)))
        (local.set $c0l (i32x4.add (local.get $c0l) (i32x4.dot_i16x8_s (local.get $wl) (local.get $b))))
        (local.set $c0h (i32x4.add (local.get $c0h) (i32x4.dot_i16x8_s (local.get $wh) (local.get $b))))
        (local.set $b (v128.load32_splat (local.get $a1)))
        (local.set $c1l (i32x4.add (local.get $c1l) (i32x4.dot_i16x8_s (local.get $wl) (local.get $b))))
        (local.set $c1h (i32x4.add (local.get $c1h) (i32x4.dot_i16x8_s (local.get $wh) (local.get $b))))
        (local.set $b (v128.load32_splat (local.get $a2)))
        (local.set $c2l (i32x4.add (local.get $c2l) (i32x4.dot_i16x8_s (local.get $wl) (local.get $b))))
        (local.set $c2h (i32x4.add (local.get $c2h) (i32x4.dot_i16x8_s (local.get $wh) (local.get $b))))
        (local.set $b (v128.load32_splat (local.get $a3)))
        (local.set $c3l (i32x4.add (local.get $c3l) (i32x4.dot_i16x8_s (local.get $wl) (local.get $b))))
        (local.set $c3h (i32x4.add (local.get $c3h) (i32x4.dot_i16x8_s (local.get $wh) (local.get $b))))
        (local.set $wk (i32.add (local.get $wk) (i32.const 32)))
        (local.set $a0 (i32.add (local.get $a0) (i32.const 4)))
        (local.set $a1 (i32.add (local.get $a1) (i32.const 4)))
        (local.set $a2 (i32.add (local.get $a2) (i32.const 4)))
        (local.set $a3 (i32.add (local.get $a3) (i32.const 4)))
        (br $tail)))
    (local.set $o (i32.add (local.get $out) (i32.shl (i32.add (i32.mul (local.get $r) (local.get $ldo)) (local.get $n0)) (i32.const 2))))
    (v128.store offset=0 (local.get $o) (local.get $c0l))
    (v128.store offset=16 (local.get $o) (local.get $c0h))
    (local.set $o (i32.add (local.get $o) (i32.shl (local.get $ldo) (i32.const 2))))
    (v128.store offset=0 (local.get $o) (local.get $c1l))
    (v128.store offset=16 (local.get $o) (local.get $c1h))
    (local.set $o (i32.add (local.get $o) (i32.shl (local.get $ldo) (i32.const 2))))
    (v128.store offset=0 (local.get $o) (local.get $c2l))
    (v128.store offset=16 (local.get $o) (local.get $c2h))
    (local.set $o (i32.add (local.get $o) (i32.shl (local.get $ldo) (i32.const 2))))
    (v128.store offset=0 (local.get $o) (local.get $c3l))
    (v128.store offset=16 (local.get $o) (local.get $c3h)))

  (func $s16_1x8
    (param $out i32) (param $ldo i32) (param $a i32) (param $lda i32) (param $r i32)
    (param $kp i32) (param $wp i32) (param $n0 i32)
    (local $a0 i32) (local $end i32) (local $wk i32) (local $b v128) (local $cl v128) (local $ch v128) (local $o i32)
    (local.set $a0 (i32.add (local.get $a) (i32.shl (i32.mul (local.get $r) (local.get $lda)) (i32.const 1))))
    (local.set $end (i32.add (local.get $a0) (i32.shl (local.get $kp) (i32.const 1))))
    (local.set $wk (local.get $wp))
    (block $done
      (loop $pairs
        (br_if $done (i32.ge_u (local.get $a0) (local.get $end)))
        (local.set $b (v128.load32_splat (local.get $a0)))
        (local.set $cl (i32x4.add (local.get $cl) (i32x4.dot_i16x8_s (v128.load offset=0 (local.get $wk)) (local.get $b))))
        (local.set $ch (i32x4.add (local.get $ch) (i32x4.dot_i16x8_s (v128.load offset=16 (local.get $wk)) (local.get $b))))
        (local.set $wk (i32.add (local.get $wk) (i32.const 32)))
        (local.set $a0 (i32.add (local.get $a0) (i32.const 4)))
        (br $pairs)))
    (local.set $o (i32.add (local.get $out) (i32.shl (i32.add (i32.mul (local.get $r) (local.get $ldo)) (local.get $n0)) (i32.const 2))))
    (v128.store offset=0 (local.get $o) (local.get $cl))
    (v128.store offset=16 (local.get $o) (local.get $ch)))

  ;; winograd_out: for tiles t0…t1, Y = (Aᵀ M A) >> 2 from the 16 int32
  ;; matrices at m (position ξ at byte m + 4·(ξ·ms + (t−t0)·ldm)), then the
  ;; int8 epilogue (zero point 0) on each output pixel inside h×w: out and
  ;; res (0 for none) are h×w rows of stride ldo floats. Four channels per
  ;; step; the last n mod 4 one at a time in lane 0 of the same code, whose
  ;; epilogue is then the scalar one (it reads nothing past n).
  (func $winograd_out (export "winograd_out")
    (param $out i32) (param $ldo i32) (param $m i32) (param $ms i32) (param $ldm i32) (param $h i32) (param $w i32)
    (param $n i32) (param $tw i32) (param $t0 i32) (param $t1 i32)
    (param $scale i32) (param $bias i32) (param $res i32) (param $relu i32)
    (local $t i32) (local $y i32) (local $x i32) (local $o i32) (local $n4 i32)
    (local $mb i32) (local $ms4 i32) (local $pix i32) (local $q i32) (local $step i32) (local $off i32) (local $o4 i32)
    (local $m0 v128) (local $m1 v128) (local $m2 v128) (local $m3 v128) (local $sc v128) (local $bi v128) (local $v v128) (local $mx v128)
    (local $a00 v128) (local $a01 v128) (local $a02 v128) (local $a03 v128)
    (local $a10 v128) (local $a11 v128) (local $a12 v128) (local $a13 v128)
    (local.set $n4 (i32.and (local.get $n) (i32.const -4)))
    (local.set $ms4 (i32.shl (local.get $ms) (i32.const 2)))
    (local.set $step (i32.shl (local.get $ms4) (i32.const 2)))
    (local.set $t (local.get $t0))
    (block $tdone
      (loop $tiles
        (br_if $tdone (i32.ge_u (local.get $t) (local.get $t1)))
        (local.set $y (i32.shl (i32.div_u (local.get $t) (local.get $tw)) (i32.const 1)))
        (local.set $x (i32.shl (i32.rem_u (local.get $t) (local.get $tw)) (i32.const 1)))
        (local.set $o (i32.const 0))
        (block $cdone
          (loop $chans
            (br_if $cdone (i32.ge_u (local.get $o) (local.get $n)))
            (local.set $mb (i32.add (local.get $m) (i32.shl (i32.add (i32.mul (i32.sub (local.get $t) (local.get $t0)) (local.get $ldm)) (local.get $o)) (i32.const 2))))
            (if (i32.lt_u (local.get $o) (local.get $n4))
              (then
                ;; four channels, inline: Aᵀ·M column by column, then each
                ;; pixel inside the image through gemm_u16s8's epilogue (zero
                ;; point 0), with scale and bias loaded once
                (local.set $q (local.get $mb))
                (local.set $m0 (v128.load (local.get $q)))
                (local.set $m1 (v128.load (i32.add (local.get $q) (local.get $step))))
                (local.set $m2 (v128.load (i32.add (local.get $q) (i32.shl (local.get $step) (i32.const 1)))))
                (local.set $m3 (v128.load (i32.add (local.get $q) (i32.mul (local.get $step) (i32.const 3)))))
                (local.set $a00 (i32x4.add (i32x4.add (local.get $m0) (local.get $m1)) (local.get $m2)))
                (local.set $a10 (i32x4.sub (i32x4.sub (local.get $m1) (local.get $m2)) (local.get $m3)))
                (local.set $q (i32.add (local.get $mb) (i32.mul (local.get $ms4) (i32.const 1))))
                (local.set $m0 (v128.load (local.get $q)))
                (local.set $m1 (v128.load (i32.add (local.get $q) (local.get $step))))
                (local.set $m2 (v128.load (i32.add (local.get $q) (i32.shl (local.get $step) (i32.const 1)))))
                (local.set $m3 (v128.load (i32.add (local.get $q) (i32.mul (local.get $step) (i32.const 3)))))
                (local.set $a01 (i32x4.add (i32x4.add (local.get $m0) (local.get $m1)) (local.get $m2)))
                (local.set $a11 (i32x4.sub (i32x4.sub (local.get $m1) (local.get $m2)) (local.get $m3)))
                (local.set $q (i32.add (local.get $mb) (i32.mul (local.get $ms4) (i32.const 2))))
                (local.set $m0 (v128.load (local.get $q)))
                (local.set $m1 (v128.load (i32.add (local.get $q) (local.get $step))))
                (local.set $m2 (v128.load (i32.add (local.get $q) (i32.shl (local.get $step) (i32.const 1)))))
                (local.set $m3 (v128.load (i32.add (local.get $q) (i32.mul (local.get $step) (i32.const 3)))))
                (local.set $a02 (i32x4.add (i32x4.add (local.get $m0) (local.get $m1)) (local.get $m2)))
                (local.set $a12 (i32x4.sub (i32x4.sub (local.get $m1) (local.get $m2)) (local.get $m3)))
                (local.set $q (i32.add (local.get $mb) (i32.mul (local.get $ms4) (i32.const 3))))
                (local.set $m0 (v128.load (local.get $q)))
                (local.set $m1 (v128.load (i32.add (local.get $q) (local.get $step))))
                (local.set $m2 (v128.load (i32.add (local.get $q) (i32.shl (local.get $step) (i32.const 1)))))
                (local.set $m3 (v128.load (i32.add (local.get $q) (i32.mul (local.get $step) (i32.const 3)))))
                (local.set $a03 (i32x4.add (i32x4.add (local.get $m0) (local.get $m1)) (local.get $m2)))
                (local.set $a13 (i32x4.sub (i32x4.sub (local.get $m1) (local.get $m2)) (local.get $m3)))
                (local.set $o4 (i32.shl (local.get $o) (i32.const 2)))
                (local.set $sc (v128.load (i32.add (local.get $scale) (local.get $o4))))
                (local.set $bi (v128.load (i32.add (local.get $bias) (local.get $o4))))
                (local.set $pix (i32.add (i32.mul (local.get $y) (local.get $w)) (local.get $x)))
                (local.set $mx (global.get $max))
                (block $p0
                    (local.set $off (i32.add (i32.shl (i32.mul (local.get $pix) (local.get $ldo)) (i32.const 2)) (local.get $o4)))
                    (local.set $v (f32x4.add (f32x4.mul (f32x4.convert_i32x4_s (i32x4.shr_s (i32x4.add (i32x4.add (local.get $a00) (local.get $a01)) (local.get $a02)) (i32.const 2))) (local.get $sc)) (local.get $bi)))
                    (if (local.get $res) (then (local.set $v (f32x4.add (local.get $v) (v128.load (i32.add (local.get $res) (local.get $off)))))))
                    (if (local.get $relu) (then (local.set $v (v128.andnot (local.get $v) (f32x4.lt (local.get $v) (v128.const i32x4 0 0 0 0))))))
                    (v128.store (i32.add (local.get $out) (local.get $off)) (local.get $v))
                    (local.set $mx (f32x4.max (local.get $mx) (local.get $v)))
                    (br_if $p0 (i32.ge_u (i32.add (local.get $x) (i32.const 1)) (local.get $w)))
                    (local.set $off (i32.add (i32.shl (i32.mul (i32.add (local.get $pix) (i32.const 1)) (local.get $ldo)) (i32.const 2)) (local.get $o4)))
                    (local.set $v (f32x4.add (f32x4.mul (f32x4.convert_i32x4_s (i32x4.shr_s (i32x4.sub (i32x4.sub (local.get $a01) (local.get $a02)) (local.get $a03)) (i32.const 2))) (local.get $sc)) (local.get $bi)))
                    (if (local.get $res) (then (local.set $v (f32x4.add (local.get $v) (v128.load (i32.add (local.get $res) (local.get $off)))))))
                    (if (local.get $relu) (then (local.set $v (v128.andnot (local.get $v) (f32x4.lt (local.get $v) (v128.const i32x4 0 0 0 0))))))
                    (v128.store (i32.add (local.get $out) (local.get $off)) (local.get $v))
                    (local.set $mx (f32x4.max (local.get $mx) (local.get $v))))
                (block $p1
                    (br_if $p1 (i32.ge_u (i32.add (local.get $y) (i32.const 1)) (local.get $h)))
                    (local.set $pix (i32.add (local.get $pix) (local.get $w)))
                    (local.set $off (i32.add (i32.shl (i32.mul (local.get $pix) (local.get $ldo)) (i32.const 2)) (local.get $o4)))
                    (local.set $v (f32x4.add (f32x4.mul (f32x4.convert_i32x4_s (i32x4.shr_s (i32x4.add (i32x4.add (local.get $a10) (local.get $a11)) (local.get $a12)) (i32.const 2))) (local.get $sc)) (local.get $bi)))
                    (if (local.get $res) (then (local.set $v (f32x4.add (local.get $v) (v128.load (i32.add (local.get $res) (local.get $off)))))))
                    (if (local.get $relu) (then (local.set $v (v128.andnot (local.get $v) (f32x4.lt (local.get $v) (v128.const i32x4 0 0 0 0))))))
                    (v128.store (i32.add (local.get $out) (local.get $off)) (local.get $v))
                    (local.set $mx (f32x4.max (local.get $mx) (local.get $v)))
                    (br_if $p1 (i32.ge_u (i32.add (local.get $x) (i32.const 1)) (local.get $w)))
                    (local.set $off (i32.add (i32.shl (i32.mul (i32.add (local.get $pix) (i32.const 1)) (local.get $ldo)) (i32.const 2)) (local.get $o4)))
                    (local.set $v (f32x4.add (f32x4.mul (f32x4.convert_i32x4_s (i32x4.shr_s (i32x4.sub (i32x4.sub (local.get $a11) (local.get $a12)) (local.get $a13)) (i32.const 2))) (local.get $sc)) (local.get $bi)))
                    (if (local.get $res) (then (local.set $v (f32x4.add (local.get $v) (v128.load (i32.add (local.get $res) (local.get $off)))))))
                    (if (local.get $relu) (then (local.set $v (v128.andnot (local.get $v) (f32x4.lt (local.get $v) (v128.const i32x4 0 0 0 0))))))
                    (v128.store (i32.add (local.get $out) (local.get $off)) (local.get $v))
                    (local.set $mx (f32x4.max (local.get $mx) (local.get $v))))
                (global.set $max (local.get $mx))
                (local.set $o (i32.add (local.get $o) (i32.const 4)))
                (br $chans)))
            ;; the last n mod 4 channels
            ;; Aᵀ·M, column j: [m0j + m1j + m2j, m1j − m2j − m3j]
            (call $wout_col1 (local.get $mb) (local.get $ms4))
            (local.set $a10) (local.set $a00)
            (call $wout_col1 (i32.add (local.get $mb) (local.get $ms4)) (local.get $ms4))
            (local.set $a11) (local.set $a01)
            (call $wout_col1 (i32.add (local.get $mb) (i32.shl (local.get $ms4) (i32.const 1))) (local.get $ms4))
            (local.set $a12) (local.set $a02)
            (call $wout_col1 (i32.add (local.get $mb) (i32.mul (local.get $ms4) (i32.const 3))) (local.get $ms4))
            (local.set $a13) (local.set $a03)
            ;; (Aᵀ·M)·A, pixel by pixel, inside the image only
            (local.set $pix (i32.add (i32.mul (local.get $y) (local.get $w)) (local.get $x)))
            (call $wout_pixel1 (i32x4.add (i32x4.add (local.get $a00) (local.get $a01)) (local.get $a02))
              (local.get $pix) (local.get $o)
              (local.get $out) (local.get $ldo) (local.get $scale) (local.get $bias) (local.get $res) (local.get $relu))
            (if (i32.lt_u (i32.add (local.get $x) (i32.const 1)) (local.get $w))
              (then
                (call $wout_pixel1 (i32x4.sub (i32x4.sub (local.get $a01) (local.get $a02)) (local.get $a03))
                  (i32.add (local.get $pix) (i32.const 1)) (local.get $o)
                  (local.get $out) (local.get $ldo) (local.get $scale) (local.get $bias) (local.get $res) (local.get $relu))))
            (if (i32.lt_u (i32.add (local.get $y) (i32.const 1)) (local.get $h))
              (then
                (local.set $pix (i32.add (local.get $pix) (local.get $w)))
                (call $wout_pixel1 (i32x4.add (i32x4.add (local.get $a10) (local.get $a11)) (local.get $a12))
                  (local.get $pix) (local.get $o)
                  (local.get $out) (local.get $ldo) (local.get $scale) (local.get $bias) (local.get $res) (local.get $relu))
                (if (i32.lt_u (i32.add (local.get $x) (i32.const 1)) (local.get $w))
                  (then
                    (call $wout_pixel1 (i32x4.sub (i32x4.sub (local.get $a11) (local.get $a12)) (local.get $a13))
                      (i32.add (local.get $pix) (i32.const 1)) (local.get $o)
                      (local.get $out) (local.get $ldo) (local.get $scale) (local.get $bias) (local.get $res) (local.get $relu))))))
            (local.set $o (i32.add (local.get $o) (i32.const 1)))
            (br $chans)))
        (local.set $t (i32.add (local.get $t) (i32.const 1)))
        (br $tiles))))

  ;; Column j of Aᵀ·M in lane 0, for the last n mod 4 channels, from
  ;; positions j, 4+j, 8+j, 12+j (addr, then steps of 4·stride bytes); splat
  ;; loads read nothing past the channel. The four-lane version is written out
  ;; inline in winograd_out's loop.
  (func $wout_col1 (param $addr i32) (param $stride i32) (result v128 v128)
    (local $m0 v128) (local $m1 v128) (local $m2 v128) (local $m3 v128) (local $step i32)
    (local.set $step (i32.shl (local.get $stride) (i32.const 2)))
    (local.set $m0 (v128.load32_splat (local.get $addr)))
    (local.set $m1 (v128.load32_splat (i32.add (local.get $addr) (local.get $step))))
    (local.set $m2 (v128.load32_splat (i32.add (local.get $addr) (i32.shl (local.get $step) (i32.const 1)))))
    (local.set $m3 (v128.load32_splat (i32.add (local.get $addr) (i32.mul (local.get $step) (i32.const 3)))))
    (i32x4.add (i32x4.add (local.get $m0) (local.get $m1)) (local.get $m2))
    (i32x4.sub (i32x4.sub (local.get $m1) (local.get $m2)) (local.get $m3)))

  ;; One output pixel's channel o (lane 0 of acc): acc >> 2, then the scalar
  ;; int8 epilogue with zero point 0.
  (func $wout_pixel1 (param $acc v128) (param $pix i32) (param $o i32)
    (param $out i32) (param $ldo i32) (param $scale i32) (param $bias i32) (param $res i32) (param $relu i32)
    (call $store1_i32 (i32.shr_s (i32x4.extract_lane 0 (local.get $acc)) (i32.const 2)) (local.get $o)
      (i32.add (i32.shl (i32.mul (local.get $pix) (local.get $ldo)) (i32.const 2)) (i32.shl (local.get $o) (i32.const 2)))
      (local.get $out) (i32.const 0) (i32.const 0) (local.get $scale) (local.get $bias) (local.get $res) (local.get $relu)))

;; winograd_conv: one chunk of tiles t0…t1 of a stride-1 3×3 convolution,
  ;; the three steps Conv3x3Winograd runs per chunk in one call — input
  ;; transform into v, the 16 GEMMs into m, inverse transform and epilogue
  ;; into out — with the workspace layout it uses (V[ξ] at v + ξ·vs·2 with
  ;; rows of cp = c + c%2 values, M[ξ] at m + ξ·ms·4 with rows of np =
  ;; ⌈n/8⌉·8). Every step is tile by tile, so a thread pool can give each
  ;; thread a range of the chunk's tiles and one wake-up instead of 18.
  (func $winograd_conv (export "winograd_conv")
    (param $out i32) (param $src i32) (param $h i32) (param $w i32) (param $c i32) (param $u i32) (param $n i32)
    (param $t0 i32) (param $t1 i32) (param $v i32) (param $vs i32) (param $m i32) (param $ms i32) (param $zeros i32)
    (param $scale i32) (param $bias i32) (param $res i32) (param $relu i32)
    (local $cp i32) (local $np i32) (local $tw i32) (local $xi i32)
    (local.set $cp (i32.add (local.get $c) (i32.and (local.get $c) (i32.const 1))))
    (local.set $np (i32.and (i32.add (local.get $n) (i32.const 7)) (i32.const -8)))
    (local.set $tw (i32.shr_u (i32.add (local.get $w) (i32.const 1)) (i32.const 1)))
    (call $winograd_in_u16 (local.get $v) (local.get $vs) (local.get $cp) (local.get $src) (local.get $h) (local.get $w)
      (local.get $c) (local.get $tw) (local.get $t0) (local.get $t1) (local.get $zeros))
    (block $done
      (loop $each
        (br_if $done (i32.eq (local.get $xi) (i32.const 16)))
        (call $gemm_s16s16
          (i32.add (local.get $m) (i32.shl (i32.mul (local.get $xi) (local.get $ms)) (i32.const 2))) (local.get $np)
          (i32.add (local.get $v) (i32.shl (i32.mul (local.get $xi) (local.get $vs)) (i32.const 1))) (local.get $cp)
          (i32.sub (local.get $t1) (local.get $t0)) (local.get $cp)
          (i32.add (local.get $u) (i32.shl (i32.mul (local.get $xi) (i32.mul (local.get $np) (local.get $cp))) (i32.const 1)))
          (local.get $n))
        (local.set $xi (i32.add (local.get $xi) (i32.const 1)))
        (br $each)))
    (call $winograd_out (local.get $out) (local.get $n) (local.get $m) (local.get $ms) (local.get $np) (local.get $h) (local.get $w)
      (local.get $n) (local.get $tw) (local.get $t0) (local.get $t1)
      (local.get $scale) (local.get $bias) (local.get $res) (local.get $relu)))

  ;; winograd_weights_s8: U[ξ] = (2G g 2Gᵀ)[ξ] for every output channel and
  ;; every pair of input channels, c even: the 16 bytes of tap t's O8K2 pair
  ;; (t·c/2 + m) of panel p are 8 channels × input channels 2m, 2m+1, the
  ;; same lanes as pair m of U[ξ]'s panel p. Each half (4 channels) is
  ;; sign-extended to i16x8 and transformed by $wt_half.
  (func $winograd_weights_s8 (export "winograd_weights_s8")
    (param $u i32) (param $w i32) (param $n i32) (param $c i32)
    (local $np i32) (local $p i32) (local $m i32) (local $half i32) (local $src i32) (local $dst i32) (local $step i32)
    (local $tap i32) (local $x v128)
    (local $l0 v128) (local $l1 v128) (local $l2 v128) (local $l3 v128) (local $l4 v128) (local $l5 v128) (local $l6 v128) (local $l7 v128) (local $l8 v128)
    (local $h0 v128) (local $h1 v128) (local $h2 v128) (local $h3 v128) (local $h4 v128) (local $h5 v128) (local $h6 v128) (local $h7 v128) (local $h8 v128)
    (local.set $np (i32.and (i32.add (local.get $n) (i32.const 7)) (i32.const -8)))
    ;; position stride in bytes: np·c int16
    (local.set $step (i32.shl (i32.mul (local.get $np) (local.get $c)) (i32.const 1)))
    ;; tap stride within a panel: c/2 pairs of 16 bytes
    (local.set $tap (i32.shl (local.get $c) (i32.const 3)))
    (local.set $p (i32.const 0))
    (block $pdone
      (loop $panels
        (br_if $pdone (i32.ge_u (local.get $p) (local.get $np)))
        (local.set $m (i32.const 0))
        (block $mdone
          (loop $pairs
            (br_if $mdone (i32.ge_u (local.get $m) (i32.shr_u (local.get $c) (i32.const 1))))
            ;; panel p of the input: 8 channels × 9c bytes; pair m of tap t
            (local.set $src (i32.add (i32.add (local.get $w) (i32.mul (local.get $p) (i32.mul (local.get $c) (i32.const 9))))
              (i32.shl (local.get $m) (i32.const 4))))
            (local.set $x (v128.load (i32.add (local.get $src) (i32.mul (local.get $tap) (i32.const 0)))))
            (local.set $l0 (i16x8.extend_low_i8x16_s (local.get $x)))
            (local.set $h0 (i16x8.extend_high_i8x16_s (local.get $x)))
            (local.set $x (v128.load (i32.add (local.get $src) (i32.mul (local.get $tap) (i32.const 1)))))
            (local.set $l1 (i16x8.extend_low_i8x16_s (local.get $x)))
            (local.set $h1 (i16x8.extend_high_i8x16_s (local.get $x)))
            (local.set $x (v128.load (i32.add (local.get $src) (i32.mul (local.get $tap) (i32.const 2)))))
            (local.set $l2 (i16x8.extend_low_i8x16_s (local.get $x)))
            (local.set $h2 (i16x8.extend_high_i8x16_s (local.get $x)))
            (local.set $x (v128.load (i32.add (local.get $src) (i32.mul (local.get $tap) (i32.const 3)))))
            (local.set $l3 (i16x8.extend_low_i8x16_s (local.get $x)))
            (local.set $h3 (i16x8.extend_high_i8x16_s (local.get $x)))
            (local.set $x (v128.load (i32.add (local.get $src) (i32.mul (local.get $tap) (i32.const 4)))))
            (local.set $l4 (i16x8.extend_low_i8x16_s (local.get $x)))
            (local.set $h4 (i16x8.extend_high_i8x16_s (local.get $x)))
            (local.set $x (v128.load (i32.add (local.get $src) (i32.mul (local.get $tap) (i32.const 5)))))
            (local.set $l5 (i16x8.extend_low_i8x16_s (local.get $x)))
            (local.set $h5 (i16x8.extend_high_i8x16_s (local.get $x)))
            (local.set $x (v128.load (i32.add (local.get $src) (i32.mul (local.get $tap) (i32.const 6)))))
            (local.set $l6 (i16x8.extend_low_i8x16_s (local.get $x)))
            (local.set $h6 (i16x8.extend_high_i8x16_s (local.get $x)))
            (local.set $x (v128.load (i32.add (local.get $src) (i32.mul (local.get $tap) (i32.const 7)))))
            (local.set $l7 (i16x8.extend_low_i8x16_s (local.get $x)))
            (local.set $h7 (i16x8.extend_high_i8x16_s (local.get $x)))
            (local.set $x (v128.load (i32.add (local.get $src) (i32.mul (local.get $tap) (i32.const 8)))))
            (local.set $l8 (i16x8.extend_low_i8x16_s (local.get $x)))
            (local.set $h8 (i16x8.extend_high_i8x16_s (local.get $x)))
            (local.set $dst (i32.add (local.get $u) (i32.shl (i32.add (i32.mul (local.get $p) (local.get $c)) (i32.shl (local.get $m) (i32.const 4))) (i32.const 1))))
            (call $wt_half (local.get $dst) (local.get $step)
              (local.get $l0) (local.get $l1) (local.get $l2) (local.get $l3) (local.get $l4) (local.get $l5) (local.get $l6) (local.get $l7) (local.get $l8))
            (call $wt_half (i32.add (local.get $dst) (i32.const 16)) (local.get $step)
              (local.get $h0) (local.get $h1) (local.get $h2) (local.get $h3) (local.get $h4) (local.get $h5) (local.get $h6) (local.get $h7) (local.get $h8))
            (local.set $m (i32.add (local.get $m) (i32.const 1)))
            (br $pairs)))
        (local.set $p (i32.add (local.get $p) (i32.const 8)))
        (br $panels))))

  ;; The 16 positions of one half pair from taps g0…g8 (g[ky·3+kx]), stored at
  ;; dst + ξ·step: 2G·g by columns, then ·2Gᵀ by rows, as the twin does.
  (func $wt_half (param $dst i32) (param $step i32) (param $g0 v128) (param $g1 v128) (param $g2 v128) (param $g3 v128) (param $g4 v128) (param $g5 v128) (param $g6 v128) (param $g7 v128) (param $g8 v128)
    (local $c00 v128) (local $c01 v128) (local $c02 v128) (local $c10 v128) (local $c11 v128) (local $c12 v128)
    (local $c20 v128) (local $c21 v128) (local $c22 v128) (local $c30 v128) (local $c31 v128) (local $c32 v128)
    (local.set $c00 (i16x8.shl (local.get $g0) (i32.const 1)))
    (local.set $c10 (i16x8.add (i16x8.add (local.get $g0) (local.get $g3)) (local.get $g6)))
    (local.set $c20 (i16x8.add (i16x8.sub (local.get $g0) (local.get $g3)) (local.get $g6)))
    (local.set $c30 (i16x8.shl (local.get $g6) (i32.const 1)))
    (local.set $c01 (i16x8.shl (local.get $g1) (i32.const 1)))
    (local.set $c11 (i16x8.add (i16x8.add (local.get $g1) (local.get $g4)) (local.get $g7)))
    (local.set $c21 (i16x8.add (i16x8.sub (local.get $g1) (local.get $g4)) (local.get $g7)))
    (local.set $c31 (i16x8.shl (local.get $g7) (i32.const 1)))
    (local.set $c02 (i16x8.shl (local.get $g2) (i32.const 1)))
    (local.set $c12 (i16x8.add (i16x8.add (local.get $g2) (local.get $g5)) (local.get $g8)))
    (local.set $c22 (i16x8.add (i16x8.sub (local.get $g2) (local.get $g5)) (local.get $g8)))
    (local.set $c32 (i16x8.shl (local.get $g8) (i32.const 1)))
    (v128.store (i32.add (local.get $dst) (i32.mul (local.get $step) (i32.const 0))) (i16x8.shl (local.get $c00) (i32.const 1)))
    (v128.store (i32.add (local.get $dst) (i32.mul (local.get $step) (i32.const 1))) (i16x8.add (i16x8.add (local.get $c00) (local.get $c01)) (local.get $c02)))
    (v128.store (i32.add (local.get $dst) (i32.mul (local.get $step) (i32.const 2))) (i16x8.add (i16x8.sub (local.get $c00) (local.get $c01)) (local.get $c02)))
    (v128.store (i32.add (local.get $dst) (i32.mul (local.get $step) (i32.const 3))) (i16x8.shl (local.get $c02) (i32.const 1)))
    (v128.store (i32.add (local.get $dst) (i32.mul (local.get $step) (i32.const 4))) (i16x8.shl (local.get $c10) (i32.const 1)))
    (v128.store (i32.add (local.get $dst) (i32.mul (local.get $step) (i32.const 5))) (i16x8.add (i16x8.add (local.get $c10) (local.get $c11)) (local.get $c12)))
    (v128.store (i32.add (local.get $dst) (i32.mul (local.get $step) (i32.const 6))) (i16x8.add (i16x8.sub (local.get $c10) (local.get $c11)) (local.get $c12)))
    (v128.store (i32.add (local.get $dst) (i32.mul (local.get $step) (i32.const 7))) (i16x8.shl (local.get $c12) (i32.const 1)))
    (v128.store (i32.add (local.get $dst) (i32.mul (local.get $step) (i32.const 8))) (i16x8.shl (local.get $c20) (i32.const 1)))
    (v128.store (i32.add (local.get $dst) (i32.mul (local.get $step) (i32.const 9))) (i16x8.add (i16x8.add (local.get $c20) (local.get $c21)) (local.get $c22)))
    (v128.store (i32.add (local.get $dst) (i32.mul (local.get $step) (i32.const 10))) (i16x8.add (i16x8.sub (local.get $c20) (local.get $c21)) (local.get $c22)))
    (v128.store (i32.add (local.get $dst) (i32.mul (local.get $step) (i32.const 11))) (i16x8.shl (local.get $c22) (i32.const 1)))
    (v128.store (i32.add (local.get $dst) (i32.mul (local.get $step) (i32.const 12))) (i16x8.shl (local.get $c30) (i32.const 1)))
    (v128.store (i32.add (local.get $dst) (i32.mul (local.get $step) (i32.const 13))) (i16x8.add (i16x8.add (local.get $c30) (local.get $c31)) (local.get $c32)))
    (v128.store (i32.add (local.get $dst) (i32.mul (local.get $step) (i32.const 14))) (i16x8.add (i16x8.sub (local.get $c30) (local.get $c31)) (local.get $c32)))
    (v128.store (i32.add (local.get $dst) (i32.mul (local.get $step) (i32.const 15))) (i16x8.shl (local.get $c32) (i32.const 1))))

  ;; ------------------------------------------------------------- classifier
  ;;
  ;; dense_i8: out[r] = (Σ w[r][k]·x[k])·scale[r] + bias[r] for int8 rows of
  ;; k and f32 x, in DenseI8's order: lanes a0…a3 and a4…a7 over steps of 8,
  ;; ((a0+a4)+(a2+a6)) + ((a1+a5)+(a3+a7)), then the last k mod 8 in order.
  ;; @wide-source begin
  (func $dense_i8 (export "dense_i8")
    (param $out i32) (param $w i32) (param $scale i32) (param $bias i32) (param $x i32) (param $n i32) (param $k i32)
    (local $r i32) (local $row i32) (local $i i32) (local $k8 i32) (local $xp i32)
    (local $v v128) (local $lo v128) (local $hi v128) (local $s f32) (local $t f32)
    (local.set $k8 (i32.and (local.get $k) (i32.const -8)))
    (local.set $r (i32.const 0))
    (block $rdone
      (loop $rows
        (br_if $rdone (i32.ge_u (local.get $r) (local.get $n)))
        (local.set $row (i32.add (local.get $w) (i32.mul (local.get $r) (local.get $k))))
        (local.set $lo (v128.const i32x4 0 0 0 0))
        (local.set $hi (v128.const i32x4 0 0 0 0))
        (local.set $xp (local.get $x))
        (local.set $i (i32.const 0))
        (block $kdone
          (loop $ks
            (br_if $kdone (i32.ge_u (local.get $i) (local.get $k8)))
            (local.set $v (v128.load8x8_s (i32.add (local.get $row) (local.get $i))))
            (local.set $lo (f32x4.add (local.get $lo)
              (f32x4.mul (f32x4.convert_i32x4_s (i32x4.extend_low_i16x8_s (local.get $v))) (v128.load offset=0 (local.get $xp)))))
            (local.set $hi (f32x4.add (local.get $hi)
              (f32x4.mul (f32x4.convert_i32x4_s (i32x4.extend_high_i16x8_s (local.get $v))) (v128.load offset=16 (local.get $xp)))))
            (local.set $xp (i32.add (local.get $xp) (i32.const 32)))
            (local.set $i (i32.add (local.get $i) (i32.const 8)))
            (br $ks)))
        (local.set $v (f32x4.add (local.get $lo) (local.get $hi)))
        (local.set $v (f32x4.add (local.get $v) (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v))))
        (local.set $s (f32.add (f32x4.extract_lane 0 (local.get $v)) (f32x4.extract_lane 1 (local.get $v))))
        (local.set $t (f32.const 0))
        (block $tdone
          (loop $tail
            (br_if $tdone (i32.ge_u (local.get $i) (local.get $k)))
            (local.set $t (f32.add (local.get $t)
              (f32.mul (f32.convert_i32_s (i32.load8_s (i32.add (local.get $row) (local.get $i))))
                (f32.load (i32.add (local.get $x) (i32.shl (local.get $i) (i32.const 2)))))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $tail)))
        (f32.store (i32.add (local.get $out) (i32.shl (local.get $r) (i32.const 2)))
          (f32.add
            (f32.mul (f32.add (local.get $s) (local.get $t)) (f32.load (i32.add (local.get $scale) (i32.shl (local.get $r) (i32.const 2)))))
            (f32.load (i32.add (local.get $bias) (i32.shl (local.get $r) (i32.const 2))))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rows))))
  ;; @wide-source end

  ;; ------------------------------------------------------ wide weights
  ;;
  ;; gemm_u16s16 and dense_i16: gemm_u16s8 and dense_i8 for int16 weights
  ;; (the layers a model keeps wide), the same code with every weight load
  ;; twice as wide — v128.load of 8 int16 where the int8 kernel sign-extends
  ;; 8 bytes — so the same contract holds. Generated, below.
  ;; @wide begin: generated by `go generate ./engine/kernels` from the @wide-source blocks (wasmabi/wide.go); DO NOT EDIT.
  (func $gemm_u16s16 (export "gemm_u16s16")
    (param $out i32) (param $ldo i32) (param $a i32) (param $lda i32) (param $m i32)
    (param $kp i32) (param $w i32) (param $n i32)
    (param $zp i32) (param $wsum i32) (param $scale i32) (param $bias i32) (param $res i32) (param $relu i32)
    (local $mc i32) (local $r0 i32) (local $r1 i32) (local $r i32) (local $n0 i32) (local $wp i32)
    (local.set $mc (i32.and (i32.div_u (i32.const 8192) (i32.add (local.get $kp) (i32.const 1))) (i32.const -4)))
    (local.set $lda (i32.shl (local.get $lda) (i32.const 1))) ;; bytes from here on
    (if (i32.lt_u (local.get $mc) (i32.const 4)) (then (local.set $mc (i32.const 4))))
    (local.set $r0 (i32.const 0))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $r0) (local.get $m)))
        (local.set $r1 (i32.add (local.get $r0) (local.get $mc)))
        (if (i32.gt_u (local.get $r1) (local.get $m)) (then (local.set $r1 (local.get $m))))
        (local.set $n0 (i32.const 0))
        (block $pdone
          (loop $panels
            (br_if $pdone (i32.ge_u (local.get $n0) (local.get $n)))
            (local.set $wp (i32.add (local.get $w) (i32.shl (i32.mul (local.get $n0) (local.get $kp)) (i32.const 1))))
            (local.set $r (local.get $r0))
            (block $t4done
              (loop $t4
                (br_if $t4done (i32.gt_u (i32.add (local.get $r) (i32.const 4)) (local.get $r1)))
                (call $u16s16_4x8 (local.get $out) (local.get $ldo) (local.get $a) (local.get $lda) (local.get $r)
                  (local.get $kp) (local.get $wp) (local.get $n0) (local.get $n)
                  (local.get $zp) (local.get $wsum) (local.get $scale) (local.get $bias) (local.get $res) (local.get $relu))
                (local.set $r (i32.add (local.get $r) (i32.const 4)))
                (br $t4)))
            (block $t1done
              (loop $t1
                (br_if $t1done (i32.ge_u (local.get $r) (local.get $r1)))
                (call $u16s16_1x8 (local.get $out) (local.get $ldo) (local.get $a) (local.get $lda) (local.get $r)
                  (local.get $kp) (local.get $wp) (local.get $n0) (local.get $n)
                  (local.get $zp) (local.get $wsum) (local.get $scale) (local.get $bias) (local.get $res) (local.get $relu))
                (local.set $r (i32.add (local.get $r) (i32.const 1)))
                (br $t1)))
            (local.set $n0 (i32.add (local.get $n0) (i32.const 8)))
            (br $panels)))
        (local.set $r0 (local.get $r1))
        (br $rows))))
  (func $u16s16_4x8
    (param $out i32) (param $ldo i32) (param $a i32) (param $lda i32) (param $r i32)
    (param $kp i32) (param $wp i32) (param $n0 i32) (param $n i32)
    (param $zp i32) (param $wsum i32) (param $scale i32) (param $bias i32) (param $res i32) (param $relu i32)
    (local $a0 i32) (local $a1 i32) (local $a2 i32) (local $a3 i32) (local $k i32) (local $wk i32) (local $k8 i32)
    (local $x0 v128) (local $x1 v128) (local $x2 v128) (local $x3 v128) (local $wl v128) (local $wh v128) (local $b v128)
    (local $c0l v128) (local $c0h v128) (local $c1l v128) (local $c1h v128)
    (local $c2l v128) (local $c2h v128) (local $c3l v128) (local $c3h v128)
    (local.set $a0 (i32.add (local.get $a) (i32.mul (local.get $r) (local.get $lda))))
    (local.set $a1 (i32.add (local.get $a0) (local.get $lda)))
    (local.set $a2 (i32.add (local.get $a1) (local.get $lda)))
    (local.set $a3 (i32.add (local.get $a2) (local.get $lda)))
    (local.set $wk (local.get $wp))
    (local.set $k (i32.const 0))
    (local.set $k8 (i32.and (local.get $kp) (i32.const -8)))
    (block $mdone
      (loop $main
        (br_if $mdone (i32.ge_u (local.get $k) (local.get $k8)))
        (local.set $x0 (v128.load (i32.add (local.get $a0) (i32.shl (local.get $k) (i32.const 1)))))
        (local.set $x1 (v128.load (i32.add (local.get $a1) (i32.shl (local.get $k) (i32.const 1)))))
        (local.set $x2 (v128.load (i32.add (local.get $a2) (i32.shl (local.get $k) (i32.const 1)))))
        (local.set $x3 (v128.load (i32.add (local.get $a3) (i32.shl (local.get $k) (i32.const 1)))))
        (local.set $wl (v128.load offset=0 (local.get $wk)))
        (local.set $wh (v128.load offset=16 (local.get $wk)))
        (local.set $b (i8x16.shuffle 0 1 2 3 0 1 2 3 0 1 2 3 0 1 2 3 (local.get $x0) (local.get $x0)))
        (local.set $c0l (i32x4.add (local.get $c0l) (i32x4.dot_i16x8_s (local.get $wl) (local.get $b))))
        (local.set $c0h (i32x4.add (local.get $c0h) (i32x4.dot_i16x8_s (local.get $wh) (local.get $b))))
        (local.set $b (i8x16.shuffle 0 1 2 3 0 1 2 3 0 1 2 3 0 1 2 3 (local.get $x1) (local.get $x1)))
        (local.set $c1l (i32x4.add (local.get $c1l) (i32x4.dot_i16x8_s (local.get $wl) (local.get $b))))
        (local.set $c1h (i32x4.add (local.get $c1h) (i32x4.dot_i16x8_s (local.get $wh) (local.get $b))))
        (local.set $b (i8x16.shuffle 0 1 2 3 0 1 2 3 0 1 2 3 0 1 2 3 (local.get $x2) (local.get $x2)))
        (local.set $c2l (i32x4.add (local.get $c2l) (i32x4.dot_i16x8_s (local.get $wl) (local.get $b))))
        (local.set $c2h (i32x4.add (local.get $c2h) (i32x4.dot_i16x8_s (local.get $wh) (local.get $b))))
        (local.set $b (i8x16.shuffle 0 1 2 3 0 1 2 3 0 1 2 3 0 1 2 3 (local.get $x3) (local.get $x3)))
        (local.set $c3l (i32x4.add (local.get $c3l) (i32x4.dot_i16x8_s (local.get $wl) (local.get $b))))
        (local.set $c3h (i32x4.add (local.get $c3h) (i32x4.dot_i16x8_s (local.get $wh) (local.get $b))))
        (local.set $wl (v128.load offset=32 (local.get $wk)))
        (local.set $wh (v128.load offset=48 (local.get $wk)))
        (local.set $b (i8x16.shuffle 4 5 6 7 4 5 6 7 4 5 6 7 4 5 6 7 (local.get $x0) (local.get $x0)))
        (local.set $c0l (i32x4.add (local.get $c0l) (i32x4.dot_i16x8_s (local.get $wl) (local.get $b))))
        (local.set $c0h (i32x4.add (local.get $c0h) (i32x4.dot_i16x8_s (local.get $wh) (local.get $b))))
        (local.set $b (i8x16.shuffle 4 5 6 7 4 5 6 7 4 5 6 7 4 5 6 7 (local.get $x1) (local.get $x1)))
        (local.set $c1l (i32x4.add (local.get $c1l) (i32x4.dot_i16x8_s (local.get $wl) (local.get $b))))
        (local.set $c1h (i32x4.add (local.get $c1h) (i32x4.dot_i16x8_s (local.get $wh) (local.get $b))))
        (local.set $b (i8x16.shuffle 4 5 6 7 4 5 6 7 4 5 6 7 4 5 6 7 (local.get $x2) (local.get $x2)))
        (local.set $c2l (i32x4.add (local.get $c2l) (i32x4.dot_i16x8_s (local.get $wl) (local.get $b))))
        (local.set $c2h (i32x4.add (local.get $c2h) (i32x4.dot_i16x8_s (local.get $wh) (local.get $b))))
        (local.set $b (i8x16.shuffle 4 5 6 7 4 5 6 7 4 5 6 7 4 5 6 7 (local.get $x3) (local.get $x3)))
        (local.set $c3l (i32x4.add (local.get $c3l) (i32x4.dot_i16x8_s (local.get $wl) (local.get $b))))
        (local.set $c3h (i32x4.add (local.get $c3h) (i32x4.dot_i16x8_s (local.get $wh) (local.get $b))))
        (local.set $wl (v128.load offset=64 (local.get $wk)))
        (local.set $wh (v128.load offset=80 (local.get $wk)))
        (local.set $b (i8x16.shuffle 8 9 10 11 8 9 10 11 8 9 10 11 8 9 10 11 (local.get $x0) (local.get $x0)))
        (local.set $c0l (i32x4.add (local.get $c0l) (i32x4.dot_i16x8_s (local.get $wl) (local.get $b))))
        (local.set $c0h (i32x4.add (local.get $c0h) (i32x4.dot_i16x8_s (local.get $wh) (local.get $b))))
        (local.set $b (i8x16.shuffle 8 9 10 11 8 9 10 11 8 9 10 11 8 9 10 11 (local.get $x1) (local.get $x1)))
        (local.set $c1l (i32x4.add (local.get $c1l) (i32x4.dot_i16x8_s (local.get $wl) (local.get $b))))
        (local.set $c1h (i32x4.add (local.get $c1h) (i32x4.dot_i16x8_s (local.get $wh) (local.get $b))))
        (local.set $b (i8x16.shuffle 8 9 10 11 8 9 10 11 8 9 10 11 8 9 10 11 (local.get $x2) (local.get $x2)))
        (local.set $c2l (i32x4.add (local.get $c2l) (i32x4.dot_i16x8_s (local.get $wl) (local.get $b))))
        (local.set $c2h (i32x4.add (local.get $c2h) (i32x4.dot_i16x8_s (local.get $wh) (local.get $b))))
        (local.set $b (i8x16.shuffle 8 9 10 11 8 9 10 11 8 9 10 11 8 9 10 11 (local.get $x3) (local.get $x3)))
        (local.set $c3l (i32x4.add (local.get $c3l) (i32x4.dot_i16x8_s (local.get $wl) (local.get $b))))
        (local.set $c3h (i32x4.add (local.get $c3h) (i32x4.dot_i16x8_s (local.get $wh) (local.get $b))))
        (local.set $wl (v128.load offset=96 (local.get $wk)))
        (local.set $wh (v128.load offset=112 (local.get $wk)))
        (local.set $b (i8x16.shuffle 12 13 14 15 12 13 14 15 12 13 14 15 12 13 14 15 (local.get $x0) (local.get $x0)))
        (local.set $c0l (i32x4.add (local.get $c0l) (i32x4.dot_i16x8_s (local.get $wl) (local.get $b))))
        (local.set $c0h (i32x4.add (local.get $c0h) (i32x4.dot_i16x8_s (local.get $wh) (local.get $b))))
        (local.set $b (i8x16.shuffle 12 13 14 15 12 13 14 15 12 13 14 15 12 13 14 15 (local.get $x1) (local.get $x1)))
        (local.set $c1l (i32x4.add (local.get $c1l) (i32x4.dot_i16x8_s (local.get $wl) (local.get $b))))
        (local.set $c1h (i32x4.add (local.get $c1h) (i32x4.dot_i16x8_s (local.get $wh) (local.get $b))))
        (local.set $b (i8x16.shuffle 12 13 14 15 12 13 14 15 12 13 14 15 12 13 14 15 (local.get $x2) (local.get $x2)))
        (local.set $c2l (i32x4.add (local.get $c2l) (i32x4.dot_i16x8_s (local.get $wl) (local.get $b))))
        (local.set $c2h (i32x4.add (local.get $c2h) (i32x4.dot_i16x8_s (local.get $wh) (local.get $b))))
        (local.set $b (i8x16.shuffle 12 13 14 15 12 13 14 15 12 13 14 15 12 13 14 15 (local.get $x3) (local.get $x3)))
        (local.set $c3l (i32x4.add (local.get $c3l) (i32x4.dot_i16x8_s (local.get $wl) (local.get $b))))
        (local.set $c3h (i32x4.add (local.get $c3h) (i32x4.dot_i16x8_s (local.get $wh) (local.get $b))))
        (local.set $wk (i32.add (local.get $wk) (i32.const 128)))
        (local.set $k (i32.add (local.get $k) (i32.const 8)))
        (br $main)))
    (block $tdone
      (loop $tail
        (br_if $tdone (i32.ge_u (local.get $k) (local.get $kp)))
        (local.set $wl (v128.load offset=0 (local.get $wk)))
        (local.set $wh (v128.load offset=16 (local.get $wk)))
        (local.set $b (v128.load32_splat (i32.add (local.get $a0) (i32.shl (local.get $k) (i32.const 1)))))
        (local.set $c0l (i32x4.add (local.get $c0l) (i32x4.dot_i16x8_s (local.get $wl) (local.get $b))))
        (local.set $c0h (i32x4.add (local.get $c0h) (i32x4.dot_i16x8_s (local.get $wh) (local.get $b))))
        (local.set $b (v128.load32_splat (i32.add (local.get $a1) (i32.shl (local.get $k) (i32.const 1)))))
        (local.set $c1l (i32x4.add (local.get $c1l) (i32x4.dot_i16x8_s (local.get $wl) (local.get $b))))
        (local.set $c1h (i32x4.add (local.get $c1h) (i32x4.dot_i16x8_s (local.get $wh) (local.get $b))))
        (local.set $b (v128.load32_splat (i32.add (local.get $a2) (i32.shl (local.get $k) (i32.const 1)))))
        (local.set $c2l (i32x4.add (local.get $c2l) (i32x4.dot_i16x8_s (local.get $wl) (local.get $b))))
        (local.set $c2h (i32x4.add (local.get $c2h) (i32x4.dot_i16x8_s (local.get $wh) (local.get $b))))
        (local.set $b (v128.load32_splat (i32.add (local.get $a3) (i32.shl (local.get $k) (i32.const 1)))))
        (local.set $c3l (i32x4.add (local.get $c3l) (i32x4.dot_i16x8_s (local.get $wl) (local.get $b))))
        (local.set $c3h (i32x4.add (local.get $c3h) (i32x4.dot_i16x8_s (local.get $wh) (local.get $b))))
        (local.set $wk (i32.add (local.get $wk) (i32.const 32)))
        (local.set $k (i32.add (local.get $k) (i32.const 2)))
        (br $tail)))
    (if (i32.ge_u (i32.sub (local.get $n) (local.get $n0)) (i32.const 8))
      (then
        (if (local.get $zp)
          (then
            (local.set $x2 (i32x4.mul (i32x4.splat (local.get $zp))
              (v128.load offset=0 (i32.add (local.get $wsum) (i32.shl (local.get $n0) (i32.const 2))))))
            (local.set $x3 (i32x4.mul (i32x4.splat (local.get $zp))
              (v128.load offset=16 (i32.add (local.get $wsum) (i32.shl (local.get $n0) (i32.const 2))))))
            (local.set $c0l (i32x4.sub (local.get $c0l) (local.get $x2)))
            (local.set $c0h (i32x4.sub (local.get $c0h) (local.get $x3)))
            (local.set $c1l (i32x4.sub (local.get $c1l) (local.get $x2)))
            (local.set $c1h (i32x4.sub (local.get $c1h) (local.get $x3)))
            (local.set $c2l (i32x4.sub (local.get $c2l) (local.get $x2)))
            (local.set $c2h (i32x4.sub (local.get $c2h) (local.get $x3)))
            (local.set $c3l (i32x4.sub (local.get $c3l) (local.get $x2)))
            (local.set $c3h (i32x4.sub (local.get $c3h) (local.get $x3)))))
        (local.set $x2 (v128.load offset=0 (i32.add (local.get $scale) (i32.shl (local.get $n0) (i32.const 2)))))
        (local.set $x3 (v128.load offset=16 (i32.add (local.get $scale) (i32.shl (local.get $n0) (i32.const 2)))))
        (local.set $wl (v128.load offset=0 (i32.add (local.get $bias) (i32.shl (local.get $n0) (i32.const 2)))))
        (local.set $wh (v128.load offset=16 (i32.add (local.get $bias) (i32.shl (local.get $n0) (i32.const 2)))))
        (local.set $k (i32.shl (i32.add (i32.mul (local.get $r) (local.get $ldo)) (local.get $n0)) (i32.const 2)))
        (local.set $b (global.get $max))
        (local.set $x0 (f32x4.add (f32x4.mul (f32x4.convert_i32x4_s (local.get $c0l)) (local.get $x2)) (local.get $wl)))
        (local.set $x1 (f32x4.add (f32x4.mul (f32x4.convert_i32x4_s (local.get $c0h)) (local.get $x3)) (local.get $wh)))
        (if (local.get $res)
          (then
            (local.set $x0 (f32x4.add (local.get $x0) (v128.load offset=0 (i32.add (local.get $res) (local.get $k)))))
            (local.set $x1 (f32x4.add (local.get $x1) (v128.load offset=16 (i32.add (local.get $res) (local.get $k)))))))
        (if (local.get $relu)
          (then
            (local.set $x0 (v128.andnot (local.get $x0) (f32x4.lt (local.get $x0) (v128.const i32x4 0 0 0 0))))
            (local.set $x1 (v128.andnot (local.get $x1) (f32x4.lt (local.get $x1) (v128.const i32x4 0 0 0 0))))))
        (v128.store offset=0 (i32.add (local.get $out) (local.get $k)) (local.get $x0))
        (v128.store offset=16 (i32.add (local.get $out) (local.get $k)) (local.get $x1))
        (local.set $b (f32x4.max (local.get $b) (f32x4.max (local.get $x0) (local.get $x1))))
        (local.set $k (i32.add (local.get $k) (i32.shl (local.get $ldo) (i32.const 2))))
        (local.set $x0 (f32x4.add (f32x4.mul (f32x4.convert_i32x4_s (local.get $c1l)) (local.get $x2)) (local.get $wl)))
        (local.set $x1 (f32x4.add (f32x4.mul (f32x4.convert_i32x4_s (local.get $c1h)) (local.get $x3)) (local.get $wh)))
        (if (local.get $res)
          (then
            (local.set $x0 (f32x4.add (local.get $x0) (v128.load offset=0 (i32.add (local.get $res) (local.get $k)))))
            (local.set $x1 (f32x4.add (local.get $x1) (v128.load offset=16 (i32.add (local.get $res) (local.get $k)))))))
        (if (local.get $relu)
          (then
            (local.set $x0 (v128.andnot (local.get $x0) (f32x4.lt (local.get $x0) (v128.const i32x4 0 0 0 0))))
            (local.set $x1 (v128.andnot (local.get $x1) (f32x4.lt (local.get $x1) (v128.const i32x4 0 0 0 0))))))
        (v128.store offset=0 (i32.add (local.get $out) (local.get $k)) (local.get $x0))
        (v128.store offset=16 (i32.add (local.get $out) (local.get $k)) (local.get $x1))
        (local.set $b (f32x4.max (local.get $b) (f32x4.max (local.get $x0) (local.get $x1))))
        (local.set $k (i32.add (local.get $k) (i32.shl (local.get $ldo) (i32.const 2))))
        (local.set $x0 (f32x4.add (f32x4.mul (f32x4.convert_i32x4_s (local.get $c2l)) (local.get $x2)) (local.get $wl)))
        (local.set $x1 (f32x4.add (f32x4.mul (f32x4.convert_i32x4_s (local.get $c2h)) (local.get $x3)) (local.get $wh)))
        (if (local.get $res)
          (then
            (local.set $x0 (f32x4.add (local.get $x0) (v128.load offset=0 (i32.add (local.get $res) (local.get $k)))))
            (local.set $x1 (f32x4.add (local.get $x1) (v128.load offset=16 (i32.add (local.get $res) (local.get $k)))))))
        (if (local.get $relu)
          (then
            (local.set $x0 (v128.andnot (local.get $x0) (f32x4.lt (local.get $x0) (v128.const i32x4 0 0 0 0))))
            (local.set $x1 (v128.andnot (local.get $x1) (f32x4.lt (local.get $x1) (v128.const i32x4 0 0 0 0))))))
        (v128.store offset=0 (i32.add (local.get $out) (local.get $k)) (local.get $x0))
        (v128.store offset=16 (i32.add (local.get $out) (local.get $k)) (local.get $x1))
        (local.set $b (f32x4.max (local.get $b) (f32x4.max (local.get $x0) (local.get $x1))))
        (local.set $k (i32.add (local.get $k) (i32.shl (local.get $ldo) (i32.const 2))))
        (local.set $x0 (f32x4.add (f32x4.mul (f32x4.convert_i32x4_s (local.get $c3l)) (local.get $x2)) (local.get $wl)))
        (local.set $x1 (f32x4.add (f32x4.mul (f32x4.convert_i32x4_s (local.get $c3h)) (local.get $x3)) (local.get $wh)))
        (if (local.get $res)
          (then
            (local.set $x0 (f32x4.add (local.get $x0) (v128.load offset=0 (i32.add (local.get $res) (local.get $k)))))
            (local.set $x1 (f32x4.add (local.get $x1) (v128.load offset=16 (i32.add (local.get $res) (local.get $k)))))))
        (if (local.get $relu)
          (then
            (local.set $x0 (v128.andnot (local.get $x0) (f32x4.lt (local.get $x0) (v128.const i32x4 0 0 0 0))))
            (local.set $x1 (v128.andnot (local.get $x1) (f32x4.lt (local.get $x1) (v128.const i32x4 0 0 0 0))))))
        (v128.store offset=0 (i32.add (local.get $out) (local.get $k)) (local.get $x0))
        (v128.store offset=16 (i32.add (local.get $out) (local.get $k)) (local.get $x1))
        (local.set $b (f32x4.max (local.get $b) (f32x4.max (local.get $x0) (local.get $x1))))
        (global.set $max (local.get $b))
        (return)))
    (call $store_i32 (local.get $c0l) (local.get $c0h) (local.get $r) (local.get $out) (local.get $ldo) (local.get $n0) (local.get $n)
      (local.get $zp) (local.get $wsum) (local.get $scale) (local.get $bias) (local.get $res) (local.get $relu))
    (call $store_i32 (local.get $c1l) (local.get $c1h) (i32.add (local.get $r) (i32.const 1)) (local.get $out) (local.get $ldo) (local.get $n0) (local.get $n)
      (local.get $zp) (local.get $wsum) (local.get $scale) (local.get $bias) (local.get $res) (local.get $relu))
    (call $store_i32 (local.get $c2l) (local.get $c2h) (i32.add (local.get $r) (i32.const 2)) (local.get $out) (local.get $ldo) (local.get $n0) (local.get $n)
      (local.get $zp) (local.get $wsum) (local.get $scale) (local.get $bias) (local.get $res) (local.get $relu))
    (call $store_i32 (local.get $c3l) (local.get $c3h) (i32.add (local.get $r) (i32.const 3)) (local.get $out) (local.get $ldo) (local.get $n0) (local.get $n)
      (local.get $zp) (local.get $wsum) (local.get $scale) (local.get $bias) (local.get $res) (local.get $relu)))
  (func $u16s16_1x8
    (param $out i32) (param $ldo i32) (param $a i32) (param $lda i32) (param $r i32)
    (param $kp i32) (param $wp i32) (param $n0 i32) (param $n i32)
    (param $zp i32) (param $wsum i32) (param $scale i32) (param $bias i32) (param $res i32) (param $relu i32)
    (local $a0 i32) (local $k i32) (local $wk i32) (local $b v128) (local $cl v128) (local $ch v128)
    (local.set $a0 (i32.add (local.get $a) (i32.mul (local.get $r) (local.get $lda))))
    (local.set $wk (local.get $wp))
    (local.set $k (i32.const 0))
    (block $done
      (loop $pairs
        (br_if $done (i32.ge_u (local.get $k) (local.get $kp)))
        (local.set $b (v128.load32_splat (i32.add (local.get $a0) (i32.shl (local.get $k) (i32.const 1)))))
        (local.set $cl (i32x4.add (local.get $cl) (i32x4.dot_i16x8_s (v128.load offset=0 (local.get $wk)) (local.get $b))))
        (local.set $ch (i32x4.add (local.get $ch) (i32x4.dot_i16x8_s (v128.load offset=16 (local.get $wk)) (local.get $b))))
        (local.set $wk (i32.add (local.get $wk) (i32.const 32)))
        (local.set $k (i32.add (local.get $k) (i32.const 2)))
        (br $pairs)))
    (call $store_i32 (local.get $cl) (local.get $ch) (local.get $r) (local.get $out) (local.get $ldo) (local.get $n0) (local.get $n)
      (local.get $zp) (local.get $wsum) (local.get $scale) (local.get $bias) (local.get $res) (local.get $relu)))
  (func $dense_i16 (export "dense_i16")
    (param $out i32) (param $w i32) (param $scale i32) (param $bias i32) (param $x i32) (param $n i32) (param $k i32)
    (local $r i32) (local $row i32) (local $i i32) (local $k8 i32) (local $xp i32)
    (local $v v128) (local $lo v128) (local $hi v128) (local $s f32) (local $t f32)
    (local.set $k8 (i32.and (local.get $k) (i32.const -8)))
    (local.set $r (i32.const 0))
    (block $rdone
      (loop $rows
        (br_if $rdone (i32.ge_u (local.get $r) (local.get $n)))
        (local.set $row (i32.add (local.get $w) (i32.shl (i32.mul (local.get $r) (local.get $k)) (i32.const 1))))
        (local.set $lo (v128.const i32x4 0 0 0 0))
        (local.set $hi (v128.const i32x4 0 0 0 0))
        (local.set $xp (local.get $x))
        (local.set $i (i32.const 0))
        (block $kdone
          (loop $ks
            (br_if $kdone (i32.ge_u (local.get $i) (local.get $k8)))
            (local.set $v (v128.load (i32.add (local.get $row) (i32.shl (local.get $i) (i32.const 1)))))
            (local.set $lo (f32x4.add (local.get $lo)
              (f32x4.mul (f32x4.convert_i32x4_s (i32x4.extend_low_i16x8_s (local.get $v))) (v128.load offset=0 (local.get $xp)))))
            (local.set $hi (f32x4.add (local.get $hi)
              (f32x4.mul (f32x4.convert_i32x4_s (i32x4.extend_high_i16x8_s (local.get $v))) (v128.load offset=16 (local.get $xp)))))
            (local.set $xp (i32.add (local.get $xp) (i32.const 32)))
            (local.set $i (i32.add (local.get $i) (i32.const 8)))
            (br $ks)))
        (local.set $v (f32x4.add (local.get $lo) (local.get $hi)))
        (local.set $v (f32x4.add (local.get $v) (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v))))
        (local.set $s (f32.add (f32x4.extract_lane 0 (local.get $v)) (f32x4.extract_lane 1 (local.get $v))))
        (local.set $t (f32.const 0))
        (block $tdone
          (loop $tail
            (br_if $tdone (i32.ge_u (local.get $i) (local.get $k)))
            (local.set $t (f32.add (local.get $t)
              (f32.mul (f32.convert_i32_s (i32.load16_s (i32.add (local.get $row) (i32.shl (local.get $i) (i32.const 1)))))
                (f32.load (i32.add (local.get $x) (i32.shl (local.get $i) (i32.const 2)))))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $tail)))
        (f32.store (i32.add (local.get $out) (i32.shl (local.get $r) (i32.const 2)))
          (f32.add
            (f32.mul (f32.add (local.get $s) (local.get $t)) (f32.load (i32.add (local.get $scale) (i32.shl (local.get $r) (i32.const 2)))))
            (f32.load (i32.add (local.get $bias) (i32.shl (local.get $r) (i32.const 2))))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rows))))
  ;; @wide end
)
