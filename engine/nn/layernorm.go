package nn

import "github.com/transformer-explorer/explorer/engine/kernel"

// LayerNormForward normalises each of the N rows of inp (N, C) over its C
// channels and applies the learned gain and bias:
//
//	μ = mean(x), σ² = mean((x−μ)²), out = (x − μ)/√(σ² + ε) ⊙ weight + bias
//
// weight and bias are (C). mean and rstd (N) receive μ and 1/√(σ² + ε) for
// the backward pass (either may be nil); the trace reports 1/rstd as
// ln.hook_scale. The mean and variance are summed in float64 in two passes,
// so they stay accurate when |μ| ≫ σ, by the vectorised kernel.LayerNorm.
// out may alias inp. Taught by the lesson on layer normalisation.
func LayerNormForward(out, mean, rstd, inp, weight, bias []float32, N, C int, eps float32) {
	_ = out[N*C-1]
	_ = inp[N*C-1]
	w, b := weight[:C], bias[:C]
	for n := 0; n < N; n++ {
		m, s := kernel.LayerNorm(out[n*C:(n+1)*C], inp[n*C:(n+1)*C], w, b, eps)
		if mean != nil {
			mean[n] = m
		}
		if rstd != nil {
			rstd[n] = s
		}
	}
}
