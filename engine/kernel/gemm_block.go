package kernel

// blockRef is one block of op(B): rows [p0, p0+kb) (a K block) and
// columns [jb, jb+nb).
type blockRef struct{ jb, nb, p0, kb int }

// blockTask computes rows [i0, i1) × columns [j0, j1) of C with the
// micro-kernel, BLIS style:
//
//	for each column block of nc, for each K block of kc:
//	  (the block of B has been packed into kc×nr panels, which stay in L2)
//	  for each mr-row tile of A (its mr×kc sliver stays in L1)
//	    for each nr-column panel: micro-kernel on an mr×nr tile of C
//	    and pack a few rows of the next block of B
//
// Packing is software-pipelined: after every tile the task copies the next
// slice of rows of the following block into a second buffer (the hardware
// prefetchers fetch ahead along those rows; an explicit L2 prefetch of the
// slice after next was tried and did not shorten the copies), and the
// first block of a non-transposed B is packed panel by panel as the first
// row tile reads it in place (firstTiles). B comes
// from L3 or DRAM on each call (unless it was packed ahead, see Packed),
// and this machine's L3 delivers only 20–30 GB/s to the two cores
// together; spreading the reads evenly over the arithmetic hides them,
// where packing a whole block up front would leave the FMA units idle
// while it waits on memory.
//
// A is never copied except for the last mr rows when M is ragged; the
// micro-kernel reads it in place through two strides, which also covers a
// transposed A. The first K block applies beta; later ones accumulate.
// Ragged tiles are computed into a scratch tile and merged.
func (g *gemmArgs) blockTask(s *scratch, i0, i1, j0, j1 int) {
	if !g.packB {
		g.blockTaskInPlace(s, i0, i1, j0, j1)
		return
	}
	im := g.im
	mr, nr := im.mr, im.nr
	nK := ceilDiv(g.k, im.kc)
	nBlocks := ceilDiv(j1-j0, im.nc) * nK
	blockAt := func(t int) blockRef {
		jb := j0 + (t/nK)*im.nc
		p0 := (t % nK) * im.kc
		return blockRef{jb: jb, nb: min(im.nc, j1-jb), p0: p0, kb: min(im.kc, g.k-p0)}
	}
	size := im.kc * roundUp(min(im.nc, j1-j0), nr)
	cur, nxt := s.bpackBlocks(size, im.kc*roundUp(im.nc, nr))
	blk := blockAt(0)
	first := i0 // the first row tile still to compute with the block in cur
	if g.transB {
		g.packRows(cur, blk, 0, blk.kb)
	} else {
		first = i0 + mr
		g.firstTiles(s, cur, blk, i0, min(mr, i1-i0))
	}
	rowTiles := ceilDiv(i1-i0, mr)
	for t := 0; t < nBlocks; t++ {
		beta := g.betaAt(blk.p0)
		var next blockRef
		per, done := 0, 0
		if t+1 < nBlocks {
			next = blockAt(t + 1)
			// Whole groups of 16 rows, which the transposing packs need.
			per = roundUp(ceilDiv(next.kb, rowTiles*ceilDiv(blk.nb, nr)), 16)
		}
		for ir := first; ir < i1; ir += mr {
			mrem := min(mr, i1-ir)
			a, ai, ak := g.aSliver(s, ir, mrem, blk.p0, blk.kb)
			for jr := blk.jb; jr < blk.jb+blk.nb; jr += nr {
				nrem := min(nr, blk.jb+blk.nb-jr)
				g.tile(s, blk.kb, a, ai, ak, cur[(jr-blk.jb)*blk.kb:], nr, ir, jr, mrem, nrem, beta, 0)
				if done < next.kb {
					r1 := min(done+per, next.kb)
					g.packRows(nxt, next, done, r1)
					done = r1
				}
			}
		}
		if done < next.kb {
			g.packRows(nxt, next, done, next.kb)
		}
		cur, nxt = nxt, cur
		blk = next
		first = i0
	}
}

// firstTiles computes the first row tile of a task (rows [ir, ir+mrem))
// against its first block blk of a non-transposed B, reading each panel
// in place, as blockTaskInPlace does, and packs the panel into dst right
// after, from cache. The first block is the one whose packing no
// arithmetic hides (see blockTask); this way the micro-kernel's far
// prefetches overlap its reads from memory with the first tile's FMAs.
// BenchmarkMatMulCold at M = 128: +7.8 % geometric mean over GPT-2's four
// shapes (+10 % at N = 2304 and 768, p < 0.05; six alternated runs);
// BenchmarkMatMul, whose B stays in L3: −1.6 %, p > 0.4.
func (g *gemmArgs) firstTiles(s *scratch, dst []float32, blk blockRef, ir, mrem int) {
	im := g.im
	nr := im.nr
	beta := g.betaAt(blk.p0)
	a, ai, ak := g.aSliver(s, ir, mrem, blk.p0, blk.kb)
	for jr := blk.jb; jr < blk.jb+blk.nb; jr += nr {
		nrem := min(nr, blk.jb+blk.nb-jr)
		panel := dst[(jr-blk.jb)*blk.kb:]
		if nrem < nr {
			g.packRows(panel, blockRef{jb: jr, nb: nrem, p0: blk.p0, kb: blk.kb}, 0, blk.kb)
			g.tile(s, blk.kb, a, ai, ak, panel, nr, ir, jr, mrem, nrem, beta, 0)
			continue
		}
		g.tile(s, blk.kb, a, ai, ak, g.b[blk.p0*g.ldb+jr:], g.ldb, ir, jr, mrem, nrem, beta, im.far)
		g.packRows(panel, blockRef{jb: jr, nb: nr, p0: blk.p0, kb: blk.kb}, 0, blk.kb)
	}
}

