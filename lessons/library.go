package lessons

import (
	"embed"
	"errors"
	"fmt"
	"github.com/yuin/goldmark/ast"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/transformer-explorer/explorer/trace"
)

//go:embed content
var content embed.FS

// Langs are the languages every lesson is written in.
var langs = []string{"en", "zh"}

// Langs returns the language codes of the lessons: "en" and "zh"
// (Simplified Chinese).
func Langs() []string { return append([]string(nil), langs...) }

// stepKinds are the kinds of step (trace.StepKinds), in forward order,
// as the lesson files spell them.
var stepKinds = func() []string {
	var out []string
	for _, k := range trace.StepKinds() {
		out = append(out, string(k))
	}
	return out
}()

func validKind(k string) bool { return trace.StepKind(k).Valid() }

// blockKind reports whether a step kind happens inside every block.
func blockKind(k string) bool { return trace.StepKind(k).InBlock() }

// StepID returns the trace step ID of a kind in a layer: "L3.scores" for
// a step inside the blocks, the kind itself ("embed") outside them
// (trace.StepID).
func StepID(kind string, layer int) string { return trace.StepID(trace.StepKind(kind), layer) }

// ParseStepID splits a trace step ID into its kind and layer (-1 outside
// the blocks). It reports false for an ID of no known kind
// (trace.ParseStepID).
func ParseStepID(id string) (kind string, layer int, ok bool) {
	k, l, ok := trace.ParseStepID(id)
	return string(k), l, ok
}

// A Lesson is one concept, in one language.
type Lesson struct {
	ID      string // the same in every language, e.g. "self-attention"
	Lang    string
	Title   string
	Summary string // one sentence: what the lesson is for
	Order   int
	// Steps are the kinds of trace step the lesson explains; the first is
	// the target of its "jump to step" link.
	Steps []string
	// File is the lesson's path in the embedded content, for messages.
	File string
	// Exercises are the IDs of its worked exercises, in order.
	Exercises []string

	doc       ast.Node // the body's Markdown tree (markdown.go)
	src       []byte   // the body, which doc's text points into
	dirs      []*directive
	maths     []item // every formula, for tests
	exercises map[string]*directive
}

// StepID returns the ID of the step the lesson's jump link targets in the
// given layer.
func (l *Lesson) StepID(layer int) string { return StepID(l.Steps[0], layer) }

// A Library holds every lesson in every language. It is read-only after
// Load and safe for concurrent use.
type Library struct {
	byLang map[string][]*Lesson
	runs   runs // recorded runs the lessons quote
}

// Errors of the lessons package.
var (
	ErrNotFound = errors.New("lessons: no such lesson")
	ErrLang     = errors.New("lessons: unknown language")
)

// Load parses the lessons embedded in the package. An error names the
// lesson file and line of the problem.
func Load() (*Library, error) {
	sub, err := fs.Sub(content, "content")
	if err != nil {
		return nil, err
	}
	return LoadFS(sub)
}

// LoadFS parses lessons from fsys, which holds one directory per language
// ("en", "zh") of Markdown files. Every lesson must exist in every
// language, with the same steps, order and exercises.
func LoadFS(fsys fs.FS) (*Library, error) {
	lib := &Library{byLang: map[string][]*Lesson{}}
	for _, lang := range langs {
		files, err := fs.Glob(fsys, lang+"/*.md")
		if err != nil {
			return nil, err
		}
		seen := map[string]string{}
		for _, f := range files {
			src, err := fs.ReadFile(fsys, f)
			if err != nil {
				return nil, err
			}
			l, err := parseLesson(f, lang, string(src))
			if err != nil {
				return nil, err
			}
			if prev, dup := seen[l.ID]; dup {
				return nil, fmt.Errorf("%s: lesson id %q is also used by %s", f, l.ID, prev)
			}
			seen[l.ID] = f
			lib.byLang[lang] = append(lib.byLang[lang], l)
		}
		sort.Slice(lib.byLang[lang], func(i, j int) bool {
			a, b := lib.byLang[lang][i], lib.byLang[lang][j]
			if a.Order != b.Order {
				return a.Order < b.Order
			}
			return a.ID < b.ID
		})
	}
	if err := lib.checkLanguages(); err != nil {
		return nil, err
	}
	var err error
	if lib.runs, err = loadRuns(fsys); err != nil {
		return nil, err
	}
	if err := lib.checkRuns(); err != nil {
		return nil, err
	}
	return lib, nil
}

// checkLanguages requires every lesson in every language, matching the
// first language's steps, order and exercises.
func (lib *Library) checkLanguages() error {
	base := lib.byLang[langs[0]]
	if len(base) == 0 {
		return fmt.Errorf("lessons: no %s lessons found", langs[0])
	}
	for _, lang := range langs[1:] {
		other := map[string]*Lesson{}
		for _, l := range lib.byLang[lang] {
			other[l.ID] = l
		}
		for _, l := range base {
			o, ok := other[l.ID]
			if !ok {
				return fmt.Errorf("%s: lesson %q has no %s version (want %s/%s)", l.File, l.ID, lang, lang, path.Base(l.File))
			}
			switch {
			case strings.Join(o.Steps, " ") != strings.Join(l.Steps, " "):
				return fmt.Errorf("%s: steps %v differ from %s's %v", o.File, o.Steps, l.File, l.Steps)
			case o.Order != l.Order:
				return fmt.Errorf("%s: order %d differs from %s's %d", o.File, o.Order, l.File, l.Order)
			case strings.Join(o.Exercises, " ") != strings.Join(l.Exercises, " "):
				return fmt.Errorf("%s: exercises %v differ from %s's %v", o.File, o.Exercises, l.File, l.Exercises)
			}
			delete(other, l.ID)
		}
		for _, o := range other {
			return fmt.Errorf("%s: lesson %q has no %s version", o.File, o.ID, langs[0])
		}
	}
	return nil
}

