package resnet

import (
	"strings"

	"github.com/inbrowser-ai/resnet/engine/kernels"
	"github.com/inbrowser-ai/resnet/engine/modelfile"
)

// Footprint is the memory, in bytes, that a network described by m
// allocates beyond its model file's bytes to classify h×w inputs: the run
// state (reserve) with one GEMM and Winograd workspace per core, and the
// Winograd weights made on first use. It is computed from the description
// alone, before any weight has arrived, so that a host can refuse a model
// it cannot afford before allocating for it (TestFootprintCoversAllocations
// holds it against what the forward pass really allocates).
func Footprint(m *modelfile.Meta, h, w int) int64 {
	int8 := m.Quant == modelfile.Int8
	var maxAct, maxCol, maxC, maxK, winoIn, winoOut, winoWeights int64
	var visitIm2col func(in, out, k, stride, pad int, ih, iw int64) (int64, int64)
	visit := func(in, out, k, stride, pad int, ih, iw int64) (int64, int64) {
		if int8 && k == 3 && stride == 1 && pad == 1 && in <= kernels.WinogradMaxC {
			oh, ow := ih, iw
			maxAct = max(maxAct, oh*ow*int64(out))
			maxC = max(maxC, int64(out))
			winoIn, winoOut = max(winoIn, int64(in)), max(winoOut, int64(out))
			winoWeights += 2 * 16 * int64(kernels.PaddedN(out)) * int64(kernels.PaddedK2(in))
			return oh, ow
		}
		return visitIm2col(in, out, k, stride, pad, ih, iw)
	}
	visitIm2col = func(in, out, k, stride, pad int, ih, iw int64) (int64, int64) {
		oh, ow := (ih+2*int64(pad)-int64(k))/int64(stride)+1, (iw+2*int64(pad)-int64(k))/int64(stride)+1
		maxAct = max(maxAct, oh*ow*int64(out))
		maxC = max(maxC, int64(out))
		lda := int64(k * k * in)
		if int8 {
			lda = int64(kernels.PaddedK2(k * k * in))
		}
		maxCol = max(maxCol, oh*ow*lda)
		maxK = max(maxK, lda)
		return oh, ow
	}
	wide := map[string]bool{} // wide layers may take either path: count both
	for _, t := range m.Tensors {
		if t.DType == "i16" {
			wide[strings.TrimSuffix(t.Name, ".w")] = true
		}
	}
	at := func(c modelfile.ConvShape, ih, iw int64) (int64, int64) {
		if wide[c.Name] {
			visit(c.In, c.Out, c.K, c.Stride, c.Pad, ih, iw)
			return visitIm2col(c.In, c.Out, c.K, c.Stride, c.Pad, ih, iw)
		}
		return visit(c.In, c.Out, c.K, c.Stride, c.Pad, ih, iw)
	}
	stem, stages := modelfile.Architecture(m.Block, m.Stride, m.Stages, m.Width)
	width := m.Width
	ih, iw := at(stem, int64(h), int64(w))
	ih, iw = (ih+2-3)/2+1, (iw+2-3)/2+1 // max-pool
	for _, blocks := range stages {
		for _, b := range blocks {
			oh, ow := at(b.Conv1, ih, iw)
			oh, ow = at(b.Conv2, oh, ow)
			if b.Conv3 != nil {
				oh, ow = at(*b.Conv3, oh, ow)
			}
			if b.Down != nil {
				at(*b.Down, ih, iw)
			}
			ih, iw = oh, ow
		}
	}

	cores := int64(workers())
	n := 5 * maxAct * 4 // x, out, t1, t2, sc as float32
	if int8 {
		n += 2*(5*maxAct+int64(h)*int64(w)*3+maxCol) + winoWeights // their u16 twins, the input's, im2col
		n += cores * 8 * int64(kernels.WorkspaceU16S8(int(maxK)))
		if winoIn > 0 {
			cp, np := int64(kernels.PaddedK2(int(winoIn))), int64(kernels.PaddedN(int(winoOut)))
			chunk := max(4, (1<<21)/(16*4*np)) &^ 3
			n += cores * (2*16*chunk*cp + 4*16*chunk*np + 8*int64(kernels.WorkspaceS16S16(int(cp))))
		}
		n += 4 * int64(width) // the stem's row sums
	} else {
		n += 4 * maxCol
	}
	n += 4*maxC + 4*cores + 4*int64(m.Features()) + 4*int64(m.Classes)
	// The allocator rounds large allocations up to whole pages, and the
	// kernels and the scheduler allocate a little per call.
	return n + n/64 + 256<<10
}
