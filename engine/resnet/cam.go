package resnet

import (
	"errors"
	"fmt"
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
// An int8 classifier computes its logit as scale_k·Σ_c q[k,c]·mean(F)_c
// (kernels.DenseI8): the map uses the same dequantised weights,
// scale_k·q[k,c], so the identity holds for it too, up to float rounding.
// Sums are in float64 and rounded once: the map is 7×7×2048 multiply-adds
// for ResNet-50 at 224×224, microseconds either way.
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
	if n.int8 {
		row, scale := n.fcWq[k*c:(k+1)*c], float64(n.fcScale[k])
		for p := range dst {
			var s float64
			for i, v := range x.f[p*c : (p+1)*c] {
				s += float64(row[i]) * float64(v)
			}
			dst[p] = float32(scale * s)
		}
		return nil
	}
	row := n.fcWf[k*c : (k+1)*c]
	for p := range dst {
		var s float64
		for i, v := range x.f[p*c : (p+1)*c] {
			s += float64(row[i]) * float64(v)
		}
		dst[p] = float32(s)
	}
	return nil
}

// Bias is the classifier's bias of class k (mean of its CAM + Bias = logit).
func (n *Net) Bias(k int) float32 { return n.fcBias[k] }
