# relaxed.sed makes kernels-relaxed.wat from kernels.wat: the f32 GEMM's
# multiply-adds, acc + b·w, become f32x4.relaxed_madd(b, w, acc), which is
# one fused instruction where the CPU has FMA. Nothing else changes: the int8
# kernels stay on i32x4.dot_i16x8_s (README.md, "Relaxed SIMD", says why).
# The Makefile checks that all ten multiply-adds (4×8 and 1×8 tiles) were
# rewritten, so an edit of kernels.wat cannot silently drop one.
s/\(f32x4\.add \(local\.get (\$c[0-3]?[lh])\) \(f32x4\.mul (\(local\.get \$b\)) (\(local\.get \$w[01]\)|\(v128\.load offset=[0-9]+ \(local\.get \$wk\)\))\)\)/(f32x4.relaxed_madd \2 \3 (local.get \1))/
