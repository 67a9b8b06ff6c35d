package nn

import (
	"math"

	"github.com/transformer-explorer/explorer/engine/kernel"
)

// AttentionBackward is the backward pass of AttentionForward for full
// sequences (Tq = Tk = T). Given dout (B, T, C) and the att (B, NH, T, T)
// the forward pass saved, it accumulates (+=) into dq, dk, dv (B, T, C).
// Per sequence and head, with Q, K, V, dO the head's (T, HS) slices and
// A its (T, T) pattern:
//
//	dA  = dO · Vᵀ                       (through the weighted sum)
//	dV += Aᵀ · dO
//	dS  = A ⊙ (dA − rowsum(A ⊙ dA))     (through the softmax)
//	dQ += dS · K / √HS
//	dK += dSᵀ · Q / √HS
//
// dpreatt (B, NH, T, T) is scratch that ends holding dS/√HS; masked cells
// (j > i) have A = 0 and so receive no gradient. The four products are
// matrix multiplies on the head's strided slices. Each (sequence, head)
// pair writes only its own HS channels of dq, dk and dv, so the pairs run
// in parallel on the pool's workers without sharing any output.
func AttentionBackward(p *kernel.Pool, dq, dk, dv, dpreatt, dout, q, k, v, att []float32, B, T, NH, HS int) {
	C := NH * HS
	_ = dq[B*T*C-1]
	_ = dk[B*T*C-1]
	_ = dv[B*T*C-1]
	_ = dpreatt[B*NH*T*T-1]
	_ = att[B*NH*T*T-1]
	scale := float32(1 / math.Sqrt(float64(HS)))
	p.Parallel(B*NH, func(bh int) {
		b, h := bh/NH, bh%NH
		base := b*T*C + h*HS // head h of position 0 of sequence b; rows are C apart
		A := att[bh*T*T : (bh+1)*T*T]
		dS := dpreatt[bh*T*T : (bh+1)*T*T]
		p.Gemm(false, true, T, T, HS, 1, dout[base:], C, v[base:], C, 0, dS, T)
		p.Gemm(true, false, T, HS, T, 1, A, T, dout[base:], C, 1, dv[base:], C)
		for i := 0; i < T; i++ {
			a_i, ds_i := A[i*T:(i+1)*T], dS[i*T:(i+1)*T]
			var dot float64
			for j := 0; j <= i; j++ {
				dot += float64(a_i[j] * ds_i[j])
			}
			d := float32(dot)
			for j := 0; j <= i; j++ {
				ds_i[j] = a_i[j] * (ds_i[j] - d) * scale
			}
			clear(ds_i[i+1:])
		}
		p.Gemm(false, false, T, HS, T, 1, dS, T, k[base:], C, 1, dq[base:], C)
		p.Gemm(true, false, T, HS, T, 1, dS, T, q[base:], C, 1, dk[base:], C)
	})
}
