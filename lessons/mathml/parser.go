package mathml

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// parseRow parses atoms until a token that ends the row (see
// token.terminates), or "]" when bracket is set (the optional argument of
// \sqrt). The terminator is left unread for the caller to check.
func (p *parser) parseRow(bracket bool) ([]*node, error) {
	if err := p.enter(p.pos); err != nil {
		return nil, err
	}
	defer p.leave()
	var out []*node
	for {
		t := p.peek()
		if t.terminates() || bracket && t.is(']') {
			return finishRow(out), nil
		}
		if t.kind == tokCmd {
			if style, ok := styleCommands()[t.name]; ok {
				p.next()
				n, err := p.parseStyled(style, bracket)
				if err != nil {
					return nil, err
				}
				return finishRow(append(out, n)), nil
			}
		}
		var base *node
		if !(t.is('^') || t.is('_') || t.is('\'')) {
			var err error
			if base, err = p.parseAtom(false); err != nil {
				return nil, err
			}
		}
		n, err := p.parseScripts(base)
		if err != nil {
			return nil, err
		}
		if n != nil {
			out = append(out, n)
		}
	}
}

// mathStyle is the effect of \displaystyle and its relatives.
type mathStyle struct {
	display     bool
	scriptlevel string
}

var styleCommands = sync.OnceValue(func() map[string]mathStyle {
	return map[string]mathStyle{
		"displaystyle": {true, ""}, "textstyle": {false, ""},
		"scriptstyle": {false, "1"}, "scriptscriptstyle": {false, "2"},
	}
})

// parseStyled parses the rest of the current row in a new math style.
func (p *parser) parseStyled(s mathStyle, bracket bool) (*node, error) {
	saved := p.display
	p.display = s.display
	defer func() { p.display = saved }()
	kids, err := p.parseRow(bracket)
	if err != nil {
		return nil, err
	}
	n := elem("mstyle", kids...)
	n.attrs = []attr{{"displaystyle", boolString(s.display)}}
	if s.scriptlevel != "" {
		n.attrs = append(n.attrs, attr{"scriptlevel", s.scriptlevel})
	}
	return n, nil
}

