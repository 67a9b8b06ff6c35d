package kernel

import (
	"runtime"
	"sync"
)

// A Packed is a weight matrix copied once, ahead of time, into the panel
// layout the Pool's micro-kernel reads, so that products with it skip the
// packing a plain Gemm does on every call (about 15 % of a GPT-2 forward
// pass at 128 tokens) and read B as one contiguous stream.
//
// It holds op(B), a K×N matrix, cut the way blockTask cuts B: column blocks
// of nc columns, each cut into K blocks of kc rows, each stored as
// consecutive kc×nr panels (the last panel of a matrix zero-padded to nr
// columns):
//
//	block (jb, p0), jb a multiple of nc, p0 of kc, starts at jb·K + p0·nbp
//	panel q of that block (q a multiple of nr) starts q·kb after the block
//	element (k, j) of the panel is at k·nr + j
//
// where nbp = roundUp(min(nc, N−jb), nr) is the block's padded width and
// kb = min(kc, K−p0) its depth. A column block thus occupies K·nbp
// consecutive floats, and the whole matrix K·roundUp(N, nr).
//
// A Packed is read-only once made, so any number of goroutines may compute
// with it at once. It is tied to the kernel set (impl) of the Pool that
// packed it: its layout depends on mr, nr, kc and nc.
type Packed struct {
	im   *impl
	k, n int
	data []float32
	// unmap releases data when it lives outside the Go heap (PackMapped);
	// nil for heap memory.
	unmap func()
}

// K returns the number of rows of the packed op(B) (the inner dimension).
func (b *Packed) K() int { return b.k }

// N returns the number of columns of the packed op(B) (the outputs).
func (b *Packed) N() int { return b.n }

// Bytes returns the memory the packed copy occupies.
func (b *Packed) Bytes() int64 { return 4 * int64(len(b.data)) }

// blockOffset returns where block (jb, p0) starts and its padded width.
func (b *Packed) blockOffset(jb, p0 int) (off, nbp int) {
	nbp = roundUp(min(b.im.nc, b.n-jb), b.im.nr)
	return jb*b.k + p0*nbp, nbp
}

// Pack copies op(B) into a new Packed for this Pool's kernels: B is stored
// K×N with row stride ldb, or N×K when transB (the nn.Linear layout, and
// GPT-2's tied unembedding). The copy is split across the workers. Pack
// panics with a "kernel: ..." message if b is shorter than its shape.
func (p *Pool) Pack(transB bool, K, N int, b []float32, ldb int) *Packed {
	checkPack(transB, K, N, b, ldb)
	return p.packInto(make([]float32, p.packedLen(K, N)), transB, K, N, b, ldb)
}

// PackMapped is Pack with the copy kept in memory mapped for it outside
// the Go heap. The garbage collector neither scans nor counts that memory,
// so a model's packed weights (500 MB for GPT-2 small) do not raise the
// heap size at which the collector next runs: the garbage of traced passes
// is then recycled at a heap the size of a trace, not of the model, and
// the process touches that much less fresh memory. The mapping is released
// by Free, or when the Packed becomes unreachable. On systems without mmap
// it is Pack. The error reports a failed mapping.
func (p *Pool) PackMapped(transB bool, K, N int, b []float32, ldb int) (*Packed, error) {
	checkPack(transB, K, N, b, ldb) // before mapping, so a panic leaks nothing
	n := p.packedLen(K, N)
	if n == 0 {
		return p.Pack(transB, K, N, b, ldb), nil
	}
	buf, unmap, err := mapFloats(n)
	if err != nil {
		return nil, err
	}
	pk := p.packInto(buf, transB, K, N, b, ldb)
	pk.unmap = sync.OnceFunc(unmap)
	runtime.AddCleanup(pk, func(f func()) { f() }, pk.unmap)
	return pk, nil
}

// Free releases the memory of a Packed made by PackMapped at once, rather
// than when it becomes unreachable; it does nothing for one made by Pack.
// The Packed must not be used afterwards (products with it panic), nor
// while Free runs.
func (b *Packed) Free() {
	if b.unmap == nil {
		return
	}
	b.data = nil
	b.unmap()
}

// checkPack panics on the programmer errors Pack reports: a negative
// shape, a stride shorter than a row of B, or b shorter than its shape.
func checkPack(transB bool, K, N int, b []float32, ldb int) {
	if K < 0 || N < 0 {
		panic(errNegDim)
	}
	checkB(transB, K, N, b, ldb, true)
}

// packedLen returns how many floats the packed copy of a K×N op(B) takes
// with this Pool's kernels: K·roundUp(N, nr).
func (p *Pool) packedLen(K, N int) int { return K * roundUp(N, p.im.nr) }

// packInto packs op(B) into buf, which must hold exactly packedLen(K, N)
// floats; it writes every float of buf (the padding with zeros).
func (p *Pool) packInto(buf []float32, transB bool, K, N int, b []float32, ldb int) *Packed {
	checkPack(transB, K, N, b, ldb)
	if len(buf) != p.packedLen(K, N) {
		panic("kernel: packInto buffer of the wrong length")
	}
	im := p.im
	pk := &Packed{im: im, k: K, n: N, data: buf}
	if K == 0 || N == 0 {
		return pk
	}
	g := gemmArgs{im: im, transB: transB, k: K, n: N, b: b, ldb: ldb}
	colBlocks := ceilDiv(N, im.nc)
	kBlocks := ceilDiv(K, im.kc)
	p.Parallel(colBlocks*kBlocks, func(t int) {
		jb, p0 := (t/kBlocks)*im.nc, (t%kBlocks)*im.kc
		off, nbp := pk.blockOffset(jb, p0)
		kb := min(im.kc, K-p0)
		blk := blockRef{jb: jb, nb: min(im.nc, N-jb), p0: p0, kb: kb}
		g.packRows(pk.data[off:off+kb*nbp], blk, 0, kb)
	})
	return pk
}

