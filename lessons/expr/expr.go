// Package expr is the expression language of lesson directives: numbers,
// arithmetic, variables and functions over the tensors of a trace.
//
//	number      0.5, 1e-5
//	variable    any name the caller declares (layer, head, q, k, T, …)
//	arithmetic  + - * / ^ and parentheses; vectors combine element by
//	            element, a scalar is broadcast
//	t("hook", i, j, …)  the hook's value at those indices; with fewer
//	            indices than axes, the remaining axis as a vector
//	comparison  < <= > >= == != give 1 (true) or 0 (false), on scalars;
//	            they bind more loosely than arithmetic
//	if(c, a, b) a when c is not 0, else b; only the chosen branch is
//	            evaluated, so the other may read a value the prompt lacks
//	functions   sqrt exp log abs gelu  (element-wise)
//	            dot(a, b) sum mean var std norm len max min argmax
//	            at(v, i)  softmax(v)  id(pos)
//	sin cos floor  (element-wise)
//	slice(v, a, b)  the entries a … b−1 of v
//	entropy(p)  −Σ p log p in nats, 0·log 0 counted as 0
//	na()        a value the prompt does not have (fails with ErrRange)
//
// The caller may declare functions of its own (Names.Funcs); they are
// evaluated by the Env's Call method.
//
// In hook names, {expr} is replaced by the value of expr, so
// "blocks.{layer}.attn.hook_pattern" names the current layer's pattern.
package expr

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Env supplies what an expression reads. Lessons implement it over a
// trace.
type Env interface {
	// Var returns the value of a declared variable, or an error (wrapping
	// ErrRange when the prompt or model does not have it).
	Var(name string) (float64, error)
	// Tensor reads a hook at idx: a scalar when idx indexes every axis, the
	// last axis as a vector when it indexes all but one. An index outside
	// the hook is an error wrapping ErrRange.
	Tensor(name string, idx []int) (Value, error)
	// TokenID returns the id of the prompt's token at pos, or an error
	// wrapping ErrRange.
	TokenID(pos int) (int, error)
}

// A Caller is an Env with functions of its own, declared to Parse in
// Names.Funcs. Call receives the evaluated arguments.
type Caller interface {
	Call(name string, args []Value) (Value, error)
}

// Names are the variables and caller functions an expression may use.
type Names struct {
	Vars  []string
	Funcs []string
}

// ErrRange marks a value that the current prompt does not have, such as
// a position past its end.
var ErrRange = errors.New("not available for this prompt")

// Value is the result of an expression: a scalar or a vector.
type Value struct {
	S   float64   // the scalar, when !Vec
	V   []float64 // the vector, when Vec
	Vec bool
}

// Scalar returns x as a Value.
func Scalar(x float64) Value { return Value{S: x} }

func (v Value) String() string {
	if v.Vec {
		return fmt.Sprint(v.V)
	}
	return strconv.FormatFloat(v.S, 'g', -1, 64)
}

// Node is a parsed expression. Eval returns its value in e; when Eval
// returns an error, the Value means nothing.
type Node interface {
	Eval(e Env) (Value, error)
}

// Hooks returns the hook-name templates an expression reads.
func Hooks(n Node) []string {
	var out []string
	var walk func(Node)
	walk = func(n Node) {
		switch x := n.(type) {
		case unaryNeg:
			walk(x.x)
		case binNode:
			walk(x.l)
			walk(x.r)
		case cmpNode:
			walk(x.l)
			walk(x.r)
		case hostNode:
			for _, a := range x.args {
				walk(a)
			}
		case callNode:
			if x.fn == "t" && len(x.args) > 0 {
				if s, ok := x.args[0].(strNode); ok {
					out = append(out, string(s))
				}
			}
			for _, a := range x.args {
				walk(a)
			}
		}
	}
	walk(n)
	return out
}

// Expand replaces each {expr} in s by the expression's value rounded to an
// integer, as in "blocks.{layer}.attn.hook_pattern".
func Expand(s string, e Env) (string, error) {
	var b strings.Builder
	rest, err := holes(s, func(text, hole string) error {
		n, err := parseAny(hole)
		if err != nil {
			return err
		}
		v, err := n.Eval(e)
		if err != nil {
			return err
		}
		if v.Vec {
			return fmt.Errorf("{%s} in %q is a vector", hole, s)
		}
		b.WriteString(text)
		b.WriteString(strconv.Itoa(int(math.Round(v.S))))
		return nil
	})
	if err != nil {
		return "", err
	}
	b.WriteString(rest)
	return b.String(), nil
}

// CheckTemplate checks that every {expr} of a hook-name template parses
// with names.
func CheckTemplate(s string, names Names) error {
	_, err := holes(s, func(_, hole string) error {
		_, err := Parse(hole, names)
		return err
	})
	return err
}

// holes calls f for each {expr} hole of the template s, in order, with the
// text before the hole and the hole's source, and returns the text after
// the last hole. It stops at the first error of f, and fails on a { that is
// not closed.
func holes(s string, f func(text, hole string) error) (rest string, err error) {
	for {
		i := strings.IndexByte(s, '{')
		if i < 0 {
			return s, nil
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			return "", fmt.Errorf("unclosed { in %q", s)
		}
		if err := f(s[:i], s[i+1:i+j]); err != nil {
			return "", err
		}
		s = s[i+j+1:]
	}
}
