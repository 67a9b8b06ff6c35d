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
	"slices"
	"strconv"
	"strings"
	"unicode"
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

// Node is a parsed expression.
type Node interface {
	Eval(e Env) (Value, error)
}

type (
	numNode  float64
	varNode  string
	strNode  string
	unaryNeg struct{ x Node }
	binNode  struct {
		op   byte
		l, r Node
	}
	cmpNode struct {
		op   string
		l, r Node
	}
	callNode struct {
		fn   string
		args []Node
	}
	hostNode struct { // a function of the caller
		fn   string
		args []Node
	}
)

// Parse parses an expression whose variables and caller functions must be
// among names.
func Parse(src string, names Names) (Node, error) {
	p := &exprParser{src: src, vars: names.Vars, funcs: names.Funcs}
	p.next()
	n, err := p.compare()
	if err != nil {
		return nil, err
	}
	if p.tok != tokEOF {
		return nil, fmt.Errorf("expression %q: unexpected %q at offset %d", src, p.lit, p.start)
	}
	return n, nil
}

// ParseList parses a comma-separated list of expressions ("head, q, k").
func ParseList(src string, names Names) ([]Node, error) {
	p := &exprParser{src: src, vars: names.Vars, funcs: names.Funcs}
	p.next()
	var out []Node
	for {
		n, err := p.compare()
		if err != nil {
			return nil, err
		}
		out = append(out, n)
		if p.tok == tokEOF {
			return out, nil
		}
		if !(p.tok == tokOp && p.lit == ",") {
			return nil, p.fail(`","`)
		}
		p.next()
	}
}

type tokKind int

const (
	tokEOF tokKind = iota
	tokNum
	tokIdent
	tokStr
	tokOp
)

type exprParser struct {
	vars   []string
	funcs  []string // the caller's functions
	anyVar bool     // accept every variable name (hook-name templates)
	src    string
	pos    int
	start  int
	tok    tokKind
	lit    string
	err    error
}

// next advances to the next token.
func (p *exprParser) next() {
	for p.pos < len(p.src) && p.src[p.pos] == ' ' {
		p.pos++
	}
	p.start = p.pos
	if p.pos >= len(p.src) {
		p.tok, p.lit = tokEOF, ""
		return
	}
	c := p.src[p.pos]
	switch {
	case c >= '0' && c <= '9' || c == '.':
		end := p.pos
		for end < len(p.src) {
			d := p.src[end]
			if d >= '0' && d <= '9' || d == '.' {
				end++
			} else if (d == 'e' || d == 'E') && end+1 < len(p.src) {
				end++
				if p.src[end] == '-' || p.src[end] == '+' {
					end++
				}
			} else {
				break
			}
		}
		p.tok, p.lit, p.pos = tokNum, p.src[p.pos:end], end
	case c == '_' || unicode.IsLetter(rune(c)):
		end := p.pos
		for end < len(p.src) && (p.src[end] == '_' || unicode.IsLetter(rune(p.src[end])) || p.src[end] >= '0' && p.src[end] <= '9') {
			end++
		}
		p.tok, p.lit, p.pos = tokIdent, p.src[p.pos:end], end
	case c == '"':
		end := strings.IndexByte(p.src[p.pos+1:], '"')
		if end < 0 {
			p.err = fmt.Errorf("expression %q: unterminated string", p.src)
			p.tok, p.lit = tokEOF, ""
			return
		}
		p.tok, p.lit = tokStr, p.src[p.pos+1:p.pos+1+end]
		p.pos += end + 2
	default:
		p.tok, p.lit = tokOp, string(c)
		p.pos++
	}
}

func (p *exprParser) fail(want string) error {
	if p.err != nil {
		return p.err
	}
	what := p.lit
	if p.tok == tokEOF {
		what = "end"
	}
	return fmt.Errorf("expression %q: want %s, got %q at offset %d", p.src, want, what, p.start)
}