func boolString(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// finishRow completes a parsed row. It puts U+2061 FUNCTION APPLICATION
// after function names, plus a thin space when an operand follows that is
// not fenced, as TeX spaces "\log x" but not "\log(x)"; a function name at
// the end of the row keeps its flag so that the enclosing group passes it
// on (\underset{i}{\operatorname{mean}} x). It also marks unary signs.
func finishRow(in []*node) []*node {
	out := make([]*node, 0, len(in))
	for i, n := range in {
		if isSign(n) && (len(out) == 0 || isOperator(lastNonSpace(out))) {
			c := *n
			c.attrs = []attr{{"form", "prefix"}}
			n = &c
		}
		out = append(out, n)
		if !n.fn || i+1 == len(in) {
			continue
		}
		out = append(out, leaf("mo", "\u2061"))
		if next := in[i+1]; next.tag != "mo" && next.tag != "mspace" && !next.fenced {
			out = append(out, space("0.1667em"))
		}
	}
	return out
}

// isSign reports whether n is a plain +, −, ± or ∓.
func isSign(n *node) bool {
	if n.tag != "mo" || len(n.attrs) > 0 {
		return false
	}
	switch n.text {
	case "+", "−", "±", "∓":
		return true
	}
	return false
}

// lastNonSpace returns the last node of row that is not an <mspace>, or
// nil: TeX ignores spacing when it classifies atoms.
func lastNonSpace(row []*node) *node {
	for i := len(row) - 1; i >= 0; i-- {
		if row[i].tag != "mspace" {
			return row[i]
		}
	}
	return nil
}

// isOperator reports whether a sign after n is unary, as TeX makes it
// after a relation, a binary operator, an opening delimiter, punctuation
// or a large operator (bare or with scripts). A sign starting a row is
// unary too; the browser would guess that from position only when the
// sign is the first child of its <mrow>, which is not the case after
// \left(, so the form is always written out.
func isOperator(n *node) bool {
	if n == nil {
		return true
	}
	for {
		switch n.tag {
		case "msub", "msup", "msubsup", "munder", "mover", "munderover":
			n = n.kids[0]
			continue
		case "mo":
			switch n.text {
			case ")", "]", "}", "⟩", "|", "‖", "⌋", "⌉", "!", "′", "″", "‴", "⁗", "…", "⋯", "⋮", "⋱":
				return false
			}
			return true
		}
		return false
	}
}

// parseAtom parses one atom: a character, a number, a brace group or a
// command with its arguments. Scripts are left to parseScripts. It
// returns nil for atoms that produce nothing, such as \big. When single
// is set (an unbraced argument) a number is one digit, as in TeX: x^12 is
// x² followed by 2, and \frac12 is ½.
func (p *parser) parseAtom(single bool) (*node, error) {
	t := p.next()
	switch t.kind {
	case tokEOF:
		return nil, errorf(t.pos, "unexpected end of input")
	case tokCmd:
		return p.command(t)
	}
	r := t.r
	switch {
	case r == '{':
		kids, err := p.parseRow(false)
		if err != nil {
			return nil, err
		}
		if err := p.expectClose(t); err != nil {
			return nil, err
		}
		return group(kids), nil
	case single && isDigit(r):
		return leaf("mn", styleString(p.font, string(r))), nil
	case isDigit(r) || r == '.' && p.pos < len(p.src) && isDigit(rune(p.src[p.pos])):
		return p.number(t.pos), nil
	case r == '~':
		return leaf("mtext", "\u00A0"), nil
	case r < utf8.RuneSelf:
		if isASCIILetter(r) {
			return p.letter(r), nil
		}
		if p.opName && (r == '-' || r == '*') {
			// amsmath sets - and * as text inside \operatorname{top-k}.
			n := leaf("mi", string(r))
			n.merge = true
			return n, nil
		}
		if s, ok := charSymbols()[r]; ok {
			return s.node(), nil
		}
		return nil, p.badChar(t)
	case unicode.IsLetter(r):
		return p.letter(r), nil
	case unicode.Is(unicode.Nd, r):
		return leaf("mn", string(r)), nil
	}
	return leaf("mo", string(r)), nil
}

// expectClose consumes the "}" that closes the group opened by open.
func (p *parser) expectClose(open token) error {
	t := p.peek()
	if t.is('}') {
		p.next()
		return nil
	}
	if t.kind == tokEOF {
		return errorf(open.pos, "unclosed {")
	}
	return p.unexpected(t)
}

// badChar explains why an ASCII character cannot be used in math mode.
func (p *parser) badChar(t token) *Error {
	switch t.r {
	case '%':
		return errorf(t.pos, `unescaped %% (write \%% for a percent sign)`)
	case '#', '$':
		return errorf(t.pos, `unescaped %c (write \%c)`, t.r, t.r)
	}
	return errorf(t.pos, "unexpected character %q", t.r)
}

// letter returns the <mi> for one letter in the current font.
func (p *parser) letter(r rune) *node {
	n := leaf("mi", string(styleRune(p.font, r)))
	switch p.font {
	case fontDefault:
		_, isGreek := greekIndex(r)
		n.upright = isGreek && unicode.IsUpper(r)
	case fontRoman:
		n.upright, n.merge = true, true
	default:
		n.merge = true
	}
	return n
}

// number reads a run of digits with at most one decimal point, starting at
// offset start (already consumed up to p.pos). A thousands separator
// written {,} before three digits, as in 50{,}257, stays inside the
// number: TeX sets a braced comma as an ordinary character, with no space
// after it.
func (p *parser) number(start int) *node {
	i, dot := start, false
	var text strings.Builder
	for i < len(p.src) {
		c := rune(p.src[i])
		if !dot && strings.HasPrefix(p.src[i:], "{,}") && threeDigits(p.src[i+3:]) {
			text.WriteByte(',')
			i += 3
			continue
		}
		if c == '.' && !dot && i+1 < len(p.src) && isDigit(rune(p.src[i+1])) {
			dot = true
		} else if !isDigit(c) {
			break
		}
		text.WriteByte(p.src[i])
		i++
	}
	p.pos = i
	return leaf("mn", styleString(p.font, text.String()))
}

// threeDigits reports whether s starts with exactly three digits.
func threeDigits(s string) bool {
	if len(s) < 3 || !isDigit(rune(s[0])) || !isDigit(rune(s[1])) || !isDigit(rune(s[2])) {
		return false
	}
	return len(s) == 3 || !isDigit(rune(s[3]))
}

// parseScripts attaches any following primes, subscript and superscript
// to base (which is nil for a script with nothing before it).
func (p *parser) parseScripts(base *node) (*node, error) {
	var sub, sup *node
	primes := 0
	limits := 0 // +1 after \limits, -1 after \nolimits
	for {
		t := p.peek()
		switch {
		case t.is('_') || t.is('^'):
			slot, kind := &sub, "subscript"
			if t.is('^') {
				slot, kind = &sup, "superscript"
			}
			if *slot != nil {
				return nil, errorf(t.pos, "double %s", kind)
			}
			p.next()
			n, err := p.parseScriptArg(t)
			if err != nil {
				return nil, err
			}
			*slot = n
		case t.is('\''):
			if primes > 0 || sup != nil {
				return nil, errorf(t.pos, "double superscript")
			}
			for p.peek().is('\'') {
				p.next()
				primes++
			}
		case t.isCmd("limits") || t.isCmd("nolimits"):
			if base == nil || !(base.limits || base.fn || base.tag == "mo") {
				return nil, errorf(t.pos, `\%s must follow an operator`, t.name)
			}
			p.next()
			limits = 1
			if t.name == "nolimits" {
				limits = -1
			}
		default:
			if primes > 0 {
				base = withPrimes(base, primes)
			}
			return attachScripts(base, sub, sup, limits, p.display), nil
		}
	}
}

// withPrimes appends primes to base: f” is f″. TeX raises primes as a
// superscript, but a prime character in an <msup> comes out tiny and too
// high in Chromium with the common math fonts, and U+2032 is already a
// raised glyph, so it follows the base instead (x'^2 is x′ squared).
func withPrimes(base *node, n int) *node {
	mark := leaf("mo", primeText(n))
	if base == nil {
		return mark
	}
	r := elem("mrow", base, mark)
	r.fn = base.fn
	return r
}

// primeText spells n primes with the single characters ′ ″ ‴ ⁗ where
// Unicode has them.
func primeText(n int) string {
	if n <= 4 {
		return []string{"′", "″", "‴", "⁗"}[n-1]
	}
	return strings.Repeat("′", n)
}

// parseScriptArg parses the argument of the script operator op in script
// (non-display) style.
func (p *parser) parseScriptArg(op token) (*node, error) {
	saved := p.display
	p.display = false
	defer func() { p.display = saved }()
	what := "subscript"
	if op.is('^') {
		what = "superscript"
	}
	kids, err := p.parseArg(op.pos, what)
	if err != nil {
		return nil, err
	}
	return row(kids), nil
}

// attachScripts builds msub/msup/msubsup, or munder/mover/munderover for
// operators that take limits in display style.
func attachScripts(base, sub, sup *node, limits int, display bool) *node {
	if sub == nil && sup == nil {
		return base
	}
	if base == nil {
		base = elem("mrow")
	}
	under := base.under || limits > 0 || limits == 0 && base.limits && display
	if limits > 0 && !display && base.tag == "mo" {
		c := *base
		c.attrs = append(append([]attr(nil), base.attrs...), attr{"movablelimits", "false"})
		base = &c
	}
	var n *node
	switch {
	case sub != nil && sup != nil:
		n = elem(pick(under, "munderover", "msubsup"), base, sub, sup)
	case sub != nil:
		n = elem(pick(under, "munder", "msub"), base, sub)
	default:
		n = elem(pick(under, "mover", "msup"), base, sup)
	}
	n.fn = base.fn
	return n
}

func pick(cond bool, a, b string) string {
	if cond {
		return a
	}
	return b
}

// parseArg parses a command argument: a brace group, or else a single
// atom as TeX does (\frac12, x^\top). at and what name the command for
// errors.
func (p *parser) parseArg(at int, what string) ([]*node, error) {
	t := p.peek()
	if t.is('{') {
		p.next()
		kids, err := p.parseRow(false)
		if err != nil {
			return nil, err
		}
		return kids, p.expectClose(t)
	}
	if t.terminates() || t.is('^') || t.is('_') || t.is('\'') {
		return nil, errorf(at, "missing %s", what)
	}
	if err := p.enter(t.pos); err != nil {
		return nil, err
	}
	defer p.leave()
	n, err := p.parseAtom(true)
	if err != nil || n == nil {
		return nil, err
	}
	return []*node{n}, nil
}
