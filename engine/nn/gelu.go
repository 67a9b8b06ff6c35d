package nn

import (
	"math"

	"github.com/transformer-explorer/explorer/engine/kernel"
)

// geluScale is √(2/π), the constant of GPT-2's tanh approximation of GELU.
const geluScale = 0.7978845608028654

// GeluForward applies GPT-2's GELU ("gelu_new", the tanh approximation)
// element-wise to inp (N) and writes out (N); out may alias inp:
//
//	GELU(x) = ½·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
//
// computed in float32 as x / (1 + e^(−2u)), u = √(2/π)·(x + 0.044715·x³),
// by the vectorised kernel.Gelu (a few ulp from the float64 value).
// Taught by the lesson on the feed-forward network.
func GeluForward(out, inp []float32, N int) {
	kernel.Gelu(out[:N], inp[:N])
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
