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
;; Contract with the Go twins (gemm.go, quantize.go, im2col.go):
;; - gemm_u8s8, quantize_u8, im2col: bit-identical. Integer accumulation is
;;   exact; the float epilogue does the same IEEE operations in the same order
;;   (convert, mul, add bias, add residual, ReLU as "if v < 0 then +0"), never
;;   a fused multiply-add.
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

  ;; ---------------------------------------------------------------- int8
  ;;
  ;; gemm_u8s8: out[m][n] = epilogue(Σ_k a[m][k]·w[n][k]) for u8 activations
  ;; (rows of kp bytes, stride lda bytes, kp even) and s8 weights packed O8K2:
  ;; panel p holds, for each pair kk, 16 bytes [c0k0 c0k1 c1k0 c1k1 … c7k1].
  ;;
  ;; Inner step, per pair of k and per row: the activation pair (a0,a1) is
  ;; broadcast as i16x8 [a0 a1 a0 a1 …]; the weight bytes, sign-extended to
  ;; i16x8, give [c0k0 c0k1 … c3k1] (low) and [c4k0 … c7k1] (high);
  ;; i32x4.dot_i16x8_s then adds a0·cjk0 + a1·cjk1 into lane j. Products are
  ;; at most 255·128 and a lane's pair sum fits i32, so this is exact — unlike
  ;; relaxed-SIMD's i32x4.relaxed_dot_i8x16_i7x16_add_s, whose result for
  ;; weights outside 7 bits differs across engines (see README.md here).
  ;;
  ;; Activations are loaded 8 bytes (4 pairs) at a time, zero-extended to
  ;; i16x8 once, and each pair broadcast with a 32-bit lane shuffle.
  ;;
  ;; Epilogue arguments are the Go Epilogue's: zp, wsum (read only when zp is
  ;; not 0), scale, bias, res (0 for none; same stride as out), relu (0/1).
  ;; Strides ldo and lda are in elements (f32 and bytes).
  (func $gemm_u8s8 (export "gemm_u8s8")
    (param $out i32) (param $ldo i32) (param $a i32) (param $lda i32) (param $m i32)
    (param $kp i32) (param $w i32) (param $n i32)
    (param $zp i32) (param $wsum i32) (param $scale i32) (param $bias i32) (param $res i32) (param $relu i32)
    (local $mc i32) (local $r0 i32) (local $r1 i32) (local $r i32) (local $n0 i32) (local $wp i32)
    ;; Row blocks of mc rows whose activations (mc·kp bytes) stay in L1 while
    ;; every panel of weights passes over them.
    (local.set $mc (i32.and (i32.div_u (i32.const 16384) (i32.add (local.get $kp) (i32.const 1))) (i32.const -4)))
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
                (call $u8s8_4x8 (local.get $out) (local.get $ldo) (local.get $a) (local.get $lda) (local.get $r)
                  (local.get $kp) (local.get $wp) (local.get $n0) (local.get $n)
                  (local.get $zp) (local.get $wsum) (local.get $scale) (local.get $bias) (local.get $res) (local.get $relu))
                (local.set $r (i32.add (local.get $r) (i32.const 4)))
                (br $t4)))
            (block $t1done
              (loop $t1
                (br_if $t1done (i32.ge_u (local.get $r) (local.get $r1)))
                (call $u8s8_1x8 (local.get $out) (local.get $ldo) (local.get $a) (local.get $lda) (local.get $r)
                  (local.get $kp) (local.get $wp) (local.get $n0) (local.get $n)
                  (local.get $zp) (local.get $wsum) (local.get $scale) (local.get $bias) (local.get $res) (local.get $relu))
                (local.set $r (i32.add (local.get $r) (i32.const 1)))
                (br $t1)))
            (local.set $n0 (i32.add (local.get $n0) (i32.const 8)))
            (br $panels)))
        (local.set $r0 (local.get $r1))
        (br $rows))))

  ;; One 4×8 tile: rows r…r+3, channels n0…n0+7 of panel wp.
  (func $u8s8_4x8
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
        (local.set $x0 (v128.load8x8_u (i32.add (local.get $a0) (local.get $k))))
        (local.set $x1 (v128.load8x8_u (i32.add (local.get $a1) (local.get $k))))
        (local.set $x2 (v128.load8x8_u (i32.add (local.get $a2) (local.get $k))))
        (local.set $x3 (v128.load8x8_u (i32.add (local.get $a3) (local.get $k))))
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
        (local.set $b (i16x8.extend_low_i8x16_u (v128.load16_splat (i32.add (local.get $a0) (local.get $k)))))
        (local.set $c0l (i32x4.add (local.get $c0l) (i32x4.dot_i16x8_s (local.get $wl) (local.get $b))))
        (local.set $c0h (i32x4.add (local.get $c0h) (i32x4.dot_i16x8_s (local.get $wh) (local.get $b))))
        (local.set $b (i16x8.extend_low_i8x16_u (v128.load16_splat (i32.add (local.get $a1) (local.get $k)))))
        (local.set $c1l (i32x4.add (local.get $c1l) (i32x4.dot_i16x8_s (local.get $wl) (local.get $b))))
        (local.set $c1h (i32x4.add (local.get $c1h) (i32x4.dot_i16x8_s (local.get $wh) (local.get $b))))
        (local.set $b (i16x8.extend_low_i8x16_u (v128.load16_splat (i32.add (local.get $a2) (local.get $k)))))
        (local.set $c2l (i32x4.add (local.get $c2l) (i32x4.dot_i16x8_s (local.get $wl) (local.get $b))))
        (local.set $c2h (i32x4.add (local.get $c2h) (i32x4.dot_i16x8_s (local.get $wh) (local.get $b))))
        (local.set $b (i16x8.extend_low_i8x16_u (v128.load16_splat (i32.add (local.get $a3) (local.get $k)))))
        (local.set $c3l (i32x4.add (local.get $c3l) (i32x4.dot_i16x8_s (local.get $wl) (local.get $b))))
        (local.set $c3h (i32x4.add (local.get $c3h) (i32x4.dot_i16x8_s (local.get $wh) (local.get $b))))
        (local.set $wk (i32.add (local.get $wk) (i32.const 16)))
        (local.set $k (i32.add (local.get $k) (i32.const 2)))
        (br $tail)))
    (call $store_i32 (local.get $c0l) (local.get $c0h) (local.get $r) (local.get $out) (local.get $ldo) (local.get $n0) (local.get $n)
      (local.get $zp) (local.get $wsum) (local.get $scale) (local.get $bias) (local.get $res) (local.get $relu))
    (call $store_i32 (local.get $c1l) (local.get $c1h) (i32.add (local.get $r) (i32.const 1)) (local.get $out) (local.get $ldo) (local.get $n0) (local.get $n)
      (local.get $zp) (local.get $wsum) (local.get $scale) (local.get $bias) (local.get $res) (local.get $relu))
    (call $store_i32 (local.get $c2l) (local.get $c2h) (i32.add (local.get $r) (i32.const 2)) (local.get $out) (local.get $ldo) (local.get $n0) (local.get $n)
      (local.get $zp) (local.get $wsum) (local.get $scale) (local.get $bias) (local.get $res) (local.get $relu))
    (call $store_i32 (local.get $c3l) (local.get $c3h) (i32.add (local.get $r) (i32.const 3)) (local.get $out) (local.get $ldo) (local.get $n0) (local.get $n)
      (local.get $zp) (local.get $wsum) (local.get $scale) (local.get $bias) (local.get $res) (local.get $relu)))

  ;; One 1×8 tile, for the last rows of a block.
  (func $u8s8_1x8
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
        (local.set $b (i16x8.extend_low_i8x16_u (v128.load16_splat (i32.add (local.get $a0) (local.get $k)))))
        (local.set $cl (i32x4.add (local.get $cl) (i32x4.dot_i16x8_s (v128.load8x8_s offset=0 (local.get $wk)) (local.get $b))))
        (local.set $ch (i32x4.add (local.get $ch) (i32x4.dot_i16x8_s (v128.load8x8_s offset=8 (local.get $wk)) (local.get $b))))
        (local.set $wk (i32.add (local.get $wk) (i32.const 16)))
        (local.set $k (i32.add (local.get $k) (i32.const 2)))
        (br $pairs)))
    (call $store_i32 (local.get $cl) (local.get $ch) (local.get $r) (local.get $out) (local.get $ldo) (local.get $n0) (local.get $n)
      (local.get $zp) (local.get $wsum) (local.get $scale) (local.get $bias) (local.get $res) (local.get $relu)))

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
  ;; quantize_u8: dst[i] = clamp(trunc(src[i]·inv + (zp + ½)), 0, 255),
  ;; bit-identical to QuantizeU8: the mul and the add round to f32 each;
  ;; trunc_sat maps NaN to 0 and saturates ±∞; the two saturating narrows
  ;; (i32→s16, s16→u8) clamp to 0…255 exactly where Go's branches do
  ;; (v in (−1, 0) truncates to 0 either way).
  (func $quantize_u8 (export "quantize_u8")
    (param $dst i32) (param $src i32) (param $len i32) (param $inv f32) (param $zp i32)
    (local $bias f32) (local $vinv v128) (local $vbias v128) (local $end i32) (local $v f32) (local $q i32)
    (local.set $bias (f32.add (f32.convert_i32_s (local.get $zp)) (f32.const 0.5)))
    (local.set $vinv (f32x4.splat (local.get $inv)))
    (local.set $vbias (f32x4.splat (local.get $bias)))
    (local.set $end (i32.add (local.get $dst) (i32.and (local.get $len) (i32.const -16))))
    (block $done
      (loop $vec
        (br_if $done (i32.ge_u (local.get $dst) (local.get $end)))
        (v128.store (local.get $dst)
          (i8x16.narrow_i16x8_u
            (i16x8.narrow_i32x4_s
              (i32x4.trunc_sat_f32x4_s (f32x4.add (f32x4.mul (v128.load offset=0 (local.get $src)) (local.get $vinv)) (local.get $vbias)))
              (i32x4.trunc_sat_f32x4_s (f32x4.add (f32x4.mul (v128.load offset=16 (local.get $src)) (local.get $vinv)) (local.get $vbias))))
            (i16x8.narrow_i32x4_s
              (i32x4.trunc_sat_f32x4_s (f32x4.add (f32x4.mul (v128.load offset=32 (local.get $src)) (local.get $vinv)) (local.get $vbias)))
              (i32x4.trunc_sat_f32x4_s (f32x4.add (f32x4.mul (v128.load offset=48 (local.get $src)) (local.get $vinv)) (local.get $vbias))))))
        (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
        (local.set $src (i32.add (local.get $src) (i32.const 64)))
        (br $vec)))
    (local.set $end (i32.add (local.get $end) (i32.and (local.get $len) (i32.const 15))))
    (block $tdone
      (loop $tail
        (br_if $tdone (i32.ge_u (local.get $dst) (local.get $end)))
        (local.set $v (f32.add (f32.mul (f32.load (local.get $src)) (local.get $inv)) (local.get $bias)))
        (local.set $q (i32.trunc_sat_f32_s (local.get $v)))
        (if (i32.lt_s (local.get $q) (i32.const 0)) (then (local.set $q (i32.const 0))))
        (if (i32.gt_s (local.get $q) (i32.const 255)) (then (local.set $q (i32.const 255))))
        (i32.store8 (local.get $dst) (local.get $q))
        (local.set $dst (i32.add (local.get $dst) (i32.const 1)))
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
  ;; im2col: the byte-level Im2col for u8 activations (esz 1, fill any byte)
  ;; and f32 ones (esz 4, fill must be the 0 byte). lda, c are in elements.
  ;; Interior runs are one memory.copy per kernel row; padding and the K tail
  ;; are memory.fill.
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
                  (then (memory.fill (local.get $seg) (local.get $fill) (local.get $kc)))
                  (else
                    (memory.fill (local.get $seg) (local.get $fill) (i32.mul (local.get $lo) (local.get $c4)))
                    (memory.copy
                      (i32.add (local.get $seg) (i32.mul (local.get $lo) (local.get $c4)))
                      (i32.add (local.get $src) (i32.mul (i32.add (i32.mul (local.get $iy) (local.get $w)) (i32.add (local.get $ix0) (local.get $lo))) (local.get $c4)))
                      (i32.mul (i32.sub (local.get $hi) (local.get $lo)) (local.get $c4)))
                    (memory.fill (i32.add (local.get $seg) (i32.mul (local.get $hi) (local.get $c4))) (local.get $fill)
                      (i32.mul (i32.sub (local.get $k) (local.get $hi)) (local.get $c4)))))
                (local.set $seg (i32.add (local.get $seg) (local.get $kc)))
                (local.set $ky (i32.add (local.get $ky) (i32.const 1)))
                (br $kys)))
            (memory.fill (i32.add (local.get $row) (local.get $kkc)) (i32.const 0) (i32.sub (local.get $ldab) (local.get $kkc)))
            (local.set $row (i32.add (local.get $row) (local.get $ldab)))
            (local.set $ox (i32.add (local.get $ox) (i32.const 1)))
            (br $xs)))
        (local.set $oy (i32.add (local.get $oy) (i32.const 1)))
        (br $ys))))
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
)
