package lessons

import (
	"fmt"
	"strings"

	"github.com/transformer-explorer/explorer/lessons/expr"
)

// A lesson body is parsed once, at Load, into items: Markdown text, code
// that passes through untouched, directives and math. Rendering walks the
// items with the current trace.

type itemKind int

const (
	itemText itemKind = iota
	itemCode
	itemDirective
	itemMath
)

type item struct {
	kind    itemKind
	text    string     // itemText, itemCode; the TeX of itemMath is in parts
	dir     *directive // itemDirective
	display bool       // itemMath: $$…$$
	parts   []item     // itemMath: text and directives
	line    int
}

// directive is one {{name args}} with its position in the lesson file.
type directive struct {
	name  string
	pos   []string          // bare arguments, in order
	args  map[string]string // key=value arguments
	line  int
	file  string
	exprs map[string]expr.Node // parsed expression arguments
	at    []expr.Node          // the parsed at= index list
}

// posError is an error at a line of a lesson file.
type posError struct {
	file string
	line int
	err  error
}

func (e *posError) Error() string { return fmt.Sprintf("%s:%d: %v", e.file, e.line, e.err) }
func (e *posError) Unwrap() error { return e.err }

// parseBody splits a lesson body into items. firstLine is the file line
// of the body's first line.
func parseBody(file, body string, firstLine int) ([]item, error) {
	p := &bodyParser{file: file, src: body, line: firstLine}
	return p.parse()
}

type bodyParser struct {
	file  string
	src   string
	i     int
	line  int
	items []item
	text  strings.Builder
	tline int
}

func (p *bodyParser) flush() {
	if p.text.Len() > 0 {
		p.items = append(p.items, item{kind: itemText, text: p.text.String(), line: p.tline})
		p.text.Reset()
	}
}

func (p *bodyParser) emit(it item) {
	p.flush()
	p.items = append(p.items, it)
}

func (p *bodyParser) errorf(line int, format string, args ...any) error {
	return &posError{p.file, line, fmt.Errorf(format, args...)}
}

// advance moves past n bytes, counting lines.
func (p *bodyParser) advance(n int) string {
	s := p.src[p.i : p.i+n]
	p.line += strings.Count(s, "\n")
	p.i += n
	return s
}

func (p *bodyParser) atLineStart() bool { return p.i == 0 || p.src[p.i-1] == '\n' }

func (p *bodyParser) parse() ([]item, error) {
	for p.i < len(p.src) {
		rest := p.src[p.i:]
		switch {
		case p.atLineStart() && strings.HasPrefix(rest, "```"):
			// A fenced code block runs to the next line starting with ```.
			line := p.line
			end := strings.Index(rest[3:], "\n```")
			if end < 0 {
				return nil, p.errorf(line, "code block opened here is never closed")
			}
			n := 3 + end + 4
			if nl := strings.IndexByte(rest[n:], '\n'); nl >= 0 {
				n += nl + 1
			} else {
				n = len(rest)
			}
			it, err := p.code(p.advance(n), line)
			if err != nil {
				return nil, err
			}
			p.emit(it)
		case rest[0] == '`':
			end := strings.IndexByte(rest[1:], '`')
			if end < 0 {
				return nil, p.errorf(p.line, "unclosed ` code span")
			}
			p.emit(item{kind: itemCode, text: p.advance(end + 2), line: p.line})
		case strings.HasPrefix(rest, "{{"):
			line := p.line
			d, n, err := p.directiveAt(rest)
			if err != nil {
				return nil, err
			}
			p.advance(n)
			p.emit(item{kind: itemDirective, dir: d, line: line})
		case strings.HasPrefix(rest, `\$`):
			p.addText(p.advance(2))
		case rest[0] == '$':
			it, err := p.math(rest)
			if err != nil {
				return nil, err
			}
			p.emit(it)
		default:
			n := strings.IndexAny(rest, "`{$\\")
			if n == 0 {
				n = 1
			} else if n < 0 {
				n = len(rest)
			}
			p.addText(p.advance(n))
		}
	}
	p.flush()
	return p.items, nil
}

