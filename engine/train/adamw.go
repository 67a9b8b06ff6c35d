package train

import (
	"math"

	"github.com/transformer-explorer/explorer/engine"
	"github.com/transformer-explorer/explorer/engine/kernel"
)

// AdamW is the Adam optimizer with decoupled weight decay (Loshchilov and
// Hutter, "Decoupled Weight Decay Regularization", 2019). For each weight
// w with gradient g at step t (counting from 1):
//
//	m = β1·m + (1−β1)·g           v = β2·v + (1−β2)·g²
//	m̂ = m/(1−β1ᵗ)                 v̂ = v/(1−β2ᵗ)
//	w = w − lr·(m̂/(√v̂ + ε) + λ·w)
//
// Decay λ applies only to embeddings and matrices (engine.ParamTensor.Kind
// "embedding" and "matrix"), not to biases or LayerNorm weights.
type AdamW struct {
	Beta1, Beta2, Eps, WeightDecay float64
	M, V                           *engine.Params // first and second moments
	spans                          []span
}

// span is a run [lo, hi) of the flat weight vector with one decay setting.
type span struct {
	lo, hi int
	decay  bool
}

// NewAdamW returns an optimizer with zero moments for cfg's weights and
// the usual GPT settings β1 = 0.9, β2 = 0.95, ε = 1e-8.
func NewAdamW(cfg engine.Config, weightDecay float64) *AdamW {
	o := &AdamW{Beta1: 0.9, Beta2: 0.95, Eps: 1e-8, WeightDecay: weightDecay,
		M: engine.NewParams(cfg), V: engine.NewParams(cfg)}
	off := 0
	for _, t := range o.M.Tensors(cfg) {
		n := len(*t.Data)
		o.spans = append(o.spans, span{off, off + n, t.Kind == "embedding" || t.Kind == "matrix"})
		off += n
	}
	return o
}

// Step updates params from grads with learning rate lr at step t ≥ 1,
// splitting the vector across the pool's workers.
func (o *AdamW) Step(pool *kernel.Pool, params, grads *engine.Params, lr float64, t int) {
	w, g := params.Flat(), grads.Flat()
	m, v := o.M.Flat(), o.V.Flat()
	b1, b2 := float32(o.Beta1), float32(o.Beta2)
	c1 := float32(1 / (1 - math.Pow(o.Beta1, float64(t))))
	c2 := float32(1 / (1 - math.Pow(o.Beta2, float64(t))))
	eps, lrf := float32(o.Eps), float32(lr)
	const chunk = 1 << 14
	for _, s := range o.spans {
		wd := float32(0)
		if s.decay {
			wd = float32(o.WeightDecay)
		}
		n := s.hi - s.lo
		pool.Parallel((n+chunk-1)/chunk, func(c int) {
			lo := s.lo + c*chunk
			hi := min(lo+chunk, s.hi)
			for i := lo; i < hi; i++ {
				gi := g[i]
				m[i] = b1*m[i] + (1-b1)*gi
				v[i] = b2*v[i] + (1-b2)*gi*gi
				mh, vh := m[i]*c1, v[i]*c2
				w[i] -= lrf * (mh/(float32(math.Sqrt(float64(vh)))+eps) + wd*w[i])
			}
		})
	}
}

// GradNorm returns the Euclidean norm of the gradient vector, ‖g‖₂.
func GradNorm(grads *engine.Params) float64 {
	var s float64
	for _, x := range grads.Flat() {
		s += float64(x) * float64(x)
	}
	return math.Sqrt(s)
}

// ClipGrads scales the gradients by maxNorm/norm when their norm exceeds
// maxNorm > 0, so one unlucky batch cannot throw the weights far, and
// reports whether it did.
func ClipGrads(grads *engine.Params, norm, maxNorm float64) bool {
	if maxNorm <= 0 || norm <= maxNorm {
		return false
	}
	s := float32(maxNorm / norm)
	for i, x := range grads.Flat() {
		grads.Flat()[i] = x * s
	}
	return true
}

// LearningRate is the schedule: a linear warm-up from 0 to peak over
// warmup steps, then cosine decay to minLR at step steps:
//
//	lr(t) = peak·(t+1)/warmup                               t < warmup
//	lr(t) = minLR + ½(peak − minLR)(1 + cos(π·(t−warmup)/(steps−warmup)))
//
// t counts from 0.
func LearningRate(t, warmup, steps int, peak, minLR float64) float64 {
	if t < warmup {
		return peak * float64(t+1) / float64(warmup)
	}
	if steps <= warmup {
		return peak
	}
	frac := math.Min(1, float64(t-warmup)/float64(steps-warmup))
	return minLR + 0.5*(peak-minLR)*(1+math.Cos(math.Pi*frac))
}
