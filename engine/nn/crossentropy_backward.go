package nn

import "math"

// CrossEntropyForward turns each of the N rows of logits (N, V) into
// probabilities, probs (N, V) (which may alias logits), and writes the
// cross-entropy of its target, losses (N):
//
//	losses[n] = −log probs[n, targets[n]] = logsumexp(logits[n]) − logits[n, targets[n]]
//
// A target below zero marks a position without a target: its loss is 0.
// The probabilities are saved for CrossEntropySoftmaxBackward.
func CrossEntropyForward(losses, probs, logits []float32, targets []int, N, V int) {
	_ = losses[N-1]
	for n := 0; n < N; n++ {
		z := logits[n*V : (n+1)*V]
		lse := LogSumExp(z)
		if t := targets[n]; t >= 0 {
			losses[n] = float32(lse - float64(z[t]))
		} else {
			losses[n] = 0
		}
		p := probs[n*V : (n+1)*V]
		for i, x := range z {
			p[i] = float32(math.Exp(float64(x) - lse))
		}
	}
}

// CrossEntropySoftmaxBackward is the fused backward pass of softmax and
// cross-entropy. For a loss Σ_n scale·losses[n] (scale is 1/N for the mean)
// the gradient with respect to the logits is
//
//	dlogits[n, i] = scale · (probs[n, i] − 1{i = targets[n]})
//
// which it writes (overwriting) into dlogits (N, V); rows whose target is
// negative get zero. dlogits may alias probs.
func CrossEntropySoftmaxBackward(dlogits, probs []float32, targets []int, scale float32, N, V int) {
	_ = dlogits[N*V-1]
	for n := 0; n < N; n++ {
		p := probs[n*V : (n+1)*V]
		d := dlogits[n*V : (n+1)*V]
		t := targets[n]
		if t < 0 {
			clear(d)
			continue
		}
		for i, pi := range p {
			d[i] = scale * pi
		}
		d[t] -= scale
	}
}
