package engine

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
)

// SampleOptions are the knobs that turn logits into a choice of token, the
// parameters of GPT-2's generate and of a completions API.
type SampleOptions struct {
	// Temperature divides the logits before the softmax: below 1 sharpens,
	// above 1 flattens. 0 means greedy: always the most likely token.
	Temperature float64
	// TopK keeps only the K most likely tokens; 0 keeps all.
	TopK int
	// TopP keeps the smallest set of most likely tokens whose probabilities
	// add up to at least P (nucleus sampling); 0 or 1 keeps all.
	TopP float64
}

// Ranges of the sampling knobs that Validate accepts.
const (
	// MaxTemperature is the largest temperature: at 100, GPT-2's logits
	// (spread over a few tens) give a nearly flat distribution, so a
	// larger value is more likely a typo (1e9 for 1.9) than a wish.
	MaxTemperature = 100
	// MaxTopK is the largest top-k, larger than any vocabulary the
	// explorer loads (a top-k at or above V keeps every token).
	MaxTopK = 1 << 20
)

// Names of the sampling knobs in a SampleError.
const (
	KnobTemperature = "temperature"
	KnobTopK        = "top_k"
	KnobTopP        = "top_p"
)

// A SampleError says which sampling knob is out of its range. Front ends
// name the knob their own way (a flag, a JSON field) from its facts.
type SampleError struct {
	Knob     string  // KnobTemperature, KnobTopK or KnobTopP
	Value    float64 // what was given (NaN and infinities included)
	Min, Max float64 // the range accepted, both ends included
}

func (e *SampleError) Error() string { return "engine: " + e.Describe(e.Knob) }

// Describe says what is wrong with the knob, calling it name (such as a
// flag, "--top-p"): "name must be in [0, 1], got 2".
func (e *SampleError) Describe(name string) string {
	num := func(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }
	return fmt.Sprintf("%s must be in [%s, %s], got %s", name, num(e.Min), num(e.Max), num(e.Value))
}

// Validate checks the options against their ranges: Temperature a finite
// number in [0, MaxTemperature] (0 picks the most likely token), TopK in
// [0, MaxTopK] (0 keeps every token), TopP a finite number in [0, 1] (0 or
// 1 keeps every token). Front ends call it on whatever they read (a flag,
// a websocket message, an API request) and may accept less, stating why.
// The error is a *SampleError.
func (o SampleOptions) Validate() error {
	switch {
	case math.IsNaN(o.Temperature) || o.Temperature < 0 || o.Temperature > MaxTemperature:
		return &SampleError{Knob: KnobTemperature, Value: o.Temperature, Min: 0, Max: MaxTemperature}
	case o.TopK < 0 || o.TopK > MaxTopK:
		return &SampleError{Knob: KnobTopK, Value: float64(o.TopK), Min: 0, Max: MaxTopK}
	case math.IsNaN(o.TopP) || o.TopP < 0 || o.TopP > 1:
		return &SampleError{Knob: KnobTopP, Value: o.TopP, Min: 0, Max: 1}
	}
	return nil
}

// Greedy reports whether the options always pick the most likely token.
func (o SampleOptions) Greedy() bool { return o.Temperature <= 0 || o.TopK == 1 }

// A Sampler draws next tokens from logits. Its random source is the one
// given, so the same seed gives the same tokens. Not safe for concurrent use.
type Sampler struct {
	opt   SampleOptions
	rng   *rand.Rand
	probs []float64 // (V) the distribution after every filter
	order []int     // (V) token ids, sorted by probability when needed
}

// NewSampler returns a sampler drawing from rng (which may be nil for
// greedy options).
func NewSampler(opt SampleOptions, rng *rand.Rand) *Sampler {
	return &Sampler{opt: opt, rng: rng}
}

// NewRand returns the random source used for a seed, so that a seed means
// the same thing everywhere in the explorer.
func NewRand(seed uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}

// Sample picks the next token from logits (V).
func (s *Sampler) Sample(logits []float32) int {
	if s.opt.Greedy() {
		return argmax(logits)
	}
	probs := s.Distribution(logits)
	return draw(probs, s.rng.Float64())
}

// Distribution applies the options to logits and returns the resulting
// probabilities over the vocabulary (V): temperature, then top-k, then the
// softmax, then top-p. Greedy options give all mass to the argmax. The
// slice is the sampler's, valid until its next call.
func (s *Sampler) Distribution(logits []float32) []float64 {
	V := len(logits)
	if cap(s.probs) < V {
		s.probs = make([]float64, V)
		s.order = make([]int, V)
	}
	probs := s.probs[:V]
	if s.opt.Greedy() {
		clear(probs)
		probs[argmax(logits)] = 1
		return probs
	}
	scaleByTemperature(probs, logits, s.opt.Temperature)
	if s.opt.TopK > 0 && s.opt.TopK < V {
		s.cropTopK(probs, s.opt.TopK)
	}
	softmax64(probs)
	if s.opt.TopP > 0 && s.opt.TopP < 1 {
		s.cropTopP(probs, s.opt.TopP)
	}
	return probs
}

// argmax returns the index of the largest logit (the first among equals).
func argmax(z []float32) int {
	best := 0
	for i, x := range z {
		if x > z[best] {
			best = i
		}
	}
	return best
}

// scaleByTemperature writes z/τ into out, in float64.
func scaleByTemperature(out []float64, z []float32, tau float64) {
	for i, x := range z {
		out[i] = float64(x) / tau
	}
}

// cropTopK sets every score below the k-th largest to −∞ (ties at the
// boundary are all kept, as in nanoGPT).
func (s *Sampler) cropTopK(scores []float64, k int) {
	order := s.sortedOrder(scores)
	kth := scores[order[k-1]]
	for i, x := range scores {
		if x < kth {
			scores[i] = math.Inf(-1)
		}
	}
}

// softmax64 turns scores into probabilities in place.
func softmax64(x []float64) {
	maxv := math.Inf(-1)
	for _, v := range x {
		maxv = max(maxv, v)
	}
	var sum float64
	for i, v := range x {
		e := math.Exp(v - maxv)
		x[i] = e
		sum += e
	}
	for i := range x {
		x[i] /= sum
	}
}

// cropTopP keeps the most probable tokens until their mass reaches p (the
// token that crosses p is kept), zeroes the rest and renormalises.
func (s *Sampler) cropTopP(probs []float64, p float64) {
	order := s.sortedOrder(probs)
	var mass float64
	cut := len(order)
	for i, id := range order {
		mass += probs[id]
		if mass >= p {
			cut = i + 1
			break
		}
	}
	for _, id := range order[cut:] {
		probs[id] = 0
	}
	for i := range probs {
		probs[i] /= mass
	}
}

// sortedOrder returns token ids by descending score (ties by id).
func (s *Sampler) sortedOrder(scores []float64) []int {
	order := s.order[:len(scores)]
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int {
		switch {
		case scores[a] > scores[b]:
			return -1
		case scores[a] < scores[b]:
			return 1
		}
		return a - b
	})
	return order
}

// draw returns the token whose cumulative probability interval holds u in
// [0, 1); rounding can leave the total a hair below u, in which case the
// last token with any mass is returned.
func draw(probs []float64, u float64) int {
	var c float64
	last := 0
	for i, p := range probs {
		if p == 0 {
			continue
		}
		c += p
		last = i
		if u < c {
			return i
		}
	}
	return last
}
