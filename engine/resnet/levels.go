package resnet

import (
	"math"

	"github.com/inbrowser-ai/resnet/engine/kernels"
)

// How finely each int8 layer's input is quantised.
//
// Activations are quantised per tensor to integers 0…L (x ≈ scale·q, scale =
// max/L) and multiplied with int8 weights into int32 sums. Eight bits (L =
// 255) cost the network most of its int8 error, and the kernels do not need
// them: they multiply 16-bit lanes (i32x4.dot_i16x8_s), so L can be far
// larger at the same speed, as long as no sum can leave int32 — the kernels'
// exactness, and their agreement bit for bit, rest on that. So each
// convolution gets the most levels its own weights allow:
//
//	L·max_n Σ_k |W[n][k]| < 2³¹             every accumulator fits
//	4L·max_n Σ_k |W[n][k]| < 2³¹            stride-1 3×3: Winograd's 4·Y fits
//	4L·max_{ξ,n} Σ_c |U[ξ][n][c]| < 2³¹     and so does each transformed sum
//	L ≤ kernels.ActMax                      16-bit lanes, Winograd's ±4L in int16
//
// The same holds for wide (int16) weights, with their larger sums.
//
// The Winograd conditions hold for every stride-1 3×3 layer whether Winograd
// runs or not, so both paths quantise alike and stay bit-identical. Real
// weights are far from the worst case (every |W| = 127 in one direction), so
// ResNets get 12–13 bits per activation instead of 8. A tensor read by two
// convolutions (a block's input, by conv1 and the projection shortcut) takes
// the smaller of their levels.

// levelsFor is the L of conv c's input.
func levelsFor(c *conv) int32 {
	l := int64(kernels.ActMax)
	wide := int64(1)
	if c.winogradable() {
		wide = 4
		u := int64(0)
		if c.wq16 != nil {
			u = kernels.WinogradWeightsL1(c.wq16, c.out, c.in)
		} else {
			u = kernels.WinogradWeightsL1(c.wq, c.out, c.in)
		}
		if u > 0 {
			l = min(l, (math.MaxInt32)/(4*u))
		}
	}
	var b int64
	if c.wq16 != nil {
		b = kernels.RowL1O8K2(c.wq16, c.out, c.lda)
	} else {
		b = kernels.RowL1O8K2(c.wq, c.out, c.lda)
	}
	if b > 0 {
		l = min(l, (math.MaxInt32)/(wide*b))
	}
	return int32(max(l, 1))
}

// setLevels gives every int8 convolution its input's levels.
func (n *Net) setLevels() {
	n.eachConv(func(c *conv) { c.levels = levelsFor(c) })
}

// inputLevels is the L of a tensor read by the given convolutions (nil
// entries ignored).
func inputLevels(cs ...*conv) int32 {
	l := int32(kernels.ActMax)
	for _, c := range cs {
		if c != nil {
			l = min(l, c.levels)
		}
	}
	return l
}
