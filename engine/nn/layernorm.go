package nn

import "math"

// LayerNormForward normalises each of the N rows of inp (N, C) over its C
// channels and applies the learned gain and bias:
//
//	μ = mean(x), σ² = mean((x−μ)²), out = (x − μ)/√(σ² + ε) ⊙ weight + bias
//
// weight and bias are (C). mean and rstd (N) receive μ and 1/√(σ² + ε) for
// the backward pass; the trace reports 1/rstd as ln.hook_scale. The variance
// is computed in two passes, in float64, so it stays accurate when |μ| ≫ σ.
// Taught by the lesson on layer normalisation.
func LayerNormForward(out, mean, rstd, inp, weight, bias []float32, N, C int, eps float32) {
	_ = out[N*C-1]
	_ = inp[N*C-1]
	w, b := weight[:C], bias[:C]
	for n := 0; n < N; n++ {
		x := inp[n*C : (n+1)*C]
		var sum float64
		for _, v := range x {
			sum += float64(v)
		}
		m := sum / float64(C)
		var ss float64
		for _, v := range x {
			d := float64(v) - m
			ss += d * d
		}
		s := 1 / math.Sqrt(ss/float64(C)+float64(eps))
		o := out[n*C : (n+1)*C]
		mf, sf := float32(m), float32(s)
		for i, v := range x {
			o[i] = (v-mf)*sf*w[i] + b[i]
		}
		if mean != nil {
			mean[n] = mf
		}
		if rstd != nil {
			rstd[n] = sf
		}
	}
}
