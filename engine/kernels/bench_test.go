package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// ResNet-18's convolutions at 224×224 as GEMMs (M output pixels, N output
// channels, K = k·k·Cin), one per distinct shape.
var resnet18Gemms = []struct {
	name    string
	m, n, k int
}{
	{"stem_7x7", 112 * 112, 64, 147},
	{"l1_3x3", 56 * 56, 64, 576},
	{"l2_3x3", 28 * 28, 128, 1152},
	{"l3_3x3", 14 * 14, 256, 2304},
	{"l4_3x3", 7 * 7, 512, 4608},
	{"l2_down", 28 * 28, 128, 64},
	{"r50_l1_expand", 56 * 56, 256, 64},
	{"r50_l1_reduce", 56 * 56, 64, 256},
	{"r50_l3_reduce", 14 * 14, 256, 1024},
	{"r50_l4_expand", 7 * 7, 2048, 512},
}

// BenchmarkGemmU16S8 reports GOP/s (2 operations per multiply-add) of the
// twin and of the public entry point (the SIMD kernel where linked).
func BenchmarkGemmU16S8(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	for _, s := range resnet18Gemms {
		kp := PaddedK2(s.k)
		wq := make([]int8, s.n*s.k)
		for i := range wq {
			wq[i] = int8(r.IntN(255) - 127)
		}
		w := PackO8K2(wq, s.n, s.k)
		a := randU16(r, s.m*kp, actTop(w, s.n, kp, 1))
		ep := Epilogue{Scale: randF32(r, s.n, 0, 1), Bias: randF32(r, s.n, -1, 1), ReLU: true}
		out := make([]float32, s.m*s.n)
		ws := make([]int64, WorkspaceU16S8(kp))
		for _, impl := range gemmU16S8Impls {
			if impl.name == "dispatch" && !SIMD() {
				continue
			}
			b.Run(fmt.Sprintf("%s/%s", s.name, impl.name), func(b *testing.B) {
				for b.Loop() {
					impl.f(out, s.n, a, kp, s.m, kp, w, s.n, &ep, ws)
				}
				b.ReportMetric(2*float64(s.m*s.n*s.k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GOP/s")
			})
		}
	}
}

func BenchmarkGemmF32(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	for _, s := range resnet18Gemms {
		a := randF32(r, s.m*s.k, -1, 1)
		w := PackO8K1(randF32(r, s.n*s.k, -1, 1), s.n, s.k)
		ep := Epilogue{Bias: randF32(r, s.n, -1, 1), ReLU: true}
		out := make([]float32, s.m*s.n)
		for _, impl := range gemmF32Impls {
			if impl.name == "dispatch" && !SIMD() {
				continue
			}
			b.Run(fmt.Sprintf("%s/%s", s.name, impl.name), func(b *testing.B) {
				for b.Loop() {
					impl.f(out, s.n, a, s.k, s.m, s.k, w, s.n, &ep)
				}
				b.ReportMetric(2*float64(s.m*s.n*s.k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}

// BenchmarkCall is the cost of one call from Go into the kernel module
// through the forwarder: a zero-length quantisation does no work in either.
func BenchmarkCall(b *testing.B) {
	src, dst := make([]float32, 1), make([]uint16, 1)
	for b.Loop() {
		QuantizeU16(dst, src, 1, 0, ActMax)
	}
}
