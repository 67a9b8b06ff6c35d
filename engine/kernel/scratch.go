package kernel

// scratch is the private working memory of one participant in a call: the
// packed B block and the buffers for ragged edge tiles. Buffers grow on
// first use to the sizes the Pool's impl needs and are reused afterwards.
type scratch struct {
	bpack [2][]float32 // packed kc×nc blocks of B (current and next), as nc/nr panels of kc×nr
	bedge []float32    // one zero-padded kc×nr panel for B's last columns
	aedge []float32    // the last mr×kc rows of A when M is not a multiple of mr
	ctile []float32    // mr×nr result tile for ragged edges
	arow  []float32    // rows of a transposed A gathered for the small-M path
	coef  []float32    // alpha·A scattered into axpy4's coefficient layout
	// An Attention task's rows of scores and probabilities, when the call
	// keeps none (attnRows×Tk each).
	apre, aatt []float32

	// The results of dot4, kept here because a local array whose address
	// goes through a function value would escape on every call.
	dots [4]float32
}

// floats returns (*buf)[:n], growing *buf if needed. The contents are
// whatever the previous use left.
func floats(buf *[]float32, n int) []float32 {
	if cap(*buf) < n {
		*buf = make([]float32, n)
	}
	return (*buf)[:n]
}
