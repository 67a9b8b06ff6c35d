package nn

import "github.com/transformer-explorer/explorer/engine/kernel"

// MatMulBackward is the backward pass of MatMulForward, out (N, OC) =
// inp (N, C) · weight (C, OC) + bias (OC). Given dout (N, OC) it
// accumulates (+=)
//
//	dinp    (N, C)  += dout · weightᵀ
//	dweight (C, OC) += inpᵀ · dout
//	dbias   (OC)    += Σ_n dout[n]
//
// dinp may be nil when the input needs no gradient, dbias when the layer
// has no bias. The two products run on the pool's workers.
func MatMulBackward(p *kernel.Pool, dinp, dweight, dbias, dout, inp, weight []float32, N, C, OC int) {
	if dinp != nil {
		p.Gemm(false, true, N, C, OC, 1, dout, OC, weight, OC, 1, dinp, C)
	}
	p.Gemm(true, false, C, OC, N, 1, inp, C, dout, OC, 1, dweight, OC)
	if dbias != nil {
		db := dbias[:OC]
		for n := 0; n < N; n++ {
			row := dout[n*OC : (n+1)*OC]
			for o, g := range row {
				db[o] += g
			}
		}
	}
}

// UnembedBackward is the backward pass of UnembedForward, logits (N, V) =
// inp (N, C) · wte (V, C)ᵀ. Given dlogits (N, V) it accumulates (+=)
//
//	dinp (N, C) += dlogits · wte
//	dwte (V, C) += dlogitsᵀ · inp
//
// With a tied LM head dwte is the same gradient the token embedding
// receives, so both uses of wte add into one buffer.
func UnembedBackward(p *kernel.Pool, dinp, dwte, dlogits, inp, wte []float32, N, C, V int) {
	p.Gemm(false, false, N, C, V, 1, dlogits, V, wte, C, 1, dinp, C)
	p.Gemm(true, false, V, C, N, 1, dlogits, V, inp, C, 1, dwte, C)
}
