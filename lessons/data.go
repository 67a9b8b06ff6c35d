package lessons

import (
	"errors"
	"fmt"
	"math"

	"github.com/transformer-explorer/explorer/lessons/expr"
	"github.com/transformer-explorer/explorer/trace"
)

// Data is what lessons read from one forward pass: the fields of a
// trace.Trace as plain values (FromTrace fills it), so callers without a
// trace (a hand-built example) can build one.
type Data struct {
	// Model describes the model the numbers come from; every setting a
	// lesson quotes is read from it.
	Model trace.ModelInfo
	// Text is the prompt as typed.
	Text string
	// IDs are the token ids of the prompt.
	IDs []int
	// Tokens are the display forms of IDs.
	Tokens []string
	// TokenStrings are the byte-level vocabulary strings of IDs ("Ġthe").
	TokenStrings []string
	// Labels gives the display form of token ids met in top-k hooks.
	Labels map[int]string
	// Tensor returns a recorded hook by its trace name, row-major, or
	// false when the trace does not hold it.
	Tensor func(name string) (shape []int, data []float32, ok bool)
}

// A MissingHookError reports that a lesson reads a hook its trace does
// not hold, as a trace read from a file that kept only some hooks. Render
// returns it wrapped with the lesson file and line; Handout shows such a
// lesson as a note naming the hook.
type MissingHookError struct {
	Hook string
}

func (e *MissingHookError) Error() string { return fmt.Sprintf("hook %q is not in the trace", e.Hook) }

// ErrNoTrace is returned when a lesson is rendered without trace data.
var ErrNoTrace = errors.New("lessons: no trace to read numbers from")

// errRange marks a value the current prompt does not have (a position
// past its end, the loss of a one-token prompt). Render shows such a value
// as unavailable instead of failing; any other directive error fails.
var errRange = expr.ErrRange

// env is what expressions evaluate against: the data and the resolved
// lesson parameters.
type env struct {
	data       *Data
	layer      int
	head       int
	query, key int
	// ans is the exercise's right answer while its tol= is evaluated.
	ans *float64
	// bestCache holds the best previous-token (false) and induction
	// (true) heads once found.
	bestCache map[bool]*bestHead
}

// expand fills in a hook-name template such as
// "blocks.{layer}.attn.hook_pattern".
func (e *env) expand(s string) (string, error) { return expr.Expand(s, e) }

// Tensor implements expr.Env: it reads a hook at idx, returning a scalar
// when idx indexes every axis and the trailing axis as a vector when it
// indexes all but one. An index outside the hook (such as position q−1
// when q is 0) is unavailable, not counted from the end.
func (e *env) Tensor(name string, idx []int) (expr.Value, error) {
	shape, data, ok := e.data.Tensor(name)
	if !ok && name == "next.loss" && len(e.data.IDs) < 2 {
		// A one-token prompt has no next token to score.
		return expr.Value{}, fmt.Errorf("hook %q: %w", name, errRange)
	}
	if !ok {
		return expr.Value{}, &MissingHookError{Hook: name}
	}
	if len(idx) != len(shape) && len(idx) != len(shape)-1 {
		return expr.Value{}, fmt.Errorf("hook %q has shape %v: give %d or %d indices, not %d", name, shape, len(shape)-1, len(shape), len(idx))
	}
	off := 0
	for a, i := range idx {
		if i < 0 || i >= shape[a] {
			return expr.Value{}, fmt.Errorf("hook %q: index %d of axis %d is outside [0, %d): %w", name, idx[a], a, shape[a], errRange)
		}
		off = off*shape[a] + i
	}
	if len(idx) == len(shape) {
		return expr.Scalar(float64(data[off])), nil
	}
	n := shape[len(shape)-1]
	out := make([]float64, n)
	for i := range out {
		out[i] = float64(data[off*n+i])
	}
	return expr.Value{V: out, Vec: true}, nil
}

// evalString parses and evaluates src.
func (e *env) evalString(src string) (expr.Value, error) {
	n, err := expr.Parse(src, names())
	if err != nil {
		return expr.Value{}, err
	}
	return n.Eval(e)
}

// evalInt evaluates src to an integer.
func (e *env) evalInt(src string) (int, error) {
	v, err := e.evalString(src)
	if err != nil {
		return 0, err
	}
	if v.Vec {
		return 0, fmt.Errorf("%q is a vector, want a number", src)
	}
	return int(math.Round(v.S)), nil
}