// blockTaskInPlace is blockTask for a non-transposed B with few rows of A
// (M < packM). Each panel of B is then used by so few row tiles that
// copying it would cost as much as the arithmetic it feeds, so the
// micro-kernel reads B in place, prefetching im.far rows ahead into L2,
// and only the ragged last panel of a block is copied.
func (g *gemmArgs) blockTaskInPlace(s *scratch, i0, i1, j0, j1 int) {
	im := g.im
	mr, nr := im.mr, im.nr
	for p0 := 0; p0 < g.k; p0 += im.kc {
		kb := min(im.kc, g.k-p0)
		beta := g.betaAt(p0)
		for jb := j0; jb < j1; jb += im.nc {
			nb := min(im.nc, j1-jb)
			var edge []float32
			if w := nb % nr; w != 0 {
				edge = floats(&s.bedge, kb*nr)
				g.packRows(edge, blockRef{jb: jb + nb - w, nb: w, p0: p0, kb: kb}, 0, kb)
			}
			for ir := i0; ir < i1; ir += mr {
				mrem := min(mr, i1-ir)
				a, ai, ak := g.aSliver(s, ir, mrem, p0, kb)
				for jr := jb; jr < jb+nb; jr += nr {
					nrem := min(nr, jb+nb-jr)
					if nrem < nr {
						g.tile(s, kb, a, ai, ak, edge, nr, ir, jr, mrem, nrem, beta, 0)
						continue
					}
					g.tile(s, kb, a, ai, ak, g.b[p0*g.ldb+jr:], g.ldb, ir, jr, mrem, nrem, beta, im.far)
				}
			}
		}
	}
}

// betaAt is the beta of the K block that starts at row p0 of op(B): the
// call's for the first, 1 for the later ones, which accumulate.
func (g *gemmArgs) betaAt(p0 int) float32 {
	if p0 > 0 {
		return 1
	}
	return g.beta
}

// tile runs the micro-kernel for the mrem×nrem tile of C at (ir, jr),
// through the scratch tile when it is ragged.
func (g *gemmArgs) tile(s *scratch, kb int, a []float32, ai, ak int, b []float32, bk, ir, jr, mrem, nrem int, beta float32, far int) {
	im := g.im
	if mrem == im.mr && nrem == im.nr {
		im.micro(kb, a, ai, ak, b, bk, g.c[ir*g.ldc+jr:], g.ldc, g.alpha, beta, far)
		return
	}
	t := floats(&s.ctile, im.mr*im.nr)
	im.micro(kb, a, ai, ak, b, bk, t, im.nr, g.alpha, 0, far)
	mergeTile(g.c[ir*g.ldc+jr:], g.ldc, t, im.nr, mrem, nrem, beta)
}

// aSliver returns the mr×kb sliver of op(A) at rows ir…, columns p0… as a
// slice and the strides (ai between rows, ak along k) the micro-kernel reads
// it with. A full sliver is read in place; a ragged one (mrem < mr rows) is
// copied into scratch, leaving the unused rows with stale values whose
// results are discarded.
func (g *gemmArgs) aSliver(s *scratch, ir, mrem, p0, kb int) ([]float32, int, int) {
	mr := g.im.mr
	if mrem == mr {
		if g.transA {
			return g.a[p0*g.lda+ir:], 1, g.lda
		}
		return g.a[ir*g.lda+p0:], g.lda, 1
	}
	e := floats(&s.aedge, mr*kb)
	for i := 0; i < mrem; i++ {
		row := e[i*kb : (i+1)*kb]
		if g.transA {
			for k := range row {
				row[k] = g.a[(p0+k)*g.lda+ir+i]
			}
		} else {
			copy(row, g.a[(ir+i)*g.lda+p0:])
		}
	}
	return e, kb, 1
}

// packRows copies rows [r0, r1) of block blk of op(B) into dst, which holds
// the block as consecutive kb×nr panels (dst[q·kb + k·nr + j] is
// op(B)(p0+k, jb+q+j) for each panel start q); the ragged last panel is
// zero-padded.
func (g *gemmArgs) packRows(dst []float32, blk blockRef, r0, r1 int) {
	if r0 >= r1 {
		return
	}
	im := g.im
	nr := im.nr
	full := blk.nb - blk.nb%nr
	rows := r1 - r0
	if g.transB {
		for q := 0; q < full; q += nr {
			im.packBT(dst[q*blk.kb+r0*nr:q*blk.kb+r1*nr], g.b[(blk.jb+q)*g.ldb+blk.p0+r0:], g.ldb, rows)
		}
	} else if full > 0 {
		im.packN(dst[r0*nr:], g.b[(blk.p0+r0)*g.ldb+blk.jb:], g.ldb, rows, full/nr, blk.kb*nr)
	}
	if w := blk.nb - full; w > 0 {
		for k := r0; k < r1; k++ {
			d := dst[full*blk.kb+k*nr:][:nr]
			if g.transB {
				for j := 0; j < w; j++ {
					d[j] = g.b[(blk.jb+full+j)*g.ldb+blk.p0+k]
				}
			} else {
				copy(d, g.b[(blk.p0+k)*g.ldb+blk.jb+full:][:w])
			}
			clear(d[w:])
		}
	}
}

// mergeTile writes the m×n corner of tile t (stride ldt) into C as
// t + beta·C, not reading C when beta is zero.
func mergeTile(c []float32, ldc int, t []float32, ldt, m, n int, beta float32) {
	for i := 0; i < m; i++ {
		ci := c[i*ldc : i*ldc+n]
		ti := t[i*ldt : i*ldt+n]
		if beta == 0 {
			copy(ci, ti)
			continue
		}
		for j := range ci {
			ci[j] = ti[j] + beta*ci[j]
		}
	}
}
