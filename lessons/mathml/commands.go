package mathml

import (
	"strings"
	"unicode/utf8"
)

// command parses the command t (already consumed) and its arguments.
func (p *parser) command(t token) (*node, error) {
	name := t.name
	if name == "" {
		return nil, errorf(t.pos, "backslash at end of input")
	}
	if s, ok := commandSymbols()[name]; ok {
		if s.letter {
			return p.styledSymbol(s), nil
		}
		return s.node(), nil
	}
	if f, ok := functions()[name]; ok {
		n := leaf("mi", f.name)
		n.fn, n.limits = true, f.limits
		return n, nil
	}
	if o, ok := largeOps()[name]; ok {
		n := leaf("mo", o.text)
		n.limits = o.limits
		return n, nil
	}
	if w, ok := spaces()[name]; ok {
		return space(w), nil
	}
	if f, ok := fontCommands()[name]; ok {
		return p.fontGroup(t, f)
	}
	if f, ok := textCommands()[name]; ok {
		return p.text(t, f)
	}
	if a, ok := accents()[name]; ok {
		return p.accent(t, a)
	}
	if size, ok := bigSizes()[name]; ok {
		return p.big(t, size)
	}
	switch name {
	case "frac", "dfrac", "tfrac", "binom":
		return p.frac(t)
	case "sqrt":
		return p.sqrt(t)
	case "left":
		return p.left(t)
	case "middle":
		return p.middle(t)
	case "begin":
		return p.environment(t)
	case "operatorname":
		return p.operatorName(t)
	case "overbrace", "underbrace":
		return p.brace(t)
	case "overset", "underset", "stackrel":
		return p.overset(t)
	case "not":
		return p.not(t)
	case " ", "\n", "\t", "\r":
		return leaf("mtext", "\u00A0"), nil
	case "right", "end", "\\", "limits", "nolimits":
		return nil, p.unexpected(t)
	}
	if _, ok := styleCommands()[name]; ok {
		return nil, errorf(t.pos, `\%s cannot be used as an argument (put it inside braces)`, name)
	}
	return nil, errorf(t.pos, `unknown command \%s`, name)
}

// styledSymbol returns a Greek letter (or ∂, ∇) in the current font.
func (p *parser) styledSymbol(s sym) *node {
	n := s.node()
	if p.font == fontDefault {
		return n
	}
	r, _ := utf8.DecodeRuneInString(s.text)
	n.text = string(styleRune(p.font, r))
	n.merge = true
	if p.font == fontRoman {
		n.upright = true
	}
	return n
}

