package mathml

import (
	"strings"
	"sync"
)

// environment describes a \begin{…} … \end{…} block rendered as <mtable>.
type environment struct {
	open, close string // delimiters around the table ("" for none)
	align       string // column alignment: "l", "c", "r", or "rl" (pairs, as aligned)
	display     bool   // cells are set in display style
}

var environments = sync.OnceValue(func() map[string]environment {
	return map[string]environment{
		"matrix":   {align: "c"},
		"pmatrix":  {open: "(", close: ")", align: "c"},
		"bmatrix":  {open: "[", close: "]", align: "c"},
		"Bmatrix":  {open: "{", close: "}", align: "c"},
		"vmatrix":  {open: "|", close: "|", align: "c"},
		"Vmatrix":  {open: "‖", close: "‖", align: "c"},
		"cases":    {open: "{", align: "l"},
		"aligned":  {align: "rl", display: true},
		"align":    {align: "rl", display: true},
		"align*":   {align: "rl", display: true},
		"split":    {align: "rl", display: true},
		"gathered": {align: "c", display: true},
		"array":    {},
	}
})

// environment parses \begin{name} … \end{name}; t is the \begin token.
func (p *parser) environment(t token) (*node, error) {
	name, err := p.envName(t)
	if err != nil {
		return nil, err
	}
	env, ok := environments()[name]
	if !ok {
		return nil, errorf(t.pos, "unknown environment %s", name)
	}
	var columns string
	if name == "array" {
		if columns, err = p.arraySpec(t); err != nil {
			return nil, err
		}
	}

	saved := p.display
	p.display = env.display
	defer func() { p.display = saved }()
	var rows [][][]*node
	var cells [][]*node
	for {
		kids, err := p.parseRow(false)
		if err != nil {
			return nil, err
		}
		cells = append(cells, kids)
		sep := p.next()
		switch {
		case sep.is('&'):
			continue
		case sep.isCmd("\\"):
			p.skipRowSpacing()
			rows = append(rows, cells)
			cells = nil
			continue
		case sep.isCmd("end"):
			end, err := p.envName(sep)
			if err != nil {
				return nil, err
			}
			if end != name {
				return nil, errorf(sep.pos, `\end{%s} does not match \begin{%s}`, end, name)
			}
			// A trailing \\ leaves one empty cell, which TeX ignores.
			if !(len(cells) == 1 && len(cells[0]) == 0 && len(rows) > 0) {
				rows = append(rows, cells)
			}
			return p.table(env, columns, rows), nil
		case sep.kind == tokEOF:
			return nil, errorf(t.pos, `\begin{%s} without matching \end{%s}`, name, name)
		}
		return nil, p.unexpected(sep)
	}
}

// envName reads the {name} after \begin or \end.
func (p *parser) envName(cmd token) (string, error) {
	open := p.peek()
	if !open.is('{') {
		return "", errorf(cmd.pos, `missing {name} after \%s`, cmd.name)
	}
	i := open.end
	j := i
	for j < len(p.src) && (isASCIILetter(rune(p.src[j])) || p.src[j] == '*') {
		j++
	}
	if j == i || j >= len(p.src) || p.src[j] != '}' {
		return "", errorf(open.pos, `bad environment name after \%s`, cmd.name)
	}
	p.pos = j + 1
	return p.src[i:j], nil
}

// arraySpec reads the column specification of an array, such as {lcr};
// vertical rules are accepted and ignored.
func (p *parser) arraySpec(cmd token) (string, error) {
	open := p.peek()
	if !open.is('{') {
		return "", errorf(cmd.pos, "missing column specification for array")
	}
	var cols strings.Builder
	for i := open.end; i < len(p.src); i++ {
		switch c := p.src[i]; c {
		case 'l', 'c', 'r':
			cols.WriteByte(c)
		case '|', ' ':
		case '}':
			p.pos = i + 1
			return cols.String(), nil
		default:
			return "", errorf(i, "unsupported column specification %q in array", c)
		}
	}
	return "", errorf(open.pos, "unclosed array column specification")
}

// skipRowSpacing skips the optional [length] after \\, such as \\[4pt].
func (p *parser) skipRowSpacing() {
	t := p.peek()
	if !t.is('[') {
		return
	}
	i := skipSpace(p.src, t.end)
	if i < len(p.src) && p.src[i] == '-' {
		i++
	}
	start := i
	for i < len(p.src) && (isDigit(rune(p.src[i])) || p.src[i] == '.') {
		i++
	}
	if i == start {
		return
	}
	i = skipSpace(p.src, i)
	for _, unit := range []string{"pt", "em", "ex", "mm", "cm", "in", "mu", "bp", "pc"} {
		if strings.HasPrefix(p.src[i:], unit) {
			j := skipSpace(p.src, i+len(unit))
			if j < len(p.src) && p.src[j] == ']' {
				p.pos = j + 1
			}
			return
		}
	}
}

// table builds the <mtable> for the parsed rows, wrapped in its delimiters.
func (p *parser) table(env environment, columns string, rows [][][]*node) *node {
	t := elem("mtable")
	t.attrs = []attr{{"displaystyle", boolString(env.display)}}
	for _, cells := range rows {
		tr := elem("mtr")
		for j, kids := range cells {
			td := elem("mtd", kids...)
			td.attrs = cellAlign(columnAlign(env, columns, j), env.align == "rl")
			// Keep a leading relation infix, so "&= b" is spaced like "a = b".
			if env.align == "rl" && j%2 == 1 && len(kids) > 0 && kids[0].tag == "mo" {
				td.kids = append([]*node{elem("mi")}, kids...)
			}
			tr.kids = append(tr.kids, td)
		}
		t.kids = append(t.kids, tr)
	}
	if env.open == "" && env.close == "" {
		return t
	}
	return fenced(env.open, env.close, t)
}

// columnAlign returns "left", "right" or "" (centered) for column j.
func columnAlign(env environment, columns string, j int) string {
	spec := env.align
	if columns != "" {
		spec = columns
	}
	if spec == "" {
		return ""
	}
	var c byte
	if env.align == "rl" {
		c = spec[j%2]
	} else {
		c = spec[min(j, len(spec)-1)]
	}
	switch c {
	case 'l':
		return "left"
	case 'r':
		return "right"
	}
	return ""
}

// cellAlign returns the attributes that align a table cell. columnalign
// serves MathML 3 renderers such as Firefox; Chromium ignores it and
// aligns the cell content through CSS. In aligned environments the
// padding between a right and a left column is removed so that the two
// halves of "a &= b" meet.
func cellAlign(align string, pairs bool) []attr {
	switch align {
	case "left":
		style := "text-align: -webkit-left; justify-items: start"
		if pairs {
			style += "; padding-left: 0"
		}
		return []attr{{"columnalign", "left"}, {"style", style}}
	case "right":
		style := "text-align: -webkit-right; justify-items: end"
		if pairs {
			style += "; padding-right: 0"
		}
		return []attr{{"columnalign", "right"}, {"style", style}}
	}
	return nil
}
