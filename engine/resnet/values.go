package resnet

import (
	"fmt"
	"math"
)

// Bounds on the parameters a model file may hold. The default model's
// largest weight is 5.3 (int8 scale 0.042) and its largest bias 15.5;
// BatchNorm folded over a near-zero variance can multiply a weight by a
// few hundred. Far beyond that, a file is damaged or built to overflow:
// NaN or infinite values, or magnitudes whose products leave float32's
// range within a few layers. A file that passes can still overflow in
// principle (a product of 50 layers is not bounded by bounding each), so
// the engine also checks the logits of every image (engine.ErrNonFinite).
const (
	MaxWeight = 1e4 // |W|: 127·scale for int8 weights, max|q|·scale for wide ones
	MaxBias   = 1e4
)

// checkValues refuses non-finite or out-of-range scales, biases and f32
// weights; int8 weights are bounded by their type.
func (n *Net) checkValues() error {
	var err error
	n.eachConv(func(c *conv) {
		if err == nil {
			err = checkParams(c.name, c.wscale, qmaxOf(c.wq16), c.wf, c.bias)
		}
	})
	if err != nil {
		return err
	}
	return checkParams("fc", n.fcScale, qmaxOf(n.fcWq16), n.fcWf, n.fcBias)
}

// qmaxOf is the |q| that the scale bound is taken at: 127 for int8
// weights (nil wide), and for wide ones the layer's own largest |q|, since
// the encoder spends only 4095 of int16's 32767 levels (a bound at 32767
// would refuse honest layers whose |W| exceeds 1e4·4095/32767).
func qmaxOf(wide []int16) float64 {
	if wide == nil {
		return 127
	}
	return math.Max(float64(maxAbs(wide)), 1)
}

func checkParams(name string, scale []float32, qmax float64, wf, bias []float32) error {
	for i, s := range scale {
		if !(s >= 0 && float64(s)*qmax <= MaxWeight) {
			return fmt.Errorf("resnet: %s.scale[%d] = %g: want a finite scale in [0, %g]", name, i, s, MaxWeight/qmax)
		}
	}
	for i, w := range wf {
		if !(math.Abs(float64(w)) <= MaxWeight) {
			return fmt.Errorf("resnet: %s.w[%d] = %g: want a finite weight within ±%g", name, i, w, float64(MaxWeight))
		}
	}
	for i, b := range bias {
		if !(math.Abs(float64(b)) <= MaxBias) {
			return fmt.Errorf("resnet: %s.bias[%d] = %g: want a finite bias within ±%g", name, i, b, float64(MaxBias))
		}
	}
	return nil
}
