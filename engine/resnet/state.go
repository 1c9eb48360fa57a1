package resnet

import (
	"runtime"
	"sync"

	"github.com/inbrowser-ai/resnet/engine/kernels"
)

// tensor is an HWC activation: f32 values, and for int8 models their 16-bit
// quantisation x ≈ scale·(q − zp) (levels.go). f and q are views of buf and qbuf, which
// are sized once for the largest activation of the network.
type tensor struct {
	h, w, c int
	f       []float32
	q       []uint16
	scale   float32
	zp      int32
	max     float32 // the largest value of f, when known (the conv that wrote it tracked it)
	hasMax  bool
	buf     []float32
	qbuf    []uint16
}

// state is the run state: every buffer the forward pass touches, allocated
// on the first image of a given size and reused after that.
type state struct {
	h, w         int
	in           tensor // the network input (f is the caller's)
	x, out       tensor // block input and output, swapped after each block
	t1, t2, sc   tensor // inside a block: after conv1, after conv2, projection shortcut
	col          []uint16
	colf         []float32
	scale        []float32                    // per-channel activation×weight scales of the current conv
	ws           [][]int64                    // GEMM workspace, one per worker
	wino         []*kernels.WinogradWorkspace // one per worker, when the net has Winograd layers
	maxes        []float32                    // each worker's running maximum of the current conv's output
	feat, logits []float32
}

// reserve sizes the buffers for an h×w input by walking the layer shapes.
func (s *state) reserve(n *Net, h, w int) {
	if s.h == h && s.w == w {
		return
	}
	var maxAct, maxCol, maxC, maxK, winoIn, winoOut int
	visit := func(c *conv, ih, iw int) (int, int) {
		oh, ow := c.outSize(ih, iw)
		maxAct = max(maxAct, oh*ow*c.out)
		maxC = max(maxC, c.out)
		if n.winograd && c.winogradable() {
			winoIn, winoOut = max(winoIn, c.in), max(winoOut, c.out)
			return oh, ow
		}
		maxCol = max(maxCol, oh*ow*c.lda)
		maxK = max(maxK, c.lda)
		return oh, ow
	}
	ih, iw := visit(n.stem, h, w)
	ih, iw = (ih+2-3)/2+1, (iw+2-3)/2+1 // max-pool
	for _, stage := range n.stages {
		for _, b := range stage {
			oh, ow := visit(b.conv1, ih, iw)
			oh, ow = visit(b.conv2, oh, ow)
			if b.conv3 != nil {
				oh, ow = visit(b.conv3, oh, ow)
			}
			if b.down != nil {
				visit(b.down, ih, iw)
			}
			ih, iw = oh, ow
		}
	}
	for _, t := range []*tensor{&s.x, &s.out, &s.t1, &s.t2, &s.sc} {
		t.buf = make([]float32, maxAct)
		if n.int8 {
			t.qbuf = make([]uint16, maxAct)
		}
	}
	if n.int8 {
		s.in.qbuf = make([]uint16, h*w*3)
		s.col = make([]uint16, maxCol)
	} else {
		s.colf = make([]float32, maxCol)
	}
	s.scale = make([]float32, maxC)
	s.maxes = make([]float32, workers())
	s.ws = make([][]int64, workers())
	for i := range s.ws {
		s.ws[i] = make([]int64, kernels.WorkspaceU16S8(maxK))
	}
	s.wino = nil
	if winoIn > 0 {
		for range workers() {
			s.wino = append(s.wino, kernels.NewWinogradWorkspace(winoIn, winoOut))
		}
	}
	s.feat = make([]float32, n.Meta.Features())
	s.logits = make([]float32, n.Meta.Classes)
	s.h, s.w = h, w
}

func workers() int { return runtime.GOMAXPROCS(0) }

// parallelRows splits a GEMM's rows between the available cores, in whole
// 4-row tiles; f learns which worker it is, to use that worker's scratch.
// In the browser and at the edge there is one thread and this is a plain
// call.
func parallelRows(m int, f func(worker, r0, r1 int)) {
	n := workers()
	if n == 1 || m < 64 {
		f(0, 0, m)
		return
	}
	chunk := ((m+n-1)/n + 3) / 4 * 4
	var wg sync.WaitGroup
	for i, r0 := 0, 0; r0 < m; i, r0 = i+1, r0+chunk {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(i, r0, min(m, r0+chunk))
		}()
	}
	wg.Wait()
}