// compare := expr (('<'|'<='|'>'|'>='|'=='|'!=') expr)?
func (p *exprParser) compare() (Node, error) {
	l, err := p.expr()
	if err != nil || p.tok != tokOp || !strings.Contains("<>=!", p.lit) {
		return l, err
	}
	op := p.lit
	if p.pos < len(p.src) && p.src[p.pos] == '=' {
		op += "="
		p.pos++
	}
	switch op {
	case "<", "<=", ">", ">=", "==", "!=":
	default:
		return nil, fmt.Errorf("expression %q: unknown operator %q at offset %d (comparisons: < <= > >= == !=)", p.src, op, p.start)
	}
	p.next()
	r, err := p.expr()
	if err != nil {
		return nil, err
	}
	return cmpNode{op, l, r}, nil
}

// expr := term (('+'|'-') term)*
func (p *exprParser) expr() (Node, error) {
	l, err := p.term()
	for err == nil && p.tok == tokOp && (p.lit == "+" || p.lit == "-") {
		op := p.lit[0]
		p.next()
		var r Node
		if r, err = p.term(); err == nil {
			l = binNode{op, l, r}
		}
	}
	return l, err
}

// term := unary (('*'|'/') unary)*
func (p *exprParser) term() (Node, error) {
	l, err := p.unary()
	for err == nil && p.tok == tokOp && (p.lit == "*" || p.lit == "/") {
		op := p.lit[0]
		p.next()
		var r Node
		if r, err = p.unary(); err == nil {
			l = binNode{op, l, r}
		}
	}
	return l, err
}

// unary := '-' unary | power
func (p *exprParser) unary() (Node, error) {
	if p.tok == tokOp && p.lit == "-" {
		p.next()
		x, err := p.unary()
		return unaryNeg{x}, err
	}
	return p.power()
}

// power := primary ('^' unary)?
func (p *exprParser) power() (Node, error) {
	b, err := p.primary()
	if err != nil || !(p.tok == tokOp && p.lit == "^") {
		return b, err
	}
	p.next()
	e, err := p.unary()
	return binNode{'^', b, e}, err
}

