package engine

import (
	"github.com/transformer-explorer/explorer/engine/kernel"
	"github.com/transformer-explorer/explorer/engine/nn"
)

// rowOps runs the position-wise layers, LayerNorm and GELU, over row
// chunks across a pool's workers: the matrix kernels and attention split
// their own work, these would otherwise run on one core (at T = 512 the
// 25 LayerNorms and 12 GELUs of GPT-2 small are ≈ 5 % of a pass). The
// arguments of the current call are fields, and the task is a method value
// made once, so a call allocates nothing. A rowOps serves one pass at a
// time.
type rowOps struct {
	op                              int // opLayerNorm or opGelu
	N, W, chunks                    int
	out, mean, rstd, in, gain, bias []float32
	eps                             float32
	exact                           bool // exact GELU, x·Φ(x)
	task                            func(c int)
}

const (
	opLayerNorm = iota
	opGelu
)

// minParallelRows is the least work, in values, that rowOps splits across
// workers: below it waking a helper costs more than it saves.
const minParallelRows = 1 << 16

func newRowOps() *rowOps {
	r := &rowOps{}
	r.task = r.run
	return r
}

// layerNorm is nn.LayerNormForward over N rows of C, split by rows.
func (r *rowOps) layerNorm(p *kernel.Pool, out, mean, rstd, in, gain, bias []float32, N, C int, eps float32) {
	r.op, r.N, r.W = opLayerNorm, N, C
	r.out, r.mean, r.rstd, r.in, r.gain, r.bias, r.eps = out, mean, rstd, in, gain, bias, eps
	r.start(p)
}

// gelu is nn.GeluForward (or nn.GeluExactForward) over N rows of F, split
// by rows.
func (r *rowOps) gelu(p *kernel.Pool, out, in []float32, N, F int, exact bool) {
	r.op, r.N, r.W = opGelu, N, F
	r.out, r.in, r.exact = out, in, exact
	r.start(p)
}

func (r *rowOps) start(p *kernel.Pool) {
	r.chunks = 1
	if r.N*r.W >= minParallelRows {
		r.chunks = min(r.N, 4*p.Workers())
	}
	p.Parallel(r.chunks, r.task)
	r.out, r.mean, r.rstd, r.in, r.gain, r.bias = nil, nil, nil, nil, nil, nil
}

// run computes chunk c of the current call.
func (r *rowOps) run(c int) {
	lo, hi := c*r.N/r.chunks, (c+1)*r.N/r.chunks
	if lo >= hi {
		return
	}
	W := r.W
	out, in := r.out[lo*W:hi*W], r.in[lo*W:hi*W]
	switch r.op {
	case opLayerNorm:
		var mean, rstd []float32
		if r.mean != nil {
			mean = r.mean[lo:hi]
		}
		if r.rstd != nil {
			rstd = r.rstd[lo:hi]
		}
		nn.LayerNormForward(out, mean, rstd, in, r.gain, r.bias, hi-lo, W, r.eps)
	case opGelu:
		if r.exact {
			nn.GeluExactForward(out, in, (hi-lo)*W)
		} else {
			nn.GeluForward(out, in, (hi-lo)*W)
		}
	}
}
