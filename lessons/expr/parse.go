package expr

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// The syntax tree. Each node evaluates itself (eval.go).
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
	return (&exprParser{src: src, vars: names.Vars, funcs: names.Funcs}).whole()
}

// parseAny parses an expression allowing any variable name, for templates
// that CheckTemplate has already checked.
func parseAny(src string) (Node, error) {
	return (&exprParser{src: src, anyVar: true}).whole()
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

// whole parses all of p.src as one expression.
func (p *exprParser) whole() (Node, error) {
	p.next()
	n, err := p.compare()
	if err != nil {
		return nil, err
	}
	if p.tok != tokEOF {
		return nil, fmt.Errorf("expression %q: unexpected %q at offset %d", p.src, p.lit, p.start)
	}
	return n, nil
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
func (p *exprParser) expr() (Node, error) { return p.chain("+-", p.term) }

// term := unary (('*'|'/') unary)*
func (p *exprParser) term() (Node, error) { return p.chain("*/", p.unary) }

// chain parses operand (op operand)*, for the left-associative operators
// ops of one precedence.
func (p *exprParser) chain(ops string, operand func() (Node, error)) (Node, error) {
	l, err := operand()
	for err == nil && p.tok == tokOp && len(p.lit) == 1 && strings.Contains(ops, p.lit) {
		op := p.lit[0]
		p.next()
		var r Node
		if r, err = operand(); err == nil {
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
