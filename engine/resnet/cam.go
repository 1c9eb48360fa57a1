package resnet

import (
	"errors"
	"fmt"

	"github.com/inbrowser-ai/resnet/engine/kernels"
)

// ErrNoFeatures is CAM's error before any forward pass (or after
// SetWinograd, which drops the run state).
var ErrNoFeatures = errors.New("resnet: no forward pass has run yet")

// FeatureSize is the h×w of F, the last stage's output, of the latest
// Forward — the size of its class activation maps.
func (n *Net) FeatureSize() (h, w int, err error) {
	x := &n.run.x
	if x.f == nil {
		return 0, 0, ErrNoFeatures
	}
	return x.h, x.w, nil
}

// CAM writes to dst (h×w, row-major; see FeatureSize) the class activation
// map of class k for the latest Forward: dst[y·w+x] = Σ_c W[k,c]·F[y,x,c],
// with W the classifier's weights and F the last stage's output after its
// ReLU, before pooling. Pooling and the classifier are linear, so the mean
// of dst plus the class's bias is its logit.
//
// Each cell is the classifier's own kernel on that cell's features with a
// zero bias — for an int8 classifier kernels.DenseI8 (DenseI16 if wide), which dequantises as
// the logit does (scale_k · Σ_c q[k,c]·F[c]) — so the identity holds to
// float rounding, and in the browser a map runs on the SIMD dot product
// (49 calls of 2048 terms for ResNet-50 at 224×224, well under a
// millisecond).
func (n *Net) CAM(dst []float32, k int) error {
	x := &n.run.x
	if x.f == nil {
		return ErrNoFeatures
	}
	if k < 0 || k >= n.Meta.Classes {
		return fmt.Errorf("resnet: class %d outside 0…%d", k, n.Meta.Classes-1)
	}
	if len(dst) != x.h*x.w {
		return fmt.Errorf("resnet: CAM needs %d×%d values, got %d", x.h, x.w, len(dst))
	}
	c := x.c
	for p := range dst {
		cell := x.f[p*c : (p+1)*c]
		if n.int8 {
			n.denseInt(dst[p:p+1], k, k+1, noBias[:], cell)
		} else {
			kernels.DenseF32(dst[p:p+1], n.fcWf[k*c:(k+1)*c], noBias[:], cell)
		}
	}
	return nil
}

// noBias is the bias of one CAM cell: the class's bias belongs to the logit.
var noBias [1]float32

// Bias is the classifier's bias of class k (mean of its CAM + Bias = logit).
func (n *Net) Bias(k int) float32 { return n.fcBias[k] }
