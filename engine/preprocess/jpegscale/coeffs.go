package jpegscale

import mathbits "math/bits"

// coeffStore keeps a progressive image's coefficients between scans. At
// full scale it is image/jpeg's: 64 int32 per block, 4 bytes per pixel of
// every component. A scaled decode reads only the n×n lowest frequencies,
// which are the first `keep` in zig-zag order, so only those are kept; of
// the others the decoder still needs to know which are non-zero (a
// successive-approximation refinement scan codes its bits differently for
// coefficients that already are, T.81 G.1.2.3), and a bit each says that.
// The kept ones are int16: a valid 8-bit JPEG's coefficients are below
// 2¹¹ in magnitude (a hostile file's wrap, harmlessly). That is 10 bytes per
// block at 1/8 instead of 256.
type coeffStore struct {
	keep   int
	full   []block  // keep == blockSize
	low    []int16  // keep per block, zig-zag order
	others []uint64 // bit z: coefficient z (zig-zag, z ≥ keep) is non-zero
}

func (s *coeffStore) empty() bool { return s.keep == 0 }

// init makes room for blocks blocks reconstructed as n×n pixels.
func (s *coeffStore) init(blocks, n int) {
	s.keep = keepFor(n)
	if s.keep == blockSize {
		s.full = make([]block, blocks)
		return
	}
	s.low = make([]int16, blocks*s.keep)
	s.others = make([]uint64, blocks)
}

// keepFor is one more than the largest zig-zag index whose coefficient an
// n×n reconstruction reads.
func keepFor(n int) int {
	keep := 0
	for z, u := range unzig {
		if u%8 < n && u/8 < n {
			keep = z + 1
		}
	}
	return keep
}

// load sets b to block i. Coefficients not kept are 1 where non-zero: a
// refinement only asks whether they are zero, and adds to their magnitude
// (never to zero), which the next store records again as non-zero.
func (s *coeffStore) load(i int, b *block) {
	if s.keep == blockSize {
		*b = s.full[i]
		return
	}
	*b = block{}
	for z, v := range s.low[i*s.keep : (i+1)*s.keep] {
		b[unzig[z]] = int32(v)
	}
	for nz := s.others[i]; nz != 0; nz &= nz - 1 {
		b[unzig[mathbits.TrailingZeros64(nz)]] = 1
	}
}

func (s *coeffStore) store(i int, b *block) {
	if s.keep == blockSize {
		s.full[i] = *b
		return
	}
	low := s.low[i*s.keep : (i+1)*s.keep]
	for z := range low {
		low[z] = int16(b[unzig[z]])
	}
	var nz uint64
	for z := s.keep; z < blockSize; z++ {
		if b[unzig[z]] != 0 {
			nz |= 1 << z
		}
	}
	s.others[i] = nz
}
