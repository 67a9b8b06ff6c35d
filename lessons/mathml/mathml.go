package mathml

import (
	"fmt"
	"strings"
)

// maxDepth bounds the nesting of groups, arguments and environments so that
// adversarial input cannot exhaust the stack.
const maxDepth = 200

// Error reports where parsing failed. Offset is a byte offset into the
// LaTeX source; it equals the source length when the input ended early.
type Error struct {
	Offset int
	Msg    string
}

var _ error = (*Error)(nil)

// Error formats the error as "mathml: offset N: message".
func (e *Error) Error() string {
	return fmt.Sprintf("mathml: offset %d: %s", e.Offset, e.Msg)
}

func errorf(offset int, format string, args ...any) *Error {
	return &Error{Offset: offset, Msg: fmt.Sprintf(format, args...)}
}

// parser holds the state of one conversion. It is used by one goroutine.
type parser struct {
	src     string
	pos     int  // byte offset of the next unread character
	depth   int  // current nesting, bounded by maxDepth
	display bool // TeX display style: limits go under and over
	font    font // math alphabet for letters and digits
	lefts   int  // open \left groups, for \middle
	opName  bool // inside \operatorname: - and * are text
}

// Convert translates one LaTeX math expression to a MathML <math> element.
// display selects display="block" (TeX display style); otherwise the
// expression is inline. The result wraps the presentation markup in
// <semantics> together with the original TeX as an
// <annotation encoding="application/x-tex">. Any failure is an *Error.
func Convert(latex string, display bool) (string, error) {
	if err := validate(latex); err != nil {
		return "", err
	}
	p := &parser{src: latex, display: display}
	kids, err := p.parseRow(false)
	if err != nil {
		return "", err
	}
	if t := p.peek(); t.kind != tokEOF {
		return "", p.unexpected(t)
	}

	var b strings.Builder
	b.Grow(len(latex)*8 + 160)
	b.WriteString(`<math xmlns="http://www.w3.org/1998/Math/MathML"`)
	if display {
		b.WriteString(` display="block"`)
	}
	b.WriteString("><semantics>")
	elem("mrow", kids...).write(&b)
	b.WriteString(`<annotation encoding="application/x-tex">`)
	escape(&b, latex)
	b.WriteString("</annotation></semantics></math>")
	return b.String(), nil
}

// peek returns the next token without consuming it.
func (p *parser) peek() token { return scan(p.src, p.pos) }

// next consumes and returns the next token.
func (p *parser) next() token {
	t := p.peek()
	p.pos = t.end
	return t
}

// enter records one more level of nesting; callers defer p.leave().
func (p *parser) enter(at int) error {
	p.depth++
	if p.depth > maxDepth+1 {
		return errorf(at, "nesting deeper than %d levels", maxDepth)
	}
	return nil
}

func (p *parser) leave() { p.depth-- }

// unexpected describes a token that cannot appear where it was found.
func (p *parser) unexpected(t token) *Error {
	switch {
	case t.kind == tokEOF:
		return errorf(t.pos, "unexpected end of input")
	case t.is('}'):
		return errorf(t.pos, "unmatched }")
	case t.is('&'):
		return errorf(t.pos, "& outside of a matrix or aligned environment")
	case t.is(']'):
		return errorf(t.pos, "unexpected ]")
	case t.isCmd("\\"):
		return errorf(t.pos, `\\ outside of a matrix or aligned environment`)
	case t.isCmd("end"):
		return errorf(t.pos, `\end without matching \begin`)
	case t.isCmd("right"):
		return errorf(t.pos, `\right without matching \left`)
	}
	return errorf(t.pos, "unexpected %s", t.key())
}
