package expr

import (
	"fmt"
	"math"
	"slices"
)

// function evaluates a call; it receives the unevaluated arguments so
// that t(…) can read its hook string.
type function func(e Env, args []Node) (Value, error)

// functions are the built-in functions by name. init fills the table once
// (callTensor reaches back to the parser, which looks names up here: as an
// initialised var that is an initialisation cycle); nothing changes it after.
var functions map[string]function

func init() {
	functions = map[string]function{
		"t":       callTensor,
		"id":      callID,
		"sqrt":    elementwise(math.Sqrt),
		"exp":     elementwise(math.Exp),
		"floor":   elementwise(math.Floor),
		"sin":     elementwise(math.Sin),
		"cos":     elementwise(math.Cos),
		"slice":   callSlice,
		"entropy": reduce(entropy),
		"log":     elementwise(math.Log),
		"abs":     elementwise(math.Abs),
		"gelu":    elementwise(gelu),
		"sum":     reduce(func(v []float64) float64 { return sum(v) }),
		"mean":    reduce(Mean),
		"var":     reduce(variance),
		"std":     reduce(func(v []float64) float64 { return math.Sqrt(variance(v)) }),
		"norm":    reduce(func(v []float64) float64 { return math.Sqrt(dot(v, v)) }),
		"len":     reduce(func(v []float64) float64 { return float64(len(v)) }),
		"argmax":  reduce(func(v []float64) float64 { return float64(Argmax(v)) }),
		"max":     extreme(1),
		"min":     extreme(-1),
		"dot":     callDot,
		"at":      callAt,
		"softmax": callSoftmax,
		"if":      callIf,
		"na":      callNA,
	}
}

// gelu is GPT-2's tanh approximation, ½x(1 + tanh(√(2/π)(x + 0.044715x³))).
func gelu(x float64) float64 {
	return 0.5 * x * (1 + math.Tanh(math.Sqrt(2/math.Pi)*(x+0.044715*x*x*x)))
}

func sum(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s
}

// Mean is the arithmetic mean of v, as the expression mean(v) computes
// it; lessons use it too, so a table and a formula show the same number.
func Mean(v []float64) float64 { return sum(v) / float64(len(v)) }

// variance is the population variance, as LayerNorm uses it.
func variance(v []float64) float64 {
	m := Mean(v)
	s := 0.0
	for _, x := range v {
		s += (x - m) * (x - m)
	}
	return s / float64(len(v))
}

