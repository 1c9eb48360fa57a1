package compare

import "testing"

// The margin rule: a top-1 difference counts only where the reference's
// winner leads the quantised winner by at least the margin; top-5 overlap
// counts shared classes.
func TestSummary(t *testing.T) {
	var s Summary
	ref := []float32{0.50, 0.30, 0.10, 0.05, 0.03, 0.02}
	if r := s.Add(ref, ref, 0.02); r.Counted || r.Top5 != 1 || r.MaxDiff != 0 {
		t.Fatalf("identical: %+v", r)
	}
	r := s.Add([]float32{0.40, 0.39, 0.10, 0.05, 0.04, 0.02}, []float32{0.39, 0.40, 0.10, 0.05, 0.04, 0.02}, 0.02)
	if r.Counted || r.RefTop != 0 || r.QTop != 1 || r.Top5 != 1 {
		t.Fatalf("a 0.01 lead: %+v", r)
	}
	// int8 picks class 1 (f32 lead 0.20) and swaps class 4 out of the top 5 for class 5.
	r = s.Add(ref, []float32{0.30, 0.50, 0.10, 0.05, 0.01, 0.04}, 0.02)
	if !r.Counted || r.Top5 != 0.8 || r.Lead < 0.199 || r.Lead > 0.201 {
		t.Fatalf("a 0.20 lead: %+v", r)
	}
	if s.N != 3 || s.Counted != 1 || s.Agree != 1 {
		t.Fatalf("summary %+v", s)
	}
	if a := s.Agreement(); a < 0.666 || a > 0.667 {
		t.Fatalf("agreement %v, want 2/3", a)
	}
	if m := s.Top5(); m < 0.933 || m > 0.934 {
		t.Fatalf("mean top-5 %v, want 2.8/3", m)
	}
}
