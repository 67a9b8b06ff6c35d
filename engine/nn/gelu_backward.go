package nn

import "math"

// GeluBackward is the backward pass of GeluForward (the tanh form). Given
// dout (N) it accumulates dinp (N) += dout · GELU′(inp), where, with
// u = √(2/π)·(x + 0.044715·x³),
//
//	GELU′(x) = ½·(1 + tanh u) + ½·x·(1 − tanh² u)·√(2/π)·(1 + 3·0.044715·x²)
func GeluBackward(dinp, inp, dout []float32, N int) {
	_ = dinp[N-1]
	dout = dout[:N]
	for i, x := range inp[:N] {
		xd := float64(x)
		u := geluScale * (xd + 0.044715*xd*xd*xd)
		th := math.Tanh(u)
		du := geluScale * (1 + 3*0.044715*xd*xd)
		d := 0.5*(1+th) + 0.5*xd*(1-th*th)*du
		dinp[i] += float32(d) * dout[i]
	}
}

// GeluExactBackward is the backward pass of GeluExactForward: dinp (N) +=
// dout · (Φ(x) + x·φ(x)), with Φ and φ the standard normal CDF and density.
func GeluExactBackward(dinp, inp, dout []float32, N int) {
	_ = dinp[N-1]
	dout = dout[:N]
	for i, x := range inp[:N] {
		xd := float64(x)
		cdf := 0.5 * (1 + math.Erf(xd/math.Sqrt2))
		pdf := math.Exp(-0.5*xd*xd) / math.Sqrt(2*math.Pi)
		dinp[i] += float32(cdf+xd*pdf) * dout[i]
	}
}
