package lessons

import (
	"bufio"
	"errors"
	"fmt"
	"html/template"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/transformer-explorer/explorer/lessons/expr"
	"github.com/transformer-explorer/explorer/lessons/i18n"
	"github.com/transformer-explorer/explorer/lessons/mathml"
	"github.com/transformer-explorer/explorer/trace"
)

// Context chooses what a lesson shows: the trace data, and the step's
// layer and head with a query and a key position. The zero Context is not
// useful: start from NewContext.
type Context struct {
	Data  *Data
	Layer int // block, 0 … n_layer−1
	Head  int // head, 0 … n_head−1
	// Query is the position whose computation the lesson follows; −1
	// selects the last token.
	Query int
	// Key is the key position for attention numbers; −1 selects the key
	// the query weights most in this layer and head.
	Key int
	// Static renders each exercise's answer under a <details> element
	// instead of a form, for handouts read without a server.
	Static bool
	// Plot, when set, returns the image source (a URL or a relative path)
	// of a plot for {{plot}}, or "" to leave that plot out; when Plot is
	// nil, lessons show no plots.
	Plot func(PlotRequest) (src string, err error)
}

// A PlotRequest asks for one plot of the current trace: a kind of the viz
// package and the layer, head and query position the lesson follows.
type PlotRequest struct {
	Kind  string
	Layer int
	Head  int
	Pos   int
}

// NewContext returns the default Context for data: layer 0, head 0, the
// last token as the query and its most-weighted key.
func NewContext(d *Data) Context {
	return Context{Data: d, Query: -1, Key: -1}
}

// resolve checks a Context and fills in its defaults.
func (c Context) resolve() (*env, error) {
	d := c.Data
	if d == nil || d.Tensor == nil || len(d.IDs) == 0 {
		return nil, ErrNoTrace
	}
	e := &env{data: d, layer: c.Layer, head: c.Head, query: c.Query, key: c.Key}
	T := len(d.IDs)
	switch {
	case c.Layer < 0 || c.Layer >= d.Model.NLayer:
		return nil, fmt.Errorf("lessons: layer %d outside [0, %d)", c.Layer, d.Model.NLayer)
	case c.Head < 0 || c.Head >= d.Model.NHead:
		return nil, fmt.Errorf("lessons: head %d outside [0, %d)", c.Head, d.Model.NHead)
	case c.Query >= T || c.Query < -1:
		return nil, fmt.Errorf("lessons: query position %d outside [0, %d)", c.Query, T)
	}
	if e.query < 0 {
		e.query = T - 1
	}
	switch {
	case c.Key > e.query || c.Key < -1:
		return nil, fmt.Errorf("lessons: key position %d outside [0, %d] (a query only sees keys up to itself)", c.Key, e.query)
	case c.Key < 0:
		e.key = e.query
		if row, err := e.Tensor("blocks."+strconv.Itoa(e.layer)+".attn.hook_pattern", []int{e.head, e.query}); err == nil {
			e.key = expr.Argmax(row.V[:e.query+1])
		}
	}
	return e, nil
}

// renderer renders one lesson with one resolved context.
type renderer struct {
	env    *env
	lesson *Lesson
	lang   string
	static bool
	plot   func(PlotRequest) (string, error)
	runs   runs // the library's recorded runs
}

// Render renders a lesson as an HTML <article> with the numbers of ctx's
// trace, its math as MathML, its exercises as forms (or answers, when
// ctx.Static) and a link to its step. An error in a directive names the
// lesson file and line.
func (lib *Library) Render(id, lang string, ctx Context) (template.HTML, error) {
	l, err := lib.Get(id, lang)
	if err != nil {
		return "", err
	}
	e, err := ctx.resolve()
	if err != nil {
		return "", err
	}
	r := &renderer{env: e, lesson: l, lang: lang, static: ctx.Static, plot: ctx.Plot, runs: lib.runs}
	body, err := r.body()
	if err != nil {
		return "", err
	}
	step := l.StepID(e.layer)
	return template.HTML(fragment("article", articleView{Lang: i18n.HTMLTag(lang), ID: l.ID, Step: step, Title: l.Title, Summary: l.Summary,
		Params: r.params(), Body: template.HTML(body),
		Jump: template.HTML(r.jumpLink(step, fmt.Sprintf(r.ui(jumpKey(ctx.Static)), r.kindName(l.Steps[0]))))})), nil
}

// jumpKey selects the words of the jump link: a link in the app, a
// reference on paper.
func jumpKey(static bool) string {
	if static {
		return "stepRef"
	}
	return "jump"
}

// params states which model, and as far as the lesson's steps have them
// which layer, head, query and key its numbers are from (the tokens shown
// as tokenHTML, the rest escaped): a lesson on an attention step names all
// four, one on another step inside the blocks the layer and position, one
// outside the blocks (embeddings, logits, sampling) only the position, so
// no line names a head its step does not have.
func (r *renderer) params() template.HTML {
	e := r.env
	toks := e.data.Tokens
	tok := func(i int) string {
		if i < len(toks) {
			return tokenHTML(toks[i])
		}
		return ""
	}
	model := template.HTMLEscapeString(e.data.Model.Name)
	sc := scopeHead // the handout's head speaks for every lesson
	if r.lesson != nil {
		sc = lessonScope(r.lesson.Steps)
	}
	var line string
	switch sc {
	case scopeHead:
		line = fmt.Sprintf(template.HTMLEscapeString(r.ui("params")), model, e.layer, e.head, e.query, tok(e.query), e.key, tok(e.key))
	case scopeLayer:
		line = fmt.Sprintf(template.HTMLEscapeString(r.ui("paramsLayer")), model, e.layer, e.query, tok(e.query))
	default:
		line = fmt.Sprintf(template.HTMLEscapeString(r.ui("paramsModel")), model, e.query, tok(e.query))
	}
	return template.HTML(line)
}

