package engine

import "math"

// TokenLoss returns −log p(id) under the softmax of logits (V), in the
// natural log, as the next.loss hook holds it: log Σ exp(z) − z[id],
// computed in float64 from the largest logit.
func TokenLoss(logits []float32, id int) float32 {
	zmax := math.Inf(-1)
	for _, z := range logits {
		zmax = max(zmax, float64(z))
	}
	var sum float64
	for _, z := range logits {
		sum += math.Exp(float64(z) - zmax)
	}
	return float32(zmax + math.Log(sum) - float64(logits[id]))
}
