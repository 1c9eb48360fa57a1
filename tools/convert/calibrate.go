package main

import (
	"fmt"
	"runtime"
	"sync"

	"github.com/inbrowser-ai/resnet/engine"
	"github.com/inbrowser-ai/resnet/engine/modelfile"
	"github.com/inbrowser-ai/resnet/tools/convert/encode"
	"github.com/inbrowser-ai/resnet/tools/convert/net"
)

// inputStats runs the float32 network on the calibration photos and returns
// each convolution's input statistics (encode.Inputs): the mean of every
// input column, for bias correction, and for the int8 layers rounded by
// error feedback (feedbackLayers) the Gram matrix of their inputs. Sums are
// float64 in a fixed order: the same photos give the same bytes.
func inputStats(n *net.Network, photos [][]byte, wide encode.Wide) (encode.Inputs, error) {
	gram := feedbackLayers(n, wide)
	b, err := encode.EncodeWith(n, modelfile.F32, modelfile.Source{Format: "calibration"}, nil)
	if err != nil {
		return nil, err
	}
	m, err := engine.Load(b, modelfile.Trusted)
	if err != nil {
		return nil, err
	}
	stats := encode.Inputs{}
	rows := map[string]int{}
	m.ObserveConvInputs(func(layer string, a []float32, mm, k int) {
		s := stats[layer]
		if s == nil {
			s = &encode.ColumnStats{Mean: make([]float64, k)}
			if gram[layer] {
				s.Gram = make([]float64, k*k)
			}
			stats[layer] = s
		}
		if s.Gram != nil {
			addGram(s.Gram, a, mm, k)
		}
		for i := range mm {
			for j, v := range a[i*k : (i+1)*k] {
				s.Mean[j] += float64(v)
			}
		}
		rows[layer] += mm
	})
	for i, p := range photos {
		if _, err := m.ClassifyImage(p, 1); err != nil {
			return nil, fmt.Errorf("calibration photo %d: %w", i+1, err)
		}
	}
	for layer, s := range stats {
		for j := range s.Mean {
			s.Mean[j] /= float64(rows[layer])
		}
		if s.Gram != nil {
			k := len(s.Mean)
			for i := range k { // mirror the lower triangle, scale to a mean
				for j := 0; j <= i; j++ {
					v := s.Gram[i*k+j] / float64(rows[layer])
					s.Gram[i*k+j], s.Gram[j*k+i] = v, v
				}
			}
		}
	}
	return stats, nil
}

// feedbackLayers are the int8 convolutions whose weights are rounded by
// error feedback: every one not kept wide whose GEMM has at most
// feedbackMaxK inputs.
func feedbackLayers(n *net.Network, wide encode.Wide) map[string]bool {
	out := map[string]bool{}
	for _, c := range n.Convs() {
		if c.K*c.K*c.In <= feedbackMaxK && !wide[c.Name] {
			out[c.Name] = true
		}
	}
	return out
}

// feedbackMaxK leaves out ResNet-50's last-stage 3×3 layers (k = 4608):
// their Gram matrices cost 4× the work of stage 3's (k = 2304) to gather
// and 8× to factor, the last stage has 49 positions a photo, too few for
// 32 photos to pin down 4608 directions, and those layers weigh least in
// the error (0.11–0.20 % each, convert -report); with them, the random
// full-size ResNet-50 of make parity-full gained nothing (worst cosine
// 0.98377 → 0.98381). Every 1×1 layer and stage 3's 3×3 ones are in: on the
// default ResNet-50 the 1×1 layers cut the logit error of bias correction
// alone from 0.97 % to 0.83 %, stage 3's 3×3 ones to 0.78 %.
const feedbackMaxK = 2304

// addGram adds the lower triangle of aᵀ·a (m rows of k) to g (k×k), split
// by rows of g between goroutines: each entry has one writer and sums its
// rows in order, so the result does not depend on the split. Inputs after
// a ReLU are about half zeros, which the loop skips.
func addGram(g []float64, a []float32, m, k int) {
	workers := min(runtime.GOMAXPROCS(0), k)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range m {
				x := a[r*k : (r+1)*k]
				for i := w; i < k; i += workers {
					xi := float64(x[i])
					if xi == 0 {
						continue
					}
					gi := g[i*k : i*k+i+1]
					for j, v := range x[:i+1] {
						gi[j] += xi * float64(v)
					}
				}
			}
		}()
	}
	wg.Wait()
}
