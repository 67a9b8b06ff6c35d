package kernel

// vecImpl is the kernel set behind the package-level vector helpers: the
// fastest one this CPU supports. It is chosen once at start-up and never
// changes.
var vecImpl = bestImpl()

// Dot returns the dot product Σ x[i]·y[i] of the first len(x) elements,
// accumulated in float32 with several partial sums (so the rounding differs
// slightly from a sequential sum). It panics if y is shorter than x.
func Dot(x, y []float32) float32 {
	if len(y) < len(x) {
		panic("kernel: Dot: y shorter than x")
	}
	return vecImpl.dot(x, y[:len(x)])
}

// Axpy adds alpha·x to y element-wise over the first len(x) elements
// (y += alpha·x). It panics if y is shorter than x.
func Axpy(alpha float32, x, y []float32) {
	if len(y) < len(x) {
		panic("kernel: Axpy: y shorter than x")
	}
	vecImpl.axpy(alpha, x, y[:len(x)])
}