// parseLesson reads the front matter and body of one lesson file.
func parseLesson(file, lang, src string) (*Lesson, error) {
	src = strings.ReplaceAll(src, "\r\n", "\n")
	rest, ok := strings.CutPrefix(src, "---\n")
	if !ok {
		return nil, &posError{file, 1, errors.New("a lesson starts with a --- front matter block")}
	}
	front, body, ok := strings.Cut(rest, "\n---\n")
	if !ok {
		return nil, &posError{file, 1, errors.New("front matter is never closed with ---")}
	}
	l := &Lesson{Lang: lang, File: file, exercises: map[string]*directive{}}
	for i, line := range strings.Split(front, "\n") {
		lineNo := i + 2
		if strings.TrimSpace(line) == "" {
			continue
		}
		key, val, ok := strings.Cut(line, ":")
		if !ok {
			return nil, &posError{file, lineNo, fmt.Errorf("want key: value, got %q", line)}
		}
		val = strings.TrimSpace(val)
		switch strings.TrimSpace(key) {
		case "id":
			l.ID = val
		case "title":
			l.Title = val
		case "summary":
			l.Summary = val
		case "order":
			n, err := strconv.Atoi(val)
			if err != nil {
				return nil, &posError{file, lineNo, fmt.Errorf("order: %q is not a number", val)}
			}
			l.Order = n
		case "steps":
			for _, k := range strings.Fields(strings.ReplaceAll(val, ",", " ")) {
				if !validKind(k) {
					return nil, &posError{file, lineNo, fmt.Errorf("step %q is not a step kind (known: %s)", k, strings.Join(stepKinds, " "))}
				}
				l.Steps = append(l.Steps, k)
			}
		default:
			return nil, &posError{file, lineNo, fmt.Errorf("unknown front matter key %q (known: id title summary order steps)", key)}
		}
	}
	switch {
	case l.ID == "":
		return nil, &posError{file, 1, errors.New("front matter has no id")}
	case l.Title == "":
		return nil, &posError{file, 1, errors.New("front matter has no title")}
	case len(l.Steps) == 0:
		return nil, &posError{file, 1, errors.New("front matter lists no steps")}
	}
	bodyLine := strings.Count(front, "\n") + 4
	doc, bodySrc, err := parseMarkdown(file, body, bodyLine)
	if err != nil {
		return nil, err
	}
	l.doc, l.src = doc, bodySrc
	ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *directiveNode:
			l.dirs = append(l.dirs, n.dir)
		case *directiveBlock:
			l.dirs = append(l.dirs, n.dir)
		case *mathNode:
			l.maths = append(l.maths, n.item)
			l.addParts(n.item.parts)
		case *mathBlock:
			l.maths = append(l.maths, n.item)
			l.addParts(n.item.parts)
		case *liveCodeNode:
			l.addParts(n.parts)
		}
		return ast.WalkContinue, nil
	})
	for _, d := range l.directives() {
		if d.name != "exercise" {
			continue
		}
		id := d.args["id"]
		if _, dup := l.exercises[id]; dup {
			return nil, &posError{file, d.line, fmt.Errorf("exercise id %q used twice", id)}
		}
		l.exercises[id] = d
		l.Exercises = append(l.Exercises, id)
	}
	return l, nil
}

// addParts records the directives of a formula or a live code block.
func (l *Lesson) addParts(parts []item) {
	for _, p := range parts {
		if p.kind == itemDirective {
			l.dirs = append(l.dirs, p.dir)
		}
	}
}

// directives returns every directive of the lesson, including those in
// math and live code, in the order of the file.
func (l *Lesson) directives() []*directive { return l.dirs }

// List returns the lessons of a language in teaching order.
func (lib *Library) List(lang string) ([]*Lesson, error) {
	ls, ok := lib.byLang[lang]
	if !ok {
		return nil, fmt.Errorf("%w %q (have %s)", ErrLang, lang, strings.Join(langs, ", "))
	}
	return append([]*Lesson(nil), ls...), nil
}

// Get returns one lesson.
func (lib *Library) Get(id, lang string) (*Lesson, error) {
	ls, err := lib.List(lang)
	if err != nil {
		return nil, err
	}
	for _, l := range ls {
		if l.ID == id {
			return l, nil
		}
	}
	return nil, fmt.Errorf("%w: %q", ErrNotFound, id)
}

// ForStep returns the lessons that explain a trace step, given by its ID
// ("L3.scores", "embed") or by its kind ("scores"), in teaching order; the
// lesson whose jump link targets that kind comes first.
func (lib *Library) ForStep(stepID, lang string) ([]*Lesson, error) {
	ls, err := lib.List(lang)
	if err != nil {
		return nil, err
	}
	kind := stepID
	if k, _, ok := ParseStepID(stepID); ok {
		kind = k
	}
	var first, rest []*Lesson
	for _, l := range ls {
		switch {
		case l.Steps[0] == kind:
			first = append(first, l)
		case contains(l.Steps, kind):
			rest = append(rest, l)
		}
	}
	return append(first, rest...), nil
}
