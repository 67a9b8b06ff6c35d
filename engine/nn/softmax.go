package nn

import (
	"math"

	"github.com/transformer-explorer/explorer/engine/kernel"
)

// SoftmaxForward turns each of the N rows of logits (N, V) into a
// probability distribution, probs (N, V):
//
//	probs[n, i] = exp(logits[n, i] − max) / Σ_j exp(logits[n, j] − max)
//
// Subtracting the row maximum changes nothing mathematically and keeps the
// exponentials finite. The exponentials are float32 (a few ulp each) and
// their sum float64, through the vectorised kernel.ExpSum. probs may alias
// logits. Taught by the lesson on the output layer.
func SoftmaxForward(probs, logits []float32, N, V int) {
	_ = probs[N*V-1]
	for n := 0; n < N; n++ {
		z := logits[n*V : (n+1)*V]
		p := probs[n*V : (n+1)*V]
		inv := float32(1 / kernel.ExpSum(p, z, kernel.Max(z)))
		for i := range p {
			p[i] *= inv
		}
	}
}

// LogSumExp returns log Σ_i exp(z[i]), computed stably as
// max + log Σ exp(z[i] − max) with float32 exponentials summed in float64
// (the vectorised kernel.SumExp). The cross-entropy of a target t is
// LogSumExp(z) − z[t].
func LogSumExp(z []float32) float64 {
	maxv := kernel.Max(z)
	return float64(maxv) + math.Log(kernel.SumExp(z, maxv))
}
