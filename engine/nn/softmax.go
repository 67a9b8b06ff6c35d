package nn

import "math"

// SoftmaxForward turns each of the N rows of logits (N, V) into a
// probability distribution, probs (N, V):
//
//	probs[n, i] = exp(logits[n, i] − max) / Σ_j exp(logits[n, j] − max)
//
// Subtracting the row maximum changes nothing mathematically and keeps the
// exponentials finite. Sums are accumulated in float64. probs may alias
// logits. Taught by the lesson on the output layer.
func SoftmaxForward(probs, logits []float32, N, V int) {
	_ = probs[N*V-1]
	for n := 0; n < N; n++ {
		z := logits[n*V : (n+1)*V]
		p := probs[n*V : (n+1)*V]
		maxv := z[0]
		for _, x := range z[1:] {
			if x > maxv {
				maxv = x
			}
		}
		var sum float64
		for i, x := range z {
			e := math.Exp(float64(x - maxv))
			p[i] = float32(e)
			sum += e
		}
		inv := float32(1 / sum)
		for i := range p {
			p[i] *= inv
		}
	}
}

// LogSumExp returns log Σ_i exp(z[i]), computed stably in float64. The
// cross-entropy of a target t is LogSumExp(z) − z[t].
func LogSumExp(z []float32) float64 {
	maxv := z[0]
	for _, x := range z[1:] {
		if x > maxv {
			maxv = x
		}
	}
	var sum float64
	for _, x := range z {
		sum += math.Exp(float64(x - maxv))
	}
	return float64(maxv) + math.Log(sum)
}
