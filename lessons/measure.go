package lessons

import (
	"fmt"
	"math"

	"github.com/transformer-explorer/explorer/lessons/expr"
	"github.com/transformer-explorer/explorer/trace"
)

// Measurements the "why" lessons make on the learner's own trace: the
// attention of one head recomputed from its recorded queries and keys
// (with or without the scale and the mask), and the heads of this prompt
// that behave as previous-token or induction heads. They are functions and
// variables of the expression language, so exercises can use them.

// hostFuncs are the functions lessons add to the expression language.
// Each works on the context's layer and head.
//
//	dots(i)     the raw dot products q_i·k_j for every key j of the
//	            prompt, the future ones included (no scale, no mask)
//	alldots()   q_i·k_j for every pair j ≤ i, row by row
//	qvals()     every entry of the head's queries; kvals() of its keys
//	prevscore(l, h)  the previous-token score of layer l, head h
//	indscore(l, h)   its induction score
var hostFuncs = map[string]func(e *env, args []expr.Value) (expr.Value, error){
	"dots":      func(e *env, a []expr.Value) (expr.Value, error) { return e.dots(a) },
	"alldots":   func(e *env, a []expr.Value) (expr.Value, error) { return e.allDots(a) },
	"qvals":     func(e *env, a []expr.Value) (expr.Value, error) { return e.headValues(trace.AttnQ, a) },
	"kvals":     func(e *env, a []expr.Value) (expr.Value, error) { return e.headValues(trace.AttnK, a) },
	"prevscore": func(e *env, a []expr.Value) (expr.Value, error) { return e.headScore(a, prevScore) },
	"indscore":  func(e *env, a []expr.Value) (expr.Value, error) { return e.headScore(a, inductionScore) },
}

func hostFuncNames() []string {
	return []string{"dots", "alldots", "qvals", "kvals", "prevscore", "indscore"}
}

// Call implements expr.Caller.
func (e *env) Call(name string, args []expr.Value) (expr.Value, error) {
	f, ok := hostFuncs[name]
	if !ok {
		return expr.Value{}, fmt.Errorf("unknown function")
	}
	return f(e, args)
}

// ints checks that args are n scalars and returns them rounded.
func ints(args []expr.Value, n int) ([]int, error) {
	if len(args) != n {
		return nil, fmt.Errorf("want %d arguments, got %d", n, len(args))
	}
	out := make([]int, n)
	for i, a := range args {
		if a.Vec {
			return nil, fmt.Errorf("argument %d is a vector, want a number", i+1)
		}
		out[i] = int(math.Round(a.S))
	}
	return out, nil
}

// headQK returns the recorded queries and keys of the context's head as
// T rows of D numbers.
func (e *env) headQK(layer, head int) (q, k [][]float64, err error) {
	for _, hook := range []string{trace.AttnQ, trace.AttnK} {
		name := trace.Block(layer, hook)
		shape, data, ok := e.data.Tensor(name)
		if !ok {
			return nil, nil, &MissingHookError{Hook: name}
		}
		if len(shape) != 3 || head < 0 || head >= shape[1] {
			return nil, nil, fmt.Errorf("hook %q has shape %v, want [T, H, D] with head %d", name, shape, head)
		}
		T, H, D := shape[0], shape[1], shape[2]
		rows := make([][]float64, T)
		for i := range rows {
			rows[i] = make([]float64, D)
			for d := range D {
				rows[i][d] = float64(data[(i*H+head)*D+d])
			}
		}
		if hook == trace.AttnQ {
			q = rows
		} else {
			k = rows
		}
	}
	return q, k, nil
}

