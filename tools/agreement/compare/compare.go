// Package compare holds the agreement figures between a reference (f32)
// model's class probabilities and a quantised model's, shared by the
// agreement command and the tests that hold the int8 quantiser to them.
package compare

import (
	"fmt"
	"math"

	"github.com/inbrowser-ai/resnet/engine"
)

// Probs classifies encoded image bytes and returns the probability of
// every class, in class order.
func Probs(m *engine.Model, img []byte) ([]float32, error) {
	classes := m.Meta().Classes
	r, err := m.ClassifyImage(img, classes)
	if err != nil {
		return nil, err
	}
	p := make([]float32, classes)
	for _, t := range r.Top {
		p[t.Index] = t.Prob
	}
	return p, nil
}

// Result is one photo's comparison.
type Result struct {
	RefTop, QTop int     // top-1 classes
	Lead         float32 // reference probability of RefTop minus that of QTop
	Counted      bool    // a top-1 disagreement where the lead is at least the margin
	Top5         float64 // |top-5 ∩ top-5| / 5
	MaxDiff      float32 // largest |Δprobability| over the classes
}

// Describe says what went wrong on one photo, in class names.
func (r Result) Describe(labels []string) string {
	return fmt.Sprintf("f32 %s, int8 %s, lead %.3f, top-5 overlap %.1f, max |Δp| %.3f",
		labels[r.RefTop], labels[r.QTop], r.Lead, r.Top5, r.MaxDiff)
}

// Summary accumulates Results.
type Summary struct {
	N, Agree, Counted int
	Top5Sum           float64
	WorstLead         float32 // largest lead among top-1 disagreements
	MaxDiff           float32
}

// Add compares one photo's probabilities and adds it to the summary.
func (s *Summary) Add(ref, q []float32, margin float32) Result {
	r := Result{RefTop: argmax(ref), QTop: argmax(q)}
	r.Lead = ref[r.RefTop] - ref[r.QTop]
	r.Counted = r.RefTop != r.QTop && r.Lead >= margin
	a, b := top(ref, 5), top(q, 5)
	for _, i := range a {
		for _, j := range b {
			if i == j {
				r.Top5++
			}
		}
	}
	r.Top5 /= float64(len(a))
	for i := range ref {
		r.MaxDiff = max(r.MaxDiff, float32(math.Abs(float64(ref[i]-q[i]))))
	}
	s.N++
	if r.RefTop == r.QTop {
		s.Agree++
	} else {
		s.WorstLead = max(s.WorstLead, r.Lead)
	}
	if r.Counted {
		s.Counted++
	}
	s.Top5Sum += r.Top5
	s.MaxDiff = max(s.MaxDiff, r.MaxDiff)
	return r
}

// Agreement is the fraction of photos without a counted disagreement.
func (s *Summary) Agreement() float64 { return 1 - float64(s.Counted)/float64(max(1, s.N)) }

// Top5 is the mean top-5 overlap.
func (s *Summary) Top5() float64 { return s.Top5Sum / float64(max(1, s.N)) }

func (s *Summary) String() string {
	return fmt.Sprintf("%d photos: top-1 agreement %.4f (%d counted disagreements; plain top-1 %d/%d, largest f32 lead where they differ %.3f), mean top-5 overlap %.4f, max |Δp| %.3f",
		s.N, s.Agreement(), s.Counted, s.Agree, s.N, s.WorstLead, s.Top5(), s.MaxDiff)
}

func argmax(p []float32) int {
	b := 0
	for i, v := range p {
		if v > p[b] {
			b = i
		}
	}
	return b
}

// top returns the indices of the k largest values, ties to the lower index.
func top(p []float32, k int) []int {
	out := make([]int, 0, k)
	used := make(map[int]bool, k)
	for range min(k, len(p)) {
		b := -1
		for i, v := range p {
			if !used[i] && (b < 0 || v > p[b]) {
				b = i
			}
		}
		used[b] = true
		out = append(out, b)
	}
	return out
}