// primary := number | string | ident | ident '(' args ')' | '(' expr ')'
func (p *exprParser) primary() (Node, error) {
	switch p.tok {
	case tokNum:
		f, err := strconv.ParseFloat(p.lit, 64)
		if err != nil {
			return nil, fmt.Errorf("expression %q: bad number %q", p.src, p.lit)
		}
		p.next()
		return numNode(f), nil
	case tokStr:
		s := p.lit
		if err := CheckTemplate(s, Names{Vars: p.vars, Funcs: p.funcs}); err != nil && !p.anyVar {
			return nil, fmt.Errorf("expression %q: %w", p.src, err)
		}
		p.next()
		return strNode(s), nil
	case tokIdent:
		name := p.lit
		p.next()
		if !(p.tok == tokOp && p.lit == "(") {
			if !p.anyVar && !slices.Contains(p.vars, name) {
				return nil, fmt.Errorf("expression %q: unknown variable %q (known: %s)", p.src, name, strings.Join(p.vars, " "))
			}
			return varNode(name), nil
		}
		_, builtin := functions[name]
		host := slices.Contains(p.funcs, name) || p.anyVar && !builtin
		if !builtin && !host {
			return nil, fmt.Errorf("expression %q: unknown function %q", p.src, name)
		}
		p.next()
		var args []Node
		for !(p.tok == tokOp && p.lit == ")") {
			a, err := p.compare()
			if err != nil {
				return nil, err
			}
			args = append(args, a)
			if p.tok == tokOp && p.lit == "," {
				p.next()
			} else if !(p.tok == tokOp && p.lit == ")") {
				return nil, p.fail(`"," or ")"`)
			}
		}
		p.next()
		if host {
			return hostNode{name, args}, nil
		}
		return callNode{name, args}, nil
	case tokOp:
		if p.lit == "(" {
			p.next()
			x, err := p.compare()
			if err != nil {
				return nil, err
			}
			if !(p.tok == tokOp && p.lit == ")") {
				return nil, p.fail(`")"`)
			}
			p.next()
			return x, nil
		}
	}
	return nil, p.fail("a number, name or (")
}

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
	l, err := n.l.Eval(e)
	if err != nil {
		return l, err
	}
	r, err := n.r.Eval(e)
	if err != nil {
		return r, err
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
	l, err := n.l.Eval(e)
	if err != nil {
		return l, err
	}
	r, err := n.r.Eval(e)
	if err != nil {
		return r, err
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

// function evaluates a call; it receives the unevaluated arguments so
// that t(…) can read its hook string.
type function func(e Env, args []Node) (Value, error)

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
		"mean":    reduce(mean),
		"var":     reduce(variance),
		"std":     reduce(func(v []float64) float64 { return math.Sqrt(variance(v)) }),
		"norm":    reduce(func(v []float64) float64 { return math.Sqrt(dot(v, v)) }),
		"len":     reduce(func(v []float64) float64 { return float64(len(v)) }),
		"argmax":  reduce(func(v []float64) float64 { return float64(argmax(v)) }),
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

func mean(v []float64) float64 { return sum(v) / float64(len(v)) }

// variance is the population variance, as LayerNorm uses it.
func variance(v []float64) float64 {
	m := mean(v)
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

func argmax(v []float64) int {
	best := 0
	for i, x := range v {
		if x > v[best] {
			best = i
		}
	}
	return best
}

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

func elementwise(f func(float64) float64) function {
	return func(e Env, args []Node) (Value, error) {
		if len(args) != 1 {
			return Value{}, fmt.Errorf("want 1 argument, got %d", len(args))
		}
		x, err := args[0].Eval(e)
		if err != nil {
			return x, err
		}
		return mapValue(x, f), nil
	}
}

func reduce(f func([]float64) float64) function {
	return func(e Env, args []Node) (Value, error) {
		if len(args) != 1 {
			return Value{}, fmt.Errorf("want 1 vector argument, got %d arguments", len(args))
		}
		x, err := args[0].Eval(e)
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

// Expand replaces each {expr} in s by the expression's value rounded to an
// integer, as in "blocks.{layer}.attn.hook_pattern".
func Expand(s string, e Env) (string, error) {
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '{')
		if i < 0 {
			b.WriteString(s)
			return b.String(), nil
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			return "", fmt.Errorf("unclosed { in %q", s)
		}
		n, err := parseAny(s[i+1 : i+j])
		if err != nil {
			return "", err
		}
		v, err := n.Eval(e)
		if err != nil {
			return "", err
		}
		if v.Vec {
			return "", fmt.Errorf("{%s} in %q is a vector", s[i+1:i+j], s)
		}
		b.WriteString(s[:i])
		b.WriteString(strconv.Itoa(int(math.Round(v.S))))
		s = s[i+j+1:]
	}
}

// CheckTemplate checks that every {expr} of a hook-name template parses
// with the variables vars.
func CheckTemplate(s string, names Names) error {
	for {
		i := strings.IndexByte(s, '{')
		if i < 0 {
			return nil
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			return fmt.Errorf("unclosed { in %q", s)
		}
		if _, err := Parse(s[i+1:i+j], names); err != nil {
			return err
		}
		s = s[i+j+1:]
	}
}

// parseAny parses an expression allowing any variable name, for templates
// that CheckTemplate has already checked.
func parseAny(src string) (Node, error) {
	p := &exprParser{src: src, anyVar: true}
	p.next()
	n, err := p.compare()
	if err != nil {
		return nil, err
	}
	if p.tok != tokEOF {
		return nil, fmt.Errorf("expression %q: unexpected %q at offset %d", src, p.lit, p.start)
	}
	return n, nil
}
