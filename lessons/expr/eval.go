package expr

import (
	"fmt"
	"math"
)

// Evaluation: each node of the syntax tree (parse.go) implements Node.

func (n numNode) Eval(Env) (Value, error) { return Scalar(float64(n)), nil }

func (n strNode) Eval(Env) (Value, error) {
	return Value{}, fmt.Errorf("string %q is only allowed as the hook of t(…)", string(n))
}

func (n varNode) Eval(e Env) (Value, error) {
	x, err := e.Var(string(n))
	if err != nil {
		return Value{}, fmt.Errorf("%s: %w", string(n), err)
	}
	return Scalar(x), nil
}

func (n cmpNode) Eval(e Env) (Value, error) {
	l, r, err := evalPair(e, n.l, n.r)
	if err != nil {
		return Value{}, err
	}
	if l.Vec || r.Vec {
		return Value{}, fmt.Errorf("%q compares numbers, not vectors", n.op)
	}
	var ok bool
	switch n.op {
	case "<":
		ok = l.S < r.S
	case "<=":
		ok = l.S <= r.S
	case ">":
		ok = l.S > r.S
	case ">=":
		ok = l.S >= r.S
	case "==":
		ok = l.S == r.S
	case "!=":
		ok = l.S != r.S
	}
	if ok {
		return Scalar(1), nil
	}
	return Scalar(0), nil
}

func (n unaryNeg) Eval(e Env) (Value, error) {
	x, err := n.x.Eval(e)
	if err != nil {
		return x, err
	}
	return mapValue(x, func(f float64) float64 { return -f }), nil
}

func (n binNode) Eval(e Env) (Value, error) {
	l, r, err := evalPair(e, n.l, n.r)
	if err != nil {
		return Value{}, err
	}
	var f func(a, b float64) float64
	switch n.op {
	case '+':
		f = func(a, b float64) float64 { return a + b }
	case '-':
		f = func(a, b float64) float64 { return a - b }
	case '*':
		f = func(a, b float64) float64 { return a * b }
	case '/':
		f = func(a, b float64) float64 { return a / b }
	case '^':
		f = math.Pow
	}
	if !l.Vec && !r.Vec {
		return Scalar(f(l.S, r.S)), nil
	}
	if l.Vec && r.Vec && len(l.V) != len(r.V) {
		return Value{}, fmt.Errorf("vectors of lengths %d and %d in %q", len(l.V), len(r.V), string(n.op))
	}
	size := len(l.V)
	if !l.Vec {
		size = len(r.V)
	}
	out := make([]float64, size)
	for i := range out {
		a, b := l.S, r.S
		if l.Vec {
			a = l.V[i]
		}
		if r.Vec {
			b = r.V[i]
		}
		out[i] = f(a, b)
	}
	return Value{V: out, Vec: true}, nil
}

func mapValue(x Value, f func(float64) float64) Value {
	if !x.Vec {
		return Scalar(f(x.S))
	}
	out := make([]float64, len(x.V))
	for i, a := range x.V {
		out[i] = f(a)
	}
	return Value{V: out, Vec: true}
}

// evalPair evaluates the two operands of a binary operator, left first.
func evalPair(e Env, l, r Node) (lv, rv Value, err error) {
	if lv, err = l.Eval(e); err != nil {
		return lv, rv, err
	}
	rv, err = r.Eval(e)
	return lv, rv, err
}

// evalArgs evaluates a call's arguments in order.
func evalArgs(e Env, args []Node) ([]Value, error) {
	out := make([]Value, len(args))
	for i, a := range args {
		v, err := a.Eval(e)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

func (n hostNode) Eval(e Env) (Value, error) {
	c, ok := e.(Caller)
	if !ok {
		return Value{}, fmt.Errorf("%s: this environment has no functions of its own", n.fn)
	}
	args, err := evalArgs(e, n.args)
	if err != nil {
		return Value{}, err
	}
	v, err := c.Call(n.fn, args)
	if err != nil {
		return v, fmt.Errorf("%s: %w", n.fn, err)
	}
	return v, nil
}

func (n callNode) Eval(e Env) (Value, error) {
	v, err := functions[n.fn](e, n.args)
	if err != nil {
		return v, fmt.Errorf("%s: %w", n.fn, err)
	}
	return v, nil
}