func (p *bodyParser) addText(s string) {
	if p.text.Len() == 0 {
		p.tline = p.line
	}
	p.text.WriteString(s)
}

// liveInfo marks a fenced code block whose {{config}} and {{value}}
// directives are replaced by their plain text ("```python live"), so that
// code quotes the loaded model's name and settings.
const liveInfo = " live"

// code returns the item of a fenced code block; a live block is split
// into its text and directives.
func (p *bodyParser) code(block string, line int) (item, error) {
	fence, body, _ := strings.Cut(block, "\n")
	info, live := strings.CutSuffix(strings.TrimRight(fence, " "), liveInfo)
	if !live {
		return item{kind: itemCode, text: block, line: line}, nil
	}
	it := item{kind: itemCode, line: line, parts: []item{{kind: itemText, text: info + "\n"}}}
	texLine := line + 1
	for len(body) > 0 {
		i := strings.Index(body, "{{")
		if i < 0 {
			it.parts = append(it.parts, item{kind: itemText, text: body})
			break
		}
		it.parts = append(it.parts, item{kind: itemText, text: body[:i]})
		texLine += strings.Count(body[:i], "\n")
		d, n, err := (&bodyParser{file: p.file, line: texLine}).directiveAt(body[i:])
		if err != nil {
			return item{}, err
		}
		if !codeDirectives[d.name] {
			return item{}, p.errorf(texLine, "directive {{%s}} cannot be used inside code (only config, value and run)", d.name)
		}
		it.parts = append(it.parts, item{kind: itemDirective, dir: d, line: texLine})
		body = body[i+n:]
	}
	return it, nil
}

// codeDirectives are the directives allowed in a live code block.
var codeDirectives = map[string]bool{"config": true, "value": true, "run": true}

// math parses $…$ or $$…$$ starting at rest, with directives inside.
func (p *bodyParser) math(rest string) (item, error) {
	line := p.line
	delim := "$"
	if strings.HasPrefix(rest, "$$") {
		delim = "$$"
	}
	end := strings.Index(rest[len(delim):], delim)
	if end < 0 {
		return item{}, p.errorf(line, "math opened with %s is never closed", delim)
	}
	tex := rest[len(delim) : len(delim)+end]
	if delim == "$" && strings.Contains(tex, "\n") {
		return item{}, p.errorf(line, "inline math $…$ must stay on one line (use $$…$$ for display math)")
	}
	it := item{kind: itemMath, display: delim == "$$", line: line}
	texLine := line
	for len(tex) > 0 {
		i := strings.Index(tex, "{{")
		if i < 0 {
			it.parts = append(it.parts, item{kind: itemText, text: tex})
			break
		}
		if i > 0 {
			it.parts = append(it.parts, item{kind: itemText, text: tex[:i]})
			texLine += strings.Count(tex[:i], "\n")
		}
		d, n, err := (&bodyParser{file: p.file, line: texLine}).directiveAt(tex[i:])
		if err != nil {
			return item{}, err
		}
		if !mathDirectives[d.name] {
			return item{}, p.errorf(texLine, "directive {{%s}} cannot be used inside math", d.name)
		}
		it.parts = append(it.parts, item{kind: itemDirective, dir: d, line: texLine})
		texLine += strings.Count(tex[i:i+n], "\n")
		tex = tex[i+n:]
	}
	p.advance(len(delim)*2 + end)
	return it, nil
}

// directiveAt parses the directive at the start of s ("{{name a=b …}}")
// and returns it with its length in bytes.
func (p *bodyParser) directiveAt(s string) (*directive, int, error) {
	line := p.line
	end := -1
	inQuote := false
	for i := 2; i+1 < len(s); i++ {
		switch {
		case s[i] == '\\' && inQuote:
			i++
		case s[i] == '"':
			inQuote = !inQuote
		case !inQuote && s[i] == '}' && s[i+1] == '}':
			end = i
		}
		if end >= 0 {
			break
		}
	}
	if end < 0 {
		return nil, 0, p.errorf(line, "directive %q is never closed with }}", firstLine(s))
	}
	d, err := parseDirective(s[2:end])
	if err != nil {
		return nil, 0, p.errorf(line, "%v", err)
	}
	d.line, d.file = line, p.file
	if err := d.check(); err != nil {
		return nil, 0, p.errorf(line, "{{%s}}: %v", d.name, err)
	}
	return d, end + 2, nil
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return s
}

