package kernel

import "github.com/transformer-explorer/explorer/engine/pages"

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

	// The results of dot4 and dot4x4, kept here because a local array
	// whose address goes through a function value would escape on every
	// call.
	dots   [4]float32
	dots16 [16]float32
}

// bpackBlocks returns the two packed-B blocks of size floats each. They
// are made together, in a huge page where the pages package can
// (pages.HugeFloats, which gives one from 1 MiB on): every product writes
// them, so their first touch is paid once per scratch, but on a VM that
// charges ≈ 12 µs per 4 KiB page the 1.97 MiB of a participant's blocks
// cost 6 ms of faults in 4 KiB pages (a T = 128 trace process paid
// ≈ 1,000 such faults in packN and packT, 12–15 ms of CPU). They
// are made at least full floats long, the size of a whole block: a
// product whose tasks are narrower than a block asks for less, and
// growing in steps would fault each step's blocks in again, in 4 KiB
// pages while they are below a huge page.
func (s *scratch) bpackBlocks(size, full int) (cur, nxt []float32) {
	if cap(s.bpack[0]) < size {
		n := max(size, full)
		both := pages.HugeFloats(2 * n)
		s.bpack[0], s.bpack[1] = both[:n:n], both[n:]
	}
	return s.bpack[0][:size], s.bpack[1][:size]
}

// floats returns (*buf)[:n], growing *buf if needed. The contents are
// whatever the previous use left.
func floats(buf *[]float32, n int) []float32 {
	if cap(*buf) < n {
		*buf = make([]float32, n)
	}
	return (*buf)[:n]
}
