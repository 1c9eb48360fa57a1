package engine

import (
	"fmt"
)

// CAM is a class activation map (Zhou et al., 2016) of the last image the
// model ran: Map[y·w+x] = Σ_c W[Index,c]·F[c,y,x] over the last stage's
// output F (after its ReLU, before pooling) and the classifier's weights W,
// row-major, Size = [h, w]. Its mean plus Bias is the class's logit.
type CAM struct {
	Index int       `json:"index"`
	Size  [2]int    `json:"size"`
	Map   []float32 `json:"map"`
	Bias  float32   `json:"-"`
}

// CAM is the class activation map of class k for the image the model
// classified last (ClassifyImage, ClassifyRGBA or Logits of one image):
// call it before the next one.
func (m *Model) CAM(k int) (*CAM, error) {
	h, w, err := m.net.FeatureSize()
	if err != nil {
		return nil, err
	}
	c := &CAM{Index: k, Size: [2]int{h, w}, Map: make([]float32, h*w)}
	if err := m.net.CAM(c.Map, k); err != nil {
		return nil, err
	}
	c.Bias = m.net.Bias(k)
	return c, nil
}

// LogitsCAM is Logits that also returns, for each image, the CAM of its
// top-1 class (or of class, when class ≥ 0): n×h×w values, and [h, w].
func (m *Model) LogitsCAM(input []float32, n, h, w, class int) (logits, maps []float32, size [2]int, err error) {
	if n < 1 || len(input) != n*3*h*w {
		return nil, nil, size, fmt.Errorf("engine: %d values is not %d×3×%d×%d", len(input), n, h, w)
	}
	per := 3 * h * w
	for i := range n {
		l, err := m.Logits(input[i*per:(i+1)*per], 1, h, w)
		if err != nil {
			return nil, nil, size, err
		}
		k := class
		if k < 0 {
			k = argmax(l)
		}
		c, err := m.CAM(k)
		if err != nil {
			return nil, nil, size, err
		}
		logits, maps, size = append(logits, l...), append(maps, c.Map...), c.Size
	}
	return logits, maps, size, nil
}

func argmax(v []float32) int {
	best := 0
	for i, x := range v {
		if x > v[best] {
			best = i
		}
	}
	return best
}