func dotRows(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

func (e *env) dots(args []expr.Value) (expr.Value, error) {
	a, err := ints(args, 1)
	if err != nil {
		return expr.Value{}, err
	}
	q, k, err := e.headQK(e.layer, e.head)
	if err != nil {
		return expr.Value{}, err
	}
	i := a[0]
	if i < 0 || i >= len(q) {
		return expr.Value{}, fmt.Errorf("position %d outside the %d tokens: %w", i, len(q), errRange)
	}
	out := make([]float64, len(k))
	for j := range k {
		out[j] = dotRows(q[i], k[j])
	}
	return expr.Value{V: out, Vec: true}, nil
}

func (e *env) allDots(args []expr.Value) (expr.Value, error) {
	if _, err := ints(args, 0); err != nil {
		return expr.Value{}, err
	}
	q, k, err := e.headQK(e.layer, e.head)
	if err != nil {
		return expr.Value{}, err
	}
	var out []float64
	for i := range q {
		for j := 0; j <= i; j++ {
			out = append(out, dotRows(q[i], k[j]))
		}
	}
	return expr.Value{V: out, Vec: true}, nil
}

func (e *env) headValues(hook string, args []expr.Value) (expr.Value, error) {
	if _, err := ints(args, 0); err != nil {
		return expr.Value{}, err
	}
	q, k, err := e.headQK(e.layer, e.head)
	if err != nil {
		return expr.Value{}, err
	}
	rows := q
	if hook == trace.AttnK {
		rows = k
	}
	var out []float64
	for _, r := range rows {
		out = append(out, r...)
	}
	return expr.Value{V: out, Vec: true}, nil
}

// pattern returns a layer's attention pattern as [H][T][T].
func (e *env) pattern(layer int) ([][][]float32, error) {
	name := trace.Block(layer, trace.AttnPattern)
	shape, data, ok := e.data.Tensor(name)
	if !ok {
		return nil, &MissingHookError{Hook: name}
	}
	if len(shape) != 3 || shape[1] != shape[2] {
		return nil, fmt.Errorf("hook %q has shape %v, want [H, T, T]", name, shape)
	}
	H, T := shape[0], shape[1]
	out := make([][][]float32, H)
	for h := range out {
		out[h] = make([][]float32, T)
		for i := range T {
			out[h][i] = data[(h*T+i)*T : (h*T+i+1)*T]
		}
	}
	return out, nil
}

// prevScore is the mean weight a head puts on the previous token,
// A[i][i−1] over the positions i ≥ 1; ok is false for a one-token prompt.
func prevScore(a [][]float32, _ []int) (float64, bool) {
	if len(a) < 2 {
		return 0, false
	}
	s := 0.0
	for i := 1; i < len(a); i++ {
		s += float64(a[i][i-1])
	}
	return s / float64(len(a)-1), true
}

// inductionPairs lists, for every position i whose token appeared
// earlier, the positions j+1 right after each earlier occurrence j (the
// token an induction head predicts by copying).
func inductionPairs(ids []int) map[int][]int {
	out := map[int][]int{}
	for i := range ids {
		for j := 0; j < i-1; j++ {
			if ids[j] == ids[i] {
				out[i] = append(out[i], j+1)
			}
		}
	}
	return out
}

// inductionScore is the mean, over the positions i whose token appeared
// earlier at some j < i−1, of the weight i puts on the tokens right after
// those earlier occurrences; ok is false when no token repeats.
func inductionScore(a [][]float32, ids []int) (float64, bool) {
	pairs := inductionPairs(ids)
	if len(pairs) == 0 {
		return 0, false
	}
	s := 0.0
	for i, targets := range pairs {
		for _, t := range targets {
			s += float64(a[i][t])
		}
	}
	return s / float64(len(pairs)), true
}

func (e *env) headScore(args []expr.Value, score func([][]float32, []int) (float64, bool)) (expr.Value, error) {
	a, err := ints(args, 2)
	if err != nil {
		return expr.Value{}, err
	}
	l, h := a[0], a[1]
	if l < 0 || l >= e.data.Model.NLayer || h < 0 || h >= e.data.Model.NHead {
		return expr.Value{}, fmt.Errorf("layer %d, head %d outside the model's %d × %d: %w", l, h, e.data.Model.NLayer, e.data.Model.NHead, errRange)
	}
	p, err := e.pattern(l)
	if err != nil {
		return expr.Value{}, err
	}
	s, ok := score(p[h], e.data.IDs)
	if !ok {
		return expr.Value{}, fmt.Errorf("the prompt has no position to score: %w", errRange)
	}
	if math.IsNaN(s) {
		return expr.Value{}, fmt.Errorf("layer %d, head %d: the score is NaN", l, h)
	}
	return expr.Scalar(s), nil
}

// errNoRepeat is the induction measurements' errRange: the prompt
// repeats no token.
var errNoRepeat = fmt.Errorf("no token of the prompt appears twice: %w", errRange)

// errUnknownSetting marks a model setting that the trace does not state: a
// trace file from elsewhere gives the tensors' shapes but not the context
// length or LayerNorm's ε unless a model's configuration is loaded with it.
var errUnknownSetting = fmt.Errorf("the trace does not state this model setting: %w", errRange)

// bestHead is the head of the model with the highest score, with an
// example query and key where it behaves so.
type bestHead struct {
	layer, head int
	score       float64
	query, key  int
}

// best finds the head with the highest previous-token (induction false)
// or induction score in this prompt, and the query where it puts the most
// weight on the key the behaviour predicts. The search is cached on e.
func (e *env) best(induction bool) (bestHead, error) {
	if c := e.bestCache[induction]; c != nil {
		return *c, nil
	}
	score := prevScore
	if induction {
		score = inductionScore
	}
	b := bestHead{score: math.Inf(-1)}
	found := false
	for l := range e.data.Model.NLayer {
		p, err := e.pattern(l)
		if err != nil {
			return b, err
		}
		for h := range p {
			s, ok := score(p[h], e.data.IDs)
			if ok && s > b.score {
				b, found = bestHead{layer: l, head: h, score: s}, true
			}
		}
	}
	if !found {
		if induction {
			return b, errNoRepeat
		}
		return b, fmt.Errorf("a one-token prompt has no previous token: %w", errRange)
	}
	p, err := e.pattern(b.layer)
	if err != nil {
		return b, err
	}
	a := p[b.head]
	top := float32(-1)
	if induction {
		for i, targets := range inductionPairs(e.data.IDs) {
			for _, t := range targets {
				if a[i][t] > top || a[i][t] == top && i > b.query {
					top, b.query, b.key = a[i][t], i, t
				}
			}
		}
	} else {
		for i := 1; i < len(a); i++ {
			if a[i][i-1] > top {
				top, b.query, b.key = a[i][i-1], i, i-1
			}
		}
	}
	if e.bestCache == nil {
		e.bestCache = map[bool]*bestHead{}
	}
	e.bestCache[induction] = &b
	return b, nil
}

// bestVar returns a variable reading one field of the best head.
func bestVar(induction bool, field func(b bestHead) float64) func(e *env) (float64, error) {
	return func(e *env) (float64, error) {
		b, err := e.best(induction)
		if err != nil {
			return 0, err
		}
		return field(b), nil
	}
}

// measuredVars are the variables of the best heads:
// prev_l, prev_h, prev_s, prev_q, prev_k for the previous-token head and
// ind_l, ind_h, ind_s, ind_q, ind_k for the induction head (ind_k is the
// token after the earlier occurrence, ind_k − 1 that occurrence).
var measuredVars = map[string]func(e *env) (float64, error){
	"prev_l": bestVar(false, func(b bestHead) float64 { return float64(b.layer) }),
	"prev_h": bestVar(false, func(b bestHead) float64 { return float64(b.head) }),
	"prev_s": bestVar(false, func(b bestHead) float64 { return b.score }),
	"prev_q": bestVar(false, func(b bestHead) float64 { return float64(b.query) }),
	"prev_k": bestVar(false, func(b bestHead) float64 { return float64(b.key) }),
	"ind_l":  bestVar(true, func(b bestHead) float64 { return float64(b.layer) }),
	"ind_h":  bestVar(true, func(b bestHead) float64 { return float64(b.head) }),
	"ind_s":  bestVar(true, func(b bestHead) float64 { return b.score }),
	"ind_q":  bestVar(true, func(b bestHead) float64 { return float64(b.query) }),
	"ind_k":  bestVar(true, func(b bestHead) float64 { return float64(b.key) }),
}
