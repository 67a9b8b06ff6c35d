package nn

// LayerNormBackward is the backward pass of LayerNormForward. Given dout
// (N, C), the gradient of the loss with respect to out, it accumulates (+=)
// into dinp (N, C), dweight (C) and dbias (C), using the inp, weight, mean
// and rstd (N) the forward pass saw and saved. With x̂ = (x − μ)·rstd and
// g = dout ⊙ weight:
//
//	dbias   += Σ_n dout
//	dweight += Σ_n dout ⊙ x̂
//	dinp    += rstd · (g − mean(g) − x̂ · mean(g ⊙ x̂))
//
// The two means are over the C channels of a row; they are what is left of
// the dependence of μ and σ on every input of the row.
func LayerNormBackward(dinp, dweight, dbias, dout, inp, weight, mean, rstd []float32, N, C int) {
	_ = dinp[N*C-1]
	_ = dout[N*C-1]
	_ = inp[N*C-1]
	dw, db, w := dweight[:C], dbias[:C], weight[:C]
	for n := 0; n < N; n++ {
		x := inp[n*C : (n+1)*C]
		dout_n := dout[n*C : (n+1)*C]
		dinp_n := dinp[n*C : (n+1)*C]
		m, s := mean[n], rstd[n]
		// The two row means, in float64 for accuracy.
		var gmean, gxmean float64
		for i := range x {
			xhat := (x[i] - m) * s
			g := dout_n[i] * w[i]
			gmean += float64(g)
			gxmean += float64(g * xhat)
		}
		gm, gxm := float32(gmean/float64(C)), float32(gxmean/float64(C))
		for i := range x {
			xhat := (x[i] - m) * s
			g := dout_n[i] * w[i]
			db[i] += dout_n[i]
			dw[i] += dout_n[i] * xhat
			dinp_n[i] += s * (g - gm - xhat*gxm)
		}
	}
}
