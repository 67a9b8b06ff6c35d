package kernel

// axpyWidth is the most columns of C the axpy path updates per sweep over
// K: up to 4 rows × 1024 floats = 16 KiB of C stay in L1 while B streams
// past in 4 KiB row segments, long enough for the hardware prefetchers.
const axpyWidth = 1024

// gemvAxpy computes columns [j0, j1) of C for small M with B not transposed
// (the decode path of MatMul). B is read exactly once, four rows at a time:
// C[i, j0:j1] += Σ_r alpha·A(i, k+r)·B[k+r, j0:j1] for r < 4, so each of
// B's rows is a contiguous stream and C's rows stay in L1.
func (g *gemmArgs) gemvAxpy(s *scratch, j0, j1 int) {
	im := g.im
	quads := g.k / 4
	coef := floats(&s.coef, 16*quads)
	for q := 0; q < quads; q++ {
		cq := coef[16*q : 16*q+16]
		for i := 0; i < smallM; i++ {
			for r := 0; r < 4; r++ {
				v := float32(0)
				if i < g.m {
					v = g.alpha * g.aAt(i, 4*q+r)
				}
				cq[4*i+r] = v
			}
		}
	}
	for jc := j0; jc < j1; jc += axpyWidth {
		w := min(axpyWidth, j1-jc)
		for i := 0; i < g.m; i++ {
			scaleRows(1, w, g.beta, g.c[i*g.ldc+jc:], g.ldc)
		}
		im.axpy4(w, g.c[jc:], g.ldc, g.m, coef, g.b[jc:], g.ldb, quads)
		for k := 4 * quads; k < g.k; k++ {
			row := g.b[k*g.ldb+jc:][:w]
			for i := 0; i < g.m; i++ {
				im.axpy(g.alpha*g.aAt(i, k), row, g.c[i*g.ldc+jc:][:w])
			}
		}
	}
}

// axpyRowWidth is the widest C the split-K axpy path updates in one sweep
// over its rows of B: 8192 floats (32 KiB) of partial sums stay in L1, and
// for one row of A (decoding) every row of B up to that width is then read
// whole, so each task's part of B is one contiguous stream.
const axpyRowWidth = 8192

// gemvAxpyK computes task t of the split-K axpy path (small M, B not
// transposed, several workers): the partial product of op(A)'s columns
// [k0, k1) with B's rows [k0, k1), alpha·A[:, k0:k1]·B[k0:k1, :], into its
// own M×N slice of g.partial. finish adds the partials into C.
func (g *gemmArgs) gemvAxpyK(s *scratch, t int) {
	im := g.im
	k0 := t * g.kChunk
	k1 := min(k0+g.kChunk, g.k)
	y := g.partial[t*g.m*g.n : (t+1)*g.m*g.n]
	clear(y)
	quads := (k1 - k0) / 4
	coef := floats(&s.coef, 16*quads)
	for q := 0; q < quads; q++ {
		cq := coef[16*q : 16*q+16]
		for i := 0; i < smallM; i++ {
			for r := 0; r < 4; r++ {
				v := float32(0)
				if i < g.m {
					v = g.alpha * g.aAt(i, k0+4*q+r)
				}
				cq[4*i+r] = v
			}
		}
	}
	width := axpyWidth
	if g.m*g.n <= axpyRowWidth {
		width = g.n
	}
	for jc := 0; jc < g.n; jc += width {
		w := min(width, g.n-jc)
		im.axpy4(w, y[jc:], g.n, g.m, coef, g.b[k0*g.ldb+jc:], g.ldb, quads)
		for k := k0 + 4*quads; k < k1; k++ {
			row := g.b[k*g.ldb+jc:][:w]
			for i := 0; i < g.m; i++ {
				im.axpy(g.alpha*g.aAt(i, k), row, y[i*g.n+jc:][:w])
			}
		}
	}
}

// finish completes a call after all its tasks ran: for the split-K axpy
// path it sets C = beta·C + Σ_t partial_t.
func (g *gemmArgs) finish() {
	if g.mode != modeAxpyK {
		return
	}
	for i := 0; i < g.m; i++ {
		ci := g.c[i*g.ldc : i*g.ldc+g.n]
		first := g.partial[i*g.n : (i+1)*g.n]
		if g.beta == 0 {
			copy(ci, first)
		} else {
			scaleRows(1, g.n, g.beta, ci, g.ldc)
			g.im.axpy(1, first, ci)
		}
		for t := 1; t < g.kTasks; t++ {
			off := (t*g.m + i) * g.n
			g.im.axpy(1, g.partial[off:off+g.n], ci)
		}
	}
}

// gemvDot computes columns [j0, j1) of C for small M with B transposed (the
// decode path of MatMulT): C(i, j) is the dot product of row i of A with
// row j of the stored B, both contiguous. Four rows of B are read together,
// once, and reused from L1 for every row of A: four rows of A at a time
// where the kernels have dot4x4, one at a time otherwise.
func (g *gemmArgs) gemvDot(s *scratch, j0, j1 int) {
	im := g.im
	a, lda := g.a, g.lda
	if g.transA {
		r := floats(&s.arow, g.m*g.k)
		for i := 0; i < g.m; i++ {
			for k := range g.k {
				r[i*g.k+k] = g.a[k*g.lda+i]
			}
		}
		a, lda = r, g.k
	}
	quads := 0 // groups of four rows of A for dot4x4
	if im.dot4x4 != nil {
		quads = g.m / 4
	}
	j := j0
	for ; j+4 <= j1; j += 4 {
		w := g.b[j*g.ldb:]
		for q := 0; q < quads; q++ {
			im.dot4x4(g.k, a[4*q*lda:], lda, w, g.ldb, &s.dots16)
			for i := range 4 {
				g.storeDots(4*q+i, j, s.dots16[4*i:4*i+4])
			}
		}
		for i := 4 * quads; i < g.m; i++ {
			im.dot4(g.k, a[i*lda:][:g.k], w, g.ldb, &s.dots)
			g.storeDots(i, j, s.dots[:])
		}
	}
	for ; j < j1; j++ {
		for i := 0; i < g.m; i++ {
			v := im.dot(a[i*lda:][:g.k], g.b[j*g.ldb:][:g.k])
			g.storeDots(i, j, []float32{v})
		}
	}
}

// storeDots sets C(i, j+r) = alpha·dots[r] + beta·C(i, j+r) for the dot
// products of row i of A, not reading C when beta is zero.
func (g *gemmArgs) storeDots(i, j int, dots []float32) {
	ci := g.c[i*g.ldc+j:][:len(dots)]
	for r, v := range dots {
		if g.beta == 0 {
			ci[r] = g.alpha * v
		} else {
			ci[r] = g.alpha*v + g.beta*ci[r]
		}
	}
}

// aAt returns op(A)(i, k).
func (g *gemmArgs) aAt(i, k int) float32 {
	if g.transA {
		return g.a[k*g.lda+i]
	}
	return g.a[i*g.lda+k]
}