// GemmPacked computes C = alpha·op(A)·B + beta·C where B was packed by
// Pack; op(A) is M×K (A stored M×K with row stride lda, or K×M when
// transA), C is M×N with row stride ldc. Semantics are Gemm's, including
// beta == 0 overwriting C unread. Tiles of more than mr/2 rows run the
// micro-kernel on the packed panels (a ragged tile padded to mr rows);
// smaller ones, such as the single row of a decode step, run the panel-row
// kernel one row at a time, so no arithmetic goes to padding. It panics if
// b was packed by a Pool with another kernel set, or on the programmer
// errors Gemm panics on.
func (p *Pool) GemmPacked(transA bool, M int, alpha float32, a []float32, lda int, b *Packed, beta float32, c []float32, ldc int) {
	if b.im != p.im {
		panic("kernel: matrix packed for the " + b.im.name + " kernels used with a " + p.im.name + " Pool")
	}
	if b.data == nil && b.k > 0 && b.n > 0 {
		panic("kernel: packed matrix used after Free")
	}
	checkAC(transA, M, b.n, b.k, a, lda, c, ldc)
	p.runGemm(gemmArgs{
		transA: transA,
		m:      M, n: b.n, k: b.k,
		alpha: alpha, beta: beta,
		a: a, lda: lda,
		c: c, ldc: ldc,
		packed: b,
	})
	// The workers read b.data, which does not keep b reachable: b's
	// cleanup must not unmap it before they are done.
	runtime.KeepAlive(b)
}

// MatMulPacked computes out = in·w + bias like MatMul, with w packed by
// Pack (as K×N: Pack(false, K, N, w, N) for a Conv1D weight, or
// Pack(true, K, N, w, K) for an nn.Linear one or a tied unembedding).
// in is [M,K] and out [M,N], both dense; bias is [N] or nil.
func (p *Pool) MatMulPacked(out, in []float32, w *Packed, bias []float32, M int) {
	K, N := w.k, w.n
	beta := p.fillBias(out, bias, M, N)
	p.GemmPacked(false, M, 1, in, max(K, 1), w, beta, out, max(N, 1))
}

// packedTask computes rows [i0, i1) × columns [j0, j1) of C from the
// pre-packed B: blockTask's loop without the packing. j0 is a multiple of
// nr, so every panel the task touches starts at a panel of the layout.
// Blocks are visited in the layout's order (column block, then K block),
// so each task reads its part of B as a few long contiguous runs, which
// the hardware prefetchers follow from DRAM; for every row tile after the
// first the kc×nbp block (at most 1 MiB) is then in L2.
func (g *gemmArgs) packedTask(s *scratch, i0, i1, j0, j1 int) {
	im, pk := g.im, g.packed
	mr, nr := im.mr, im.nr
	for jb := j0; jb < j1; {
		cb := jb - jb%im.nc // the layout's column block holding jb
		je := min(cb+im.nc, j1)
		for p0 := 0; p0 < g.k; p0 += im.kc {
			kb := min(im.kc, g.k-p0)
			beta := g.beta
			if p0 > 0 {
				beta = 1
			}
			off, _ := pk.blockOffset(cb, p0)
			for ir := i0; ir < i1; ir += mr {
				mrem := min(mr, i1-ir)
				if 2*mrem <= mr {
					g.packedRows(s, kb, p0, ir, mrem, jb, je, pk.data[off+(jb-cb)*kb:], beta)
					continue
				}
				a, ai, ak := g.aSliver(s, ir, mrem, p0, kb)
				for jr := jb; jr < je; jr += nr {
					nrem := min(nr, je-jr)
					g.tile(s, kb, a, ai, ak, pk.data[off+(jr-cb)*kb:], nr, ir, jr, mrem, nrem, beta, 0)
				}
			}
		}
		jb = je
	}
}

// packedRows computes rows [ir, ir+mrem) × columns [jb, je) of C for one
// K block [p0, p0+kb) with the panel-row kernel, one row of A at a time:
// C = alpha·A·B + beta·C on that block. panels holds the block's packed
// panels from column jb on.
func (g *gemmArgs) packedRows(s *scratch, kb, p0, ir, mrem, jb, je int, panels []float32, beta float32) {
	im := g.im
	nr := im.nr
	out := floats(&s.ctile, nr)
	for jr := jb; jr < je; jr += nr {
		nrem := min(nr, je-jr)
		panel := panels[(jr-jb)*kb:]
		for i := ir; i < ir+mrem; i++ {
			var a []float32
			ak := 1
			if g.transA {
				a, ak = g.a[p0*g.lda+i:], g.lda
			} else {
				a = g.a[i*g.lda+p0:]
			}
			im.panelRow(kb, a, ak, panel, out)
			for j := range out[:nrem] {
				out[j] *= g.alpha
			}
			mergeTile(g.c[i*g.ldc+jr:], g.ldc, out, nr, 1, nrem, beta)
		}
	}
}
