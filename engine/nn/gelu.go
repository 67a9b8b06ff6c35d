package nn

import "math"

// geluScale is √(2/π), the constant of GPT-2's tanh approximation of GELU.
const geluScale = 0.7978845608028654

// GeluForward applies GPT-2's GELU ("gelu_new", the tanh approximation)
// element-wise to inp (N) and writes out (N); out may alias inp:
//
//	GELU(x) = ½·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
//
// Taught by the lesson on the feed-forward network.
func GeluForward(out, inp []float32, N int) {
	_ = out[N-1]
	for i, x := range inp[:N] {
		xd := float64(x)
		u := geluScale * (xd + 0.044715*xd*xd*xd)
		out[i] = float32(0.5 * xd * (1 + math.Tanh(u)))
	}
}

// GeluExactForward applies the exact GELU, x·Φ(x) = ½·x·(1 + erf(x/√2)),
// for checkpoints whose activation_function is "gelu".
func GeluExactForward(out, inp []float32, N int) {
	_ = out[N-1]
	for i, x := range inp[:N] {
		xd := float64(x)
		out[i] = float32(0.5 * xd * (1 + math.Erf(xd/math.Sqrt2)))
	}
}