// parseDirective splits "name key=value key=\"quoted value\" word".
func parseDirective(src string) (*directive, error) {
	d := &directive{args: map[string]string{}}
	s := strings.TrimSpace(src)
	for s != "" {
		var key, val string
		i := 0
		for i < len(s) && s[i] != ' ' && s[i] != '=' && s[i] != '"' && s[i] != '\n' {
			i++
		}
		key, s = s[:i], s[i:]
		hasValue := strings.HasPrefix(s, "=")
		if hasValue {
			s = s[1:]
		}
		if hasValue || strings.HasPrefix(s, `"`) {
			if strings.HasPrefix(s, `"`) {
				var b strings.Builder
				j := 1
				for ; j < len(s) && s[j] != '"'; j++ {
					if s[j] == '\\' && j+1 < len(s) {
						j++
						if s[j] == 'n' {
							b.WriteByte('\n')
							continue
						}
					}
					b.WriteByte(s[j])
				}
				if j >= len(s) {
					return nil, fmt.Errorf("unclosed quote in {{%s}}", src)
				}
				val, s = b.String(), s[j+1:]
			} else {
				j := strings.IndexAny(s, " \n")
				if j < 0 {
					j = len(s)
				}
				val, s = s[:j], s[j:]
			}
		}
		s = strings.TrimLeft(s, " \n")
		switch {
		case d.name == "" && !hasValue:
			d.name = key
		case d.name == "":
			return nil, fmt.Errorf("directive must start with its name: {{%s}}", src)
		case hasValue:
			if _, dup := d.args[key]; dup {
				return nil, fmt.Errorf("argument %q given twice", key)
			}
			d.args[key] = val
		case key != "":
			d.pos = append(d.pos, key)
		default:
			d.pos = append(d.pos, val)
		}
	}
	if d.name == "" {
		return nil, fmt.Errorf("empty directive {{}}")
	}
	return d, nil
}

// check validates a directive's arguments against its spec and parses its
// expressions, so that a bad lesson fails at Load.
func (d *directive) check() error {
	spec, ok := directives[d.name]
	if !ok {
		return fmt.Errorf("unknown directive (known: %s)", strings.Join(directiveNames(), ", "))
	}
	for k := range d.args {
		if !contains(spec.args, k) && !contains(spec.exprs, k) {
			return fmt.Errorf("unknown argument %q (allowed: %s)", k, strings.Join(append(append([]string{}, spec.exprs...), spec.args...), ", "))
		}
	}
	if len(d.pos) > spec.positional {
		return fmt.Errorf("unexpected argument %q", d.pos[spec.positional])
	}
	for _, k := range spec.required {
		if _, ok := d.args[k]; !ok && !(k == "$0" && len(d.pos) > 0) {
			if k == "$0" {
				return fmt.Errorf("missing its argument")
			}
			return fmt.Errorf("missing argument %s=", k)
		}
	}
	d.exprs = map[string]expr.Node{}
	for _, k := range spec.exprs {
		src, ok := d.args[k]
		if !ok {
			continue
		}
		if k == "at" {
			list, err := expr.ParseList(src, names())
			if err != nil {
				return fmt.Errorf("at=: %w", err)
			}
			d.at = list
			continue
		}
		n, err := expr.Parse(src, names())
		if err != nil {
			return fmt.Errorf("%s=: %w", k, err)
		}
		d.exprs[k] = n
	}
	if h, ok := d.args["hook"]; ok {
		if err := expr.CheckTemplate(h, names()); err != nil {
			return fmt.Errorf("hook=: %w", err)
		}
	}
	if spec.check != nil {
		return spec.check(d)
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
