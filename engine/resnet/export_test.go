package resnet

// SetRecomputeMax makes quantize ignore the maxima the epilogues tracked,
// for the test that compares the two.
func SetRecomputeMax(n *Net, on bool) { n.recomputeMax = on }