func dot(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// Argmax is the index of the largest value of v, the first among equals,
// as the expression argmax(v) computes it (0 for an empty v).
func Argmax(v []float64) int {
	best := 0
	for i, x := range v {
		if x > v[best] {
			best = i
		}
	}
	return best
}

// evalOnly evaluates the one argument of a one-argument function; what
// names the argument it wants in the error for any other count.
func evalOnly(e Env, args []Node, what string) (Value, error) {
	if len(args) != 1 {
		return Value{}, fmt.Errorf("want 1 %s, got %d", what, len(args))
	}
	return args[0].Eval(e)
}

func elementwise(f func(float64) float64) function {
	return func(e Env, args []Node) (Value, error) {
		x, err := evalOnly(e, args, "argument")
		if err != nil {
			return x, err
		}
		return mapValue(x, f), nil
	}
}

func reduce(f func([]float64) float64) function {
	return func(e Env, args []Node) (Value, error) {
		x, err := evalOnly(e, args, "vector argument")
		if err != nil {
			return x, err
		}
		if !x.Vec {
			x = Value{V: []float64{x.S}, Vec: true}
		}
		if len(x.V) == 0 {
			return Value{}, fmt.Errorf("empty vector: %w", ErrRange)
		}
		return Scalar(f(x.V)), nil
	}
}

// extreme is max (sign 1) or min (sign -1) of one vector or of several scalars.
func extreme(sign float64) function {
	return func(e Env, args []Node) (Value, error) {
		vals, err := evalArgs(e, args)
		if err != nil {
			return Value{}, err
		}
		var all []float64
		for _, v := range vals {
			if v.Vec {
				all = append(all, v.V...)
			} else {
				all = append(all, v.S)
			}
		}
		if len(all) == 0 {
			return Value{}, fmt.Errorf("no values")
		}
		best := all[0]
		for _, x := range all[1:] {
			if sign*x > sign*best {
				best = x
			}
		}
		return Scalar(best), nil
	}
}

func callDot(e Env, args []Node) (Value, error) {
	vals, err := evalArgs(e, args)
	if err != nil {
		return Value{}, err
	}
	if len(vals) != 2 || !vals[0].Vec || !vals[1].Vec || len(vals[0].V) != len(vals[1].V) {
		return Value{}, fmt.Errorf("dot wants two vectors of the same length")
	}
	return Scalar(dot(vals[0].V, vals[1].V)), nil
}

func callAt(e Env, args []Node) (Value, error) {
	vals, err := evalArgs(e, args)
	if err != nil {
		return Value{}, err
	}
	if len(vals) != 2 || !vals[0].Vec || vals[1].Vec {
		return Value{}, fmt.Errorf("at wants a vector and an index")
	}
	i := int(vals[1].S)
	if i < 0 || i >= len(vals[0].V) {
		return Value{}, fmt.Errorf("at: index %d outside [0, %d): %w", i, len(vals[0].V), ErrRange)
	}
	return Scalar(vals[0].V[i]), nil
}

// callSoftmax computes e^{x_i − max x} / Σ_j e^{x_j − max x}, skipping −∞.
func callSoftmax(e Env, args []Node) (Value, error) {
	vals, err := evalArgs(e, args)
	if err != nil {
		return Value{}, err
	}
	if len(vals) != 1 || !vals[0].Vec {
		return Value{}, fmt.Errorf("softmax wants one vector")
	}
	x := vals[0].V
	m := math.Inf(-1)
	for _, a := range x {
		m = math.Max(m, a)
	}
	out := make([]float64, len(x))
	s := 0.0
	for i, a := range x {
		out[i] = math.Exp(a - m)
		s += out[i]
	}
	for i := range out {
		out[i] /= s
	}
	return Value{V: out, Vec: true}, nil
}

// entropy is −Σ p log p, with 0·log 0 taken as 0.
func entropy(p []float64) float64 {
	h := 0.0
	for _, x := range p {
		if x > 0 {
			h -= x * math.Log(x)
		}
	}
	return h
}

// callSlice returns slice(v, a, b): the entries a … b−1 of v. An empty or
// out-of-range slice is a value the prompt does not have.
func callSlice(e Env, args []Node) (Value, error) {
	vals, err := evalArgs(e, args)
	if err != nil {
		return Value{}, err
	}
	if len(vals) != 3 || !vals[0].Vec || vals[1].Vec || vals[2].Vec {
		return Value{}, fmt.Errorf("slice wants a vector and two indices")
	}
	a, b := int(math.Round(vals[1].S)), int(math.Round(vals[2].S))
	if a < 0 || b > len(vals[0].V) || a >= b {
		return Value{}, fmt.Errorf("slice [%d, %d) of %d entries: %w", a, b, len(vals[0].V), ErrRange)
	}
	return Value{V: slices.Clone(vals[0].V[a:b]), Vec: true}, nil
}

// callIf evaluates if(c, a, b): a when c is not 0, else b. Only the
// chosen branch is evaluated.
func callIf(e Env, args []Node) (Value, error) {
	if len(args) != 3 {
		return Value{}, fmt.Errorf("if wants a condition and two values, got %d arguments", len(args))
	}
	c, err := args[0].Eval(e)
	if err != nil {
		return c, err
	}
	if c.Vec {
		return Value{}, fmt.Errorf("the condition of if is a vector")
	}
	if c.S != 0 {
		return args[1].Eval(e)
	}
	return args[2].Eval(e)
}

// callNA is a value the prompt does not have, for the branch of an if
// that has no sensible value.
func callNA(_ Env, args []Node) (Value, error) {
	if len(args) != 0 {
		return Value{}, fmt.Errorf("na takes no arguments")
	}
	return Value{}, ErrRange
}

// callID returns the token id at a position of the prompt.
func callID(e Env, args []Node) (Value, error) {
	vals, err := evalArgs(e, args)
	if err != nil {
		return Value{}, err
	}
	if len(vals) != 1 || vals[0].Vec {
		return Value{}, fmt.Errorf("id wants one position")
	}
	id, err := e.TokenID(int(vals[0].S))
	if err != nil {
		return Value{}, err
	}
	return Scalar(float64(id)), nil
}

// callTensor reads t("hook", i, j, …).
func callTensor(e Env, args []Node) (Value, error) {
	if len(args) == 0 {
		return Value{}, fmt.Errorf(`t wants a hook name: t("blocks.{layer}.attn.hook_pattern", head, q, k)`)
	}
	s, ok := args[0].(strNode)
	if !ok {
		return Value{}, fmt.Errorf("the first argument of t must be a quoted hook name")
	}
	name, err := Expand(string(s), e)
	if err != nil {
		return Value{}, err
	}
	idx, err := evalArgs(e, args[1:])
	if err != nil {
		return Value{}, err
	}
	ints := make([]int, len(idx))
	for i, v := range idx {
		if v.Vec {
			return Value{}, fmt.Errorf("t(%q): index %d is a vector", name, i+1)
		}
		ints[i] = int(math.Round(v.S))
	}
	return e.Tensor(name, ints)
}