// A scope is how much of the layer · head · query · key selection a
// lesson's numbers depend on.
type scope int

const (
	scopeModel scope = iota // outside the blocks: a position
	scopeLayer              // inside a block, before or after attention: a layer and a position
	scopeHead               // attention: a layer, a head, a query and a key
)

// headKinds are the steps computed per attention head, and the output
// projection that joins the heads (the multi-head lesson compares heads).
var headKinds = map[trace.StepKind]bool{
	trace.StepQKV: true, trace.StepScores: true, trace.StepMask: true, trace.StepSoftmax: true,
	trace.StepWeightedSum: true, trace.StepAttnOut: true,
}

// lessonScope returns the widest scope of a lesson's step kinds.
func lessonScope(kinds []string) scope {
	sc := scopeModel
	for _, k := range kinds {
		switch kind := trace.StepKind(k); {
		case headKinds[kind]:
			return scopeHead
		case kind.InBlock():
			sc = scopeLayer
		}
	}
	return sc
}

// paramsLine is params as a paragraph, for the handout's head.
func (r *renderer) paramsLine() string {
	return `<p class="lesson-params">` + string(r.params()) + "</p>\n"
}

// body renders the lesson's Markdown tree; the node renderers of
// markdown.go call back into r for math, directives and live code.
func (r *renderer) body() (string, error) {
	var out strings.Builder
	w := &renderWriter{Writer: bufio.NewWriter(&out), r: r}
	if err := lessonMarkdown().Renderer().Render(w, r.lesson.src, r.lesson.doc); err != nil {
		return "", err
	}
	if err := w.Flush(); err != nil {
		return "", err
	}
	return out.String(), nil
}

// directive renders one directive outside math: a value the prompt does
// not have shows as unavailable; any other error names the file and line.
func (r *renderer) directive(d *directive) (string, error) {
	spec := directives[d.name]
	s, err := spec.html(r, d)
	if errors.Is(err, errRange) {
		return r.unavailable(spec.block, err), nil
	}
	if err != nil {
		return "", &posError{r.lesson.File, d.line, fmt.Errorf("{{%s}}: %w", d.name, err)}
	}
	return s, nil
}

// liveCode renders a live code block: its text with each directive
// replaced by its plain text, escaped, as goldmark renders a fenced block.
func (r *renderer) liveCode(n *liveCodeNode) (string, error) {
	var b strings.Builder
	for _, p := range n.parts {
		if p.kind == itemText {
			b.WriteString(p.text)
			continue
		}
		var s string
		var err error
		switch p.dir.name {
		case "config":
			s, err = configNames[p.dir.pos[0]](r.env.data.Model)
		case "run":
			s, err = r.runText(p.dir, false)
		default:
			s, err = r.scalarText(p.dir, false)
		}
		if err != nil {
			return "", &posError{r.lesson.File, p.line, fmt.Errorf("{{%s}}: %w", p.dir.name, err)}
		}
		b.WriteString(s)
	}
	return fragment("code", codeView{Lang: n.lang, Text: b.String()}), nil
}

// afterOperator matches TeX ending in a binary operator (possibly opening
// an \underbrace), after which a negative number needs parentheses.
var afterOperator = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(\+|-|\\cdot|\\times)\s*(\\underbrace\{\s*)?$`)
})

// math builds the TeX of a math item, with directives replaced by their
// values, and converts it to MathML.
func (r *renderer) math(it item) (string, error) {
	var tex strings.Builder
	for _, p := range it.parts {
		if p.kind == itemText {
			tex.WriteString(p.text)
			continue
		}
		s, err := directives[p.dir.name].tex(r, p.dir)
		if err == nil && strings.HasPrefix(s, "{-") && afterOperator().MatchString(tex.String()) {
			s = `\left(` + s + `\right)` // "+ (−1.29)", not "+ −1.29"
		}
		if errors.Is(err, errRange) {
			s, err = `\text{—}`, nil
		}
		if err != nil {
			return "", &posError{r.lesson.File, p.line, fmt.Errorf("{{%s}}: %w", p.dir.name, err)}
		}
		tex.WriteString(s)
	}
	out, err := mathml.Convert(strings.TrimSpace(tex.String()), it.display)
	if err != nil {
		return "", fmt.Errorf("math %q: %w", firstLine(strings.TrimSpace(tex.String())), err)
	}
	if it.display {
		return `<div class="lesson-math">` + out + `</div>`, nil
	}
	return out, nil
}

// unavailable stands for a value the current prompt does not have,
// saying why: it needs a repeated token, or more tokens.
func (r *renderer) unavailable(block bool, why error) string {
	msg := r.ui("na")
	switch {
	case errors.Is(why, errNoRepeat):
		msg = r.ui("naRepeat")
	case errors.Is(why, errUnknownSetting):
		msg = r.ui("naSetting")
	}
	if block {
		return fragment("na", msg)
	}
	return fragment("span", spanView{Class: "lesson-na", Title: msg, Text: "—"})
}
