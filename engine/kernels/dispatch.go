package kernels

// One dispatch convention for every kernel that has a SIMD version: the
// public function calls its architecture hook (kernels_wasm.go; in
// kernels_noasm.go every hook declines), the hook reports whether the SIMD
// kernel ran, and the public function runs the pure-Go twin when it did not.
// A hook declines when SIMD is off, when the call is one the SIMD kernel does
// not take (a shape it lacks), and when the arguments are ones the twin would
// reject — the twin then panics as it always did.

// kernelID names a dispatched kernel for the counters below.
type kernelID int

const (
	kGemmU16S8 kernelID = iota
	kGemmF32
	kGemmS16S16
	kQuantizeU16
	kMaxF32
	kIm2col
	kMaxPool3x3s2
	kWinogradWeights
	kWinogradInputU16
	kWinogradOutput
	kDenseI8
	kGemmU16S16
	kDenseI16
	kWinogradConv
	numKernels
)

var kernelNames = [numKernels]string{
	"GemmU16S8", "GemmF32", "GemmS16S16", "QuantizeU16", "MaxF32", "Im2col", "MaxPool3x3s2",
	"WinogradWeights", "WinogradInputU16", "WinogradOutput", "DenseI8", "GemmU16S16", "DenseI16",
	"WinogradConv",
}

func (k kernelID) String() string { return kernelNames[k] }

// dispatched counts, per kernel, the calls the SIMD kernel took and those it
// left to the twin, so that tests can show that SIMD ran when it should: a
// too strict bounds check would otherwise send every call to the twin with
// every test green. Only the wasm hooks count, and wasm runs one thread, so
// plain increments suffice.
var dispatched [numKernels]struct{ simd, twin int }

// tookSIMD and leftToTwin are a hook's two answers, counted.
func tookSIMD(k kernelID) bool {
	dispatched[k].simd++
	return true
}

func leftToTwin(k kernelID) bool {
	dispatched[k].twin++
	return false
}
