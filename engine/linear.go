package engine

import (
	"sync/atomic"

	"github.com/transformer-explorer/explorer/engine/kernel"
	"github.com/transformer-explorer/explorer/engine/pages"
)

// A linear is one weight matrix of a model as its checkpoint stores it,
// with the packed copy that the matrix kernels read faster once it is made
// (kernel.Pool.Pack). Products use the packed copy when there is one and
// the checkpoint's layout otherwise; both give the same values to float32
// rounding. The copy is published atomically, so passes that are running
// while it is made (Model.PackWeights on another goroutine) pick it up from
// their next product on.
type linear struct {
	w     []float32 // (K, N), the Conv1D layout; (N, K) when trans
	trans bool      // w is stored one output per row: the tied unembedding
	k, n  int
	// mapped: w aliases a read-only mapping of the checkpoint, whose pages
	// may be dropped from the resident set (evict).
	mapped bool
	// packed is op(w) in the pool's panel layout, nil until packed.
	packed atomic.Pointer[kernel.Packed]
}

func newLinear(w []float32, trans bool, k, n int) *linear {
	return &linear{w: w, trans: trans, k: k, n: n}
}

// forward computes out (M, N) = in (M, K) · W + bias (N); bias may be nil.
func (l *linear) forward(p *kernel.Pool, out, in, bias []float32, M int) {
	if pk := l.packed.Load(); pk != nil {
		p.MatMulPacked(out, in, pk, bias, M)
		return
	}
	if l.trans {
		p.MatMulT(out, in, l.w, bias, M, l.k, l.n)
		return
	}
	p.MatMul(out, in, l.w, bias, M, l.k, l.n)
}

// pack makes the packed copy unless there is one, and reports the bytes it
// took (0 when it was packed already).
func (l *linear) pack(p *kernel.Pool) (int64, error) {
	if l.packed.Load() != nil {
		return 0, nil
	}
	ldw := l.n
	if l.trans {
		ldw = l.k
	}
	pk, err := p.PackMapped(l.trans, l.k, l.n, l.w, ldw)
	if err != nil {
		return 0, err
	}
	if !l.packed.CompareAndSwap(nil, pk) {
		pk.Free() // another goroutine packed it first
		return 0, nil
	}
	return pk.Bytes(), nil
}

// free releases the packed copy; the matrix goes back to the checkpoint's
// layout. No pass may be using the copy.
func (l *linear) free() {
	if pk := l.packed.Swap(nil); pk != nil {
		pk.Free()
	}
}

// evict drops the pages of w from the process's resident set when w is
// mapped: the values stay, and a later product maps them again from the
// page cache. Packed copies are kept.
func (l *linear) evict() {
	if l.mapped {
		pages.Evict(l.w)
	}
}

// blockLinears are one block's four Conv1D weights, each (in, out).
type blockLinears struct {
	attn, attnProj, fc, fcProj *linear
}

// evict drops the pages of the block's mapped matrices (see linear.evict).
func (b *blockLinears) evict() {
	for _, l := range []*linear{b.attn, b.attnProj, b.fc, b.fcProj} {
		l.evict()
	}
}

// matrices are every weight matrix of a model, the ones that can be packed.
type matrices struct {
	blocks []blockLinears
	lmHead *linear // (C, V) as op(lm_head): logits = x · lm_headᵀ
}

func newMatrices(cfg Config, w *Params) matrices {
	C, F, V := cfg.NEmbd, cfg.Inner(), cfg.VocabSize
	ms := matrices{blocks: make([]blockLinears, cfg.NLayer)}
	for l := range ms.blocks {
		b := &w.Blocks[l]
		ms.blocks[l] = blockLinears{
			attn:     newLinear(b.AttnW, false, C, 3*C),
			attnProj: newLinear(b.AttnProjW, false, C, C),
			fc:       newLinear(b.FcW, false, C, F),
			fcProj:   newLinear(b.FcProjW, false, F, C),
		}
	}
	ms.lmHead = newLinear(w.LMHead, true, C, V)
	return ms
}

// all lists the matrices in the order a forward pass first uses them.
func (ms matrices) all() []*linear {
	out := make([]*linear, 0, 4*len(ms.blocks)+1)
	for _, b := range ms.blocks {
		out = append(out, b.attn, b.attnProj, b.fc, b.fcProj)
	}
	return append(out, ms.lmHead)
}

// markMapped marks the matrices whose weights the loader found mapped in
// place (boundTensor.mapped).
func (ms matrices) markMapped(bound []boundTensor) {
	mapped := map[*float32]bool{}
	for _, t := range bound {
		if t.mapped {
			mapped[&t.data[0]] = true
		}
	}
	for _, l := range ms.all() {
		l.mapped = len(l.w) > 0 && mapped[&l.w[0]]
	}
}