// arg parses one argument of the command t and returns it as a single node.
func (p *parser) arg(t token) (*node, error) {
	kids, err := p.parseArg(t.pos, `argument for \`+t.name)
	if err != nil {
		return nil, err
	}
	return group(kids), nil
}

// textArg parses an argument in text style (fractions, binomials, the
// script of \overset).
func (p *parser) textArg(t token) (*node, error) {
	saved := p.display
	p.display = false
	defer func() { p.display = saved }()
	return p.arg(t)
}

// frac handles \frac, \dfrac (display style), \tfrac (text style) and
// \binom{n}{k} (a fraction without a bar, in parentheses).
func (p *parser) frac(t token) (*node, error) {
	num, err := p.textArg(t)
	if err != nil {
		return nil, err
	}
	den, err := p.textArg(t)
	if err != nil {
		return nil, err
	}
	n := elem("mfrac", num, den)
	switch t.name {
	case "dfrac":
		n = styled(n, true)
	case "tfrac":
		n = styled(n, false)
	case "binom":
		n.attrs = []attr{{"linethickness", "0"}}
		n = fenced("(", ")", n)
	}
	return n, nil
}

// styled wraps n in an <mstyle> that sets display style on or off.
func styled(n *node, display bool) *node {
	s := elem("mstyle", n)
	s.attrs = []attr{{"displaystyle", boolString(display)}}
	return s
}

// fenced returns an <mrow> of inner between stretchy delimiters; an empty
// delimiter is left out.
func fenced(open, close string, inner ...*node) *node {
	var kids []*node
	if open != "" {
		kids = append(kids, leaf("mo", open, attr{"form", "prefix"}, attr{"stretchy", "true"}))
	}
	kids = append(kids, inner...)
	if close != "" {
		kids = append(kids, leaf("mo", close, attr{"form", "postfix"}, attr{"stretchy", "true"}))
	}
	n := elem("mrow", kids...)
	n.fenced = true
	return n
}

// sqrt handles \sqrt{x} and \sqrt[n]{x}.
func (p *parser) sqrt(t token) (*node, error) {
	var index *node
	if open := p.peek(); open.is('[') {
		p.next()
		saved := p.display
		p.display = false
		kids, err := p.parseRow(true)
		p.display = saved
		if err != nil {
			return nil, err
		}
		if c := p.peek(); !c.is(']') {
			if c.kind == tokEOF {
				return nil, errorf(open.pos, `unclosed [ after \sqrt`)
			}
			return nil, p.unexpected(c)
		}
		p.next()
		index = row(kids)
	}
	kids, err := p.parseArg(t.pos, `argument for \sqrt`)
	if err != nil {
		return nil, err
	}
	if index != nil {
		return elem("mroot", row(kids), index), nil
	}
	return elem("msqrt", kids...), nil
}

// delimiter reads the delimiter after \left, \right, \middle or \big and
// returns its character ("" for ".").
func (p *parser) delimiter(cmd token) (string, error) {
	t := p.peek()
	if t.kind != tokEOF {
		if d, ok := delimiters()[t.key()]; ok {
			p.next()
			return d, nil
		}
	}
	return "", errorf(t.pos, `missing or unknown delimiter after \%s`, cmd.name)
}

// left handles \left⟨d⟩ … \right⟨d⟩.
func (p *parser) left(t token) (*node, error) {
	open, err := p.delimiter(t)
	if err != nil {
		return nil, err
	}
	p.lefts++
	kids, err := p.parseRow(false)
	p.lefts--
	if err != nil {
		return nil, err
	}
	r := p.peek()
	if !r.isCmd("right") {
		if r.kind == tokEOF {
			return nil, errorf(t.pos, `\left without matching \right`)
		}
		return nil, p.unexpected(r)
	}
	p.next()
	close, err := p.delimiter(r)
	if err != nil {
		return nil, err
	}
	return fenced(open, close, kids...), nil
}

// middle handles \middle⟨d⟩ inside \left … \right.
func (p *parser) middle(t token) (*node, error) {
	if p.lefts == 0 {
		return nil, errorf(t.pos, `\middle outside of \left … \right`)
	}
	d, err := p.delimiter(t)
	if err != nil || d == "" {
		return nil, err
	}
	return leaf("mo", d, attr{"stretchy", "true"}), nil
}

// big handles \big( and its relatives: a delimiter of fixed height.
func (p *parser) big(t token, size string) (*node, error) {
	d, err := p.delimiter(t)
	if err != nil || d == "" {
		return nil, err
	}
	return leaf("mo", d, attr{"minsize", size}, attr{"maxsize", size}, attr{"stretchy", "true"}), nil
}

// fontGroup handles \mathbf{…} and the other math alphabets. Adjacent
// letters merge into one <mi>, so \mathrm{softmax} is one identifier.
func (p *parser) fontGroup(t token, f font) (*node, error) {
	saved := p.font
	p.font = f
	kids, err := p.parseArg(t.pos, `argument for \`+t.name)
	p.font = saved
	if err != nil {
		return nil, err
	}
	return group(mergeLetters(kids)), nil
}

// mergeLetters joins runs of adjacent letters set in an explicit font.
func mergeLetters(kids []*node) []*node {
	var out []*node
	for _, k := range kids {
		if last := len(out) - 1; last >= 0 && k.merge && out[last].merge {
			joined := *out[last]
			joined.text += k.text
			out[last] = &joined
			continue
		}
		out = append(out, k)
	}
	return out
}

// operatorName handles \operatorname{name} and \operatorname*{name} (with
// limits): an upright function name followed by function application.
func (p *parser) operatorName(t token) (*node, error) {
	star := false
	if s := p.peek(); s.is('*') {
		p.next()
		star = true
	}
	saved := p.opName
	p.opName = true
	n, err := p.fontGroup(t, fontRoman)
	p.opName = saved
	if err != nil {
		return nil, err
	}
	n.fn, n.limits = true, star
	return n, nil
}

// accent handles \hat, \overline and the other marks over or under a base.
func (p *parser) accent(t token, a accent) (*node, error) {
	base, err := p.arg(t)
	if err != nil {
		return nil, err
	}
	mark := leaf("mo", a.mark, attr{"stretchy", boolString(a.stretch)})
	tag, flag := "mover", "accent"
	if a.under {
		tag, flag = "munder", "accentunder"
	}
	n := elem(tag, base, mark)
	if a.isMark {
		n.attrs = []attr{{flag, "true"}}
	}
	return n, nil
}

// brace handles \overbrace and \underbrace, whose scripts always go over
// or under the brace.
func (p *parser) brace(t token) (*node, error) {
	base, err := p.arg(t)
	if err != nil {
		return nil, err
	}
	var n *node
	if t.name == "overbrace" {
		n = elem("mover", base, leaf("mo", "⏞", attr{"stretchy", "true"}))
	} else {
		n = elem("munder", base, leaf("mo", "⏟", attr{"stretchy", "true"}))
	}
	n.under = true
	return n, nil
}

// overset handles \overset{top}{base}, \stackrel (the same) and
// \underset{bottom}{base}.
func (p *parser) overset(t token) (*node, error) {
	script, err := p.textArg(t)
	if err != nil {
		return nil, err
	}
	base, err := p.arg(t)
	if err != nil {
		return nil, err
	}
	n := elem("mover", base, script)
	if t.name == "underset" {
		n.tag = "munder"
	}
	n.fn = base.fn
	return n, nil
}

// not handles \not followed by a relation: \not= is ≠, \not\in is ∉.
func (p *parser) not(t token) (*node, error) {
	next := p.peek()
	if next.kind == tokEOF {
		return nil, errorf(t.pos, `\not must be followed by a relation`)
	}
	if neg, ok := negations()[next.key()]; ok {
		p.next()
		return leaf("mo", neg), nil
	}
	var s sym
	var ok bool
	if next.kind == tokCmd {
		s, ok = commandSymbols()[next.name]
	} else {
		s, ok = charSymbols()[next.r]
	}
	if !ok || s.tag != "mo" {
		return nil, errorf(next.pos, `\not must be followed by a relation`)
	}
	p.next()
	n := s.node()
	n.text += "\u0338"
	return n, nil
}

// text handles \text{…} and the other text-mode commands: the argument is
// read as text, keeping its spaces (leading and trailing ones become
// no-break spaces so that renderers keep them).
func (p *parser) text(t token, f font) (*node, error) {
	open := p.peek()
	if !open.is('{') {
		if open.terminates() || open.kind != tokChar {
			return nil, errorf(t.pos, `missing argument for \%s`, t.name)
		}
		p.next()
		return leaf("mtext", styleString(f, string(open.r))), nil
	}
	p.pos = open.end
	var b strings.Builder
	depth := 1
	for p.pos < len(p.src) {
		r, size := utf8.DecodeRuneInString(p.src[p.pos:])
		at := p.pos
		p.pos += size
		switch r {
		case '{':
			depth++
			continue
		case '}':
			depth--
			if depth == 0 {
				return leaf("mtext", styleString(f, textSpaces(b.String()))), nil
			}
			continue
		case '\\':
			if p.pos >= len(p.src) {
				return nil, errorf(at, "backslash at end of input")
			}
			c, csize := utf8.DecodeRuneInString(p.src[p.pos:])
			switch {
			case strings.ContainsRune("{}%_&$#", c):
				b.WriteRune(c)
			case c == ' ' || c == ',' || c == ';':
				b.WriteByte(' ')
			default:
				return nil, errorf(at, `unsupported command in \%s (only \{ \} \%% \_ \& \$ \# and \ are allowed)`, t.name)
			}
			p.pos += csize
			continue
		case '~':
			b.WriteRune('\u00A0')
			continue
		case '$':
			return nil, errorf(at, `math inside \%s is not supported`, t.name)
		case '%', '#', '&', '_', '^':
			return nil, errorf(at, `unescaped %c in \%s`, r, t.name)
		}
		b.WriteRune(r)
	}
	return nil, errorf(open.pos, `unclosed { after \%s`, t.name)
}

// textSpaces collapses runs of white space to one space, as TeX does, and
// turns a leading or trailing space into a no-break space.
func textSpaces(s string) string {
	var b strings.Builder
	pending := false
	for _, r := range s {
		if r == ' ' || r == '\t' || r == '\n' || r == '\r' {
			pending = true
			continue
		}
		if pending {
			if b.Len() == 0 {
				b.WriteRune('\u00A0')
			} else {
				b.WriteByte(' ')
			}
			pending = false
		}
		b.WriteRune(r)
	}
	if pending {
		b.WriteRune('\u00A0')
	}
	return b.String()
}
