package lessons

import (
	"fmt"
	"strings"

	"github.com/transformer-explorer/explorer/lessons/expr"
)

// A lesson body is parsed once, at Load, by goldmark with the lesson
// syntax (markdown.go). Math and live code keep their text and directives
// as items, which rendering fills in with the current trace.

type itemKind int

const (
	itemText itemKind = iota
	itemDirective
)

// item is a piece of math or live code: TeX or code text, or a directive.
type item struct {
	kind    itemKind
	text    string     // itemText
	dir     *directive // itemDirective
	display bool       // a whole formula: display math
	parts   []item     // a whole formula: its text and directives
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

// bodyParser reads directives at a line of a lesson file.
type bodyParser struct {
	file string
	line int
}

func (p *bodyParser) errorf(line int, format string, args ...any) error {
	return &posError{p.file, line, fmt.Errorf(format, args...)}
}

// liveInfo marks a fenced code block whose {{config}}, {{value}} and
// {{run}} directives are replaced by their plain text ("```python live"),
// so that code quotes the loaded model's name and settings.
const liveInfo = " live"

// codeDirectives are the directives allowed in a live code block.
var codeDirectives = map[string]bool{"config": true, "value": true, "run": true}

// parseLive splits the text of a live code block, whose first line is
// line of file, into text and directives.
func parseLive(file string, line int, body string) ([]item, error) {
	return parseParts(file, line, body, codeDirectives, "code (only config, value and run)")
}

// parseMath parses the TeX of $…$ or $$…$$, which starts at line of file,
// with the directives inside it.
func parseMath(file string, line int, tex string, display bool) (item, error) {
	parts, err := parseParts(file, line, tex, mathDirectives, "math")
	return item{display: display, parts: parts, line: line}, err
}

// parseParts splits s into text and the directives allowed there.
func parseParts(file string, line int, s string, allowed map[string]bool, where string) ([]item, error) {
	var parts []item
	for len(s) > 0 {
		i := strings.Index(s, "{{")
		if i < 0 {
			parts = append(parts, item{kind: itemText, text: s})
			break
		}
		if i > 0 {
			parts = append(parts, item{kind: itemText, text: s[:i]})
			line += strings.Count(s[:i], "\n")
		}
		p := &bodyParser{file: file, line: line}
		d, n, err := p.directiveAt(s[i:])
		if err != nil {
			return nil, err
		}
		if !allowed[d.name] {
			return nil, p.errorf(line, "directive {{%s}} cannot be used inside %s", d.name, where)
		}
		parts = append(parts, item{kind: itemDirective, dir: d, line: line})
		line += strings.Count(s[i:i+n], "\n")
		s = s[i+n:]
	}
	return parts, nil
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
