package kernel

// impl is one complete set of compute kernels together with the blocking
// parameters that suit them. A Pool holds exactly one impl, chosen by CPU
// feature when the Pool is made (tests force each impl in turn).
//
// The micro-kernel contract, shared by every impl: micro computes the
// mr×nr tile
//
//	C(i,j) = alpha·Σ_{k<kc} A(i,k)·B(k,j) + beta·C(i,j)
//
// where A(i,k) = a[i·ai + k·ak], B(k,j) = b[k·bk + j] and C(i,j) = c[i·ldc + j],
// for i < mr and j < nr. When beta == 0, C is written without being read.
// Assembly kernels prefetch B 8 rows ahead into L1 and, if far > 0, also far
// rows ahead into L2 (rows of bk floats); prefetches never fault, so they
// may run past the end of B.
// Callers pass slices that cover the whole tile; the asm wrappers check the
// last element of each before running, so a driver bug panics instead of
// corrupting memory.
type impl struct {
	name string

	mr, nr int // register tile of the micro-kernel: mr rows × nr columns of C
	kc     int // depth of a K block: A's mr×kc sliver stays in L1 across a block
	nc     int // columns of B per block (multiple of nr): kc×nc floats stay in L2

	// packM is the smallest M for which a non-transposed B is copied into
	// contiguous kc×nr panels. Below it the micro-kernel reads B in place
	// (row stride ldb, prefetching ahead): each panel then serves so few row
	// tiles that the copy would cost as much as the arithmetic it feeds.
	// A transposed B is always packed.
	packM int

	far int // far prefetch distance, in rows, when reading B in place

	// dotM is the largest M for which a transposed B takes the dot-product
	// path (gemvDot): packing a transposed B costs a transposition per
	// element, which up to this M is dearer than reading each four rows of
	// B once and reusing them from L1 for every row of A. With dot4x4 the
	// dot path keeps the FMA units busy and wins to a larger M.
	dotM int

	micro func(kc int, a []float32, ai, ak int, b []float32, bk int, c []float32, ldc int, alpha, beta float32, far int)

	// panelRow sets out[j] = Σ_{k<kb} a[k·ak]·b[k·nr + j] for j < nr: one
	// row of A against one packed kb×nr panel. GemmPacked uses it instead
	// of the micro-kernel for tiles of at most mr/2 rows (decoding a token),
	// where padding A to mr rows would multiply the arithmetic.
	panelRow func(kb int, a []float32, ak int, b []float32, out []float32)

	// packN copies rows×(np·nr) of a non-transposed B at b (row stride ldb)
	// into np panels at dst, panel q starting at dst[q·stride]
	// (dst[q·stride + k·nr + j] = b[k·ldb + q·nr + j]).
	packN func(dst []float32, b []float32, ldb, rows, np, stride int)

	// packBT packs kc×nr of a transposed B into dst (dst[k·nr+j] = b[j·ldb+k]
	// for k < kc, j < nr). b must hold nr rows of at least kc elements.
	packBT func(dst []float32, b []float32, ldb, kc int)

	// axpy4 adds Σ_{q<quads} Σ_{r<4} coef[16q + 4i + r]·x[(4q+r)·ldx + j]
	// to y[i·ldy + j] for i < m, j < n; m is 1…4. It is the small-M path of
	// C += A·B: each group of four rows of B is streamed once for all rows
	// of A, with y (up to 4×n floats) staying in L1.
	axpy4 func(n int, y []float32, ldy, m int, coef []float32, x []float32, ldx, quads int)

	// dot4 sets out[r] = Σ_{k<n} x[k]·w[r·ldw + k] for r < 4: one row of A
	// against four contiguous rows of a transposed B.
	dot4 func(n int, x []float32, w []float32, ldw int, out *[4]float32)

	// dot4x4, when not nil, sets out[4i + r] = Σ_{k<n} x[i·ldx + k]·w[r·ldw + k]
	// for i, r < 4: four rows of A against four rows of a transposed B,
	// sixteen products from eight loads per step where dot4 makes four
	// from five (the dot path at M ≥ 4).
	dot4x4 func(n int, x []float32, ldx int, w []float32, ldw int, out *[16]float32)

	dot  func(x, y []float32) float32
	axpy func(alpha float32, x, y []float32)

	// gelu sets dst[i] = GELU(src[i]) (tanh form); expSum sets
	// dst[i] = e^(src[i] − shift) and returns the sum, sumExp only sums; max returns the
	// largest element of a non-empty slice. See Gelu, ExpSum and Max.
	gelu   func(dst, src []float32)
	expSum func(dst, src []float32, shift float32) float64
	sumExp func(src []float32, shift float32) float64
	max    func(x []float32) float32

	// layerNorm normalises one row; see LayerNorm.
	layerNorm func(out, x, w, b []float32, eps float32) (mean, rstd float32)

	// firstNonFinite returns the index of the first NaN or infinity in x,
	// or −1; see FirstNonFinite.
	firstNonFinite func(x []float32) int
}

// checkPanelRow panics if the slices handed to a panel-row kernel do not
// cover kb steps of a panel nr wide; like checkTile it guards assembly.
func checkPanelRow(nr, kb int, a []float32, ak int, b []float32, out []float32) {
	if kb <= 0 || (kb-1)*ak >= len(a) || kb*nr > len(b) || nr > len(out) {
		panic("kernel: internal error: panel row out of range")
	}
}

// checkTile panics if the slices handed to a micro-kernel do not cover the
// mr×nr tile over kc steps. It guards the assembly kernels, which do not
// check bounds themselves.
func checkTile(mr, nr, kc int, a []float32, ai, ak int, b []float32, bk int, c []float32, ldc int) {
	if kc <= 0 {
		panic("kernel: internal error: micro-kernel called with kc <= 0")
	}
	if (mr-1)*ai+(kc-1)*ak >= len(a) || (kc-1)*bk+nr > len(b) || (mr-1)*ldc+nr > len(c) {
		panic("kernel: internal error: micro-kernel tile out of range")
	}
}
