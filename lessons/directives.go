package lessons

import (
	"fmt"
	"html/template"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/transformer-explorer/explorer/lessons/expr"
	"github.com/transformer-explorer/explorer/trace"
)

// dirSpec describes one directive: its expression and plain arguments,
// which are required, and how it renders.
type dirSpec struct {
	exprs      []string // arguments parsed as expressions
	args       []string // plain arguments
	required   []string // "$0" is the first bare argument
	positional int
	block      bool // renders a block element (table, form)
	check      func(d *directive) error
	html       func(r *renderer, d *directive) (string, error)
	tex        func(r *renderer, d *directive) (string, error) // nil: not allowed in math
}

var directives map[string]dirSpec

// mathDirectives are the directives allowed inside $…$.
var mathDirectives = map[string]bool{}

func init() {
	directives = map[string]dirSpec{
		"value":     {exprs: []string{"expr", "at"}, args: []string{"hook", "fmt", "name"}, check: checkValue, html: inSpan("num", (*renderer).scalarText), tex: inBraces((*renderer).scalarText)},
		"vector":    {exprs: []string{"expr", "at"}, args: []string{"hook", "fmt", "max", "name"}, check: checkValue, html: vectorHTML, tex: vectorTeX},
		"config":    {positional: 1, args: []string{"name"}, required: []string{"$0"}, check: checkConfig, html: configHTML, tex: configTeX},
		"token":     {exprs: []string{"pos", "id"}, check: checkToken, html: tokenDirHTML, tex: tokenTeX},
		"tokens":    {block: true, html: tokensHTML},
		"matrix":    {exprs: []string{"at"}, args: []string{"hook", "fmt", "rows", "cols", "max", "hidden"}, required: []string{"hook"}, block: true, check: checkMatrix, html: matrixHTML},
		"topk":      {exprs: []string{"pos", "n"}, block: true, html: topkHTML},
		"lens":      {exprs: []string{"pos"}, block: true, html: lensHTML},
		"losses":    {block: true, html: lossesHTML},
		"heads":     {block: true, html: headsHTML},
		"run":       {positional: 1, args: []string{"fmt"}, required: []string{"$0"}, check: checkFmt, html: inSpan("run", (*renderer).runText), tex: inBraces((*renderer).runText)},
		"positions": {args: []string{"max"}, block: true, html: positionsHTML},
		"plot":      {args: []string{"kind"}, required: []string{"kind"}, block: true, check: checkPlot, html: plotHTML},
		"step":      {exprs: []string{"layer", "head"}, args: []string{"kind", "text"}, check: checkStep, html: stepHTML},
		"prompt":    {args: []string{"text", "model"}, required: []string{"text"}, block: true, html: promptHTML},
		"exercise":  {exprs: []string{"answer"}, args: []string{"id", "tol", "options", "how"}, required: []string{"id", "answer"}, block: true, check: checkExercise, html: exerciseHTML},
	}
	for name, s := range directives {
		if s.tex != nil {
			mathDirectives[name] = true
		}
	}
}

func directiveNames() []string {
	var names []string
	for n := range directives {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// hookTemplates returns the hook-name templates a directive reads.
func (d *directive) hookTemplates() []string {
	var out []string
	if h, ok := d.args["hook"]; ok {
		out = append(out, h)
	}
	for _, n := range d.exprs {
		out = append(out, expr.Hooks(n)...)
	}
	for _, n := range d.at {
		out = append(out, expr.Hooks(n)...)
	}
	switch d.name {
	case "topk":
		out = append(out, "next.top_ids", "next.top_probs")
	case "lens":
		out = append(out, "lens.top_ids", "lens.top_probs")
	case "losses":
		out = append(out, "next.loss")
	case "heads":
		out = append(out, "blocks.{layer}.attn.hook_pattern")
	case "positions":
		out = append(out, "hook_pos_embed")
	}
	return out
}

func checkValue(d *directive) error {
	_, hasExpr := d.args["expr"]
	_, hasHook := d.args["hook"]
	if hasExpr == hasHook {
		return fmt.Errorf(`give exactly one of expr="…" or hook="…" (with at="i,j,…")`)
	}
	if _, ok := d.args["at"]; ok && !hasHook {
		return fmt.Errorf("at= goes with hook=")
	}
	return checkFmt(d)
}

func checkFmt(d *directive) error {
	if f, ok := d.args["fmt"]; ok {
		if _, err := formatNumber(1, f, false); err != nil {
			return err
		}
	}
	return nil
}

// eval computes a value or vector directive.
func (r *renderer) evalValue(d *directive) (expr.Value, error) {
	if n, ok := d.exprs["expr"]; ok {
		return n.Eval(r.env)
	}
	name, err := r.env.expand(d.args["hook"])
	if err != nil {
		return expr.Value{}, err
	}
	idx, err := r.indices(d)
	if err != nil {
		return expr.Value{}, err
	}
	return r.env.Tensor(name, idx)
}

// indices evaluates a directive's at= list.
func (r *renderer) indices(d *directive) ([]int, error) {
	var idx []int
	for _, a := range d.at {
		v, err := a.Eval(r.env)
		if err != nil {
			return nil, err
		}
		if v.Vec {
			return nil, fmt.Errorf("at=: an index is a vector")
		}
		idx = append(idx, int(math.Round(v.S)))
	}
	return idx, nil
}

func (r *renderer) scalarText(d *directive, tex bool) (string, error) {
	v, err := r.evalValue(d)
	if err != nil {
		return "", err
	}
	if v.Vec {
		return "", fmt.Errorf("the value is a vector of %d numbers; use {{vector}} or give every index", len(v.V))
	}
	return formatNumber(v.S, d.args["fmt"], tex)
}

// inSpan renders a directive in a page as the text that text gives
// (tex false), in a span of class.
func inSpan(class string, text func(r *renderer, d *directive, tex bool) (string, error)) func(*renderer, *directive) (string, error) {
	return func(r *renderer, d *directive) (string, error) {
		s, err := text(r, d, false)
		return span(class, s), err
	}
}

// inBraces renders a directive in math as the TeX that text gives (tex
// true), grouped in braces.
func inBraces(text func(r *renderer, d *directive, tex bool) (string, error)) func(*renderer, *directive) (string, error) {
	return func(r *renderer, d *directive) (string, error) {
		s, err := text(r, d, true)
		return "{" + s + "}", err
	}
}

// vectorParts formats at most max= (default 6) leading entries of a vector.
func (r *renderer) vectorParts(d *directive, tex bool) ([]string, bool, error) {
	v, err := r.evalValue(d)
	if err != nil {
		return nil, false, err
	}
	if !v.Vec {
		v = expr.Value{V: []float64{v.S}, Vec: true}
	}
	limit := 6
	if m, ok := d.args["max"]; ok {
		if limit, err = strconv.Atoi(m); err != nil || limit < 1 {
			return nil, false, fmt.Errorf("max=%q: want a positive integer", m)
		}
	}
	var parts []string
	for i, x := range v.V {
		if i == limit {
			return parts, true, nil
		}
		s, err := formatNumber(x, d.args["fmt"], tex)
		if err != nil {
			return nil, false, err
		}
		parts = append(parts, s)
	}
	return parts, false, nil
}

func vectorHTML(r *renderer, d *directive) (string, error) {
	parts, more, err := r.vectorParts(d, false)
	if more {
		parts = append(parts, "…")
	}
	return span("vec", "["+strings.Join(parts, ", ")+"]"), err
}

func vectorTeX(r *renderer, d *directive) (string, error) {
	parts, more, err := r.vectorParts(d, true)
	if more {
		parts = append(parts, `\cdots`)
	}
	return `\begin{bmatrix}` + strings.Join(parts, " & ") + `\end{bmatrix}`, err
}

// configNames are the names {{config NAME}} knows, each read from the
// loaded model's description.
var configNames = map[string]func(m trace.ModelInfo) (string, error){
	"name":    func(m trace.ModelInfo) (string, error) { return m.Name, nil },
	"n_layer": func(m trace.ModelInfo) (string, error) { return strconv.Itoa(m.NLayer), nil },
	"n_head":  func(m trace.ModelInfo) (string, error) { return strconv.Itoa(m.NHead), nil },
	"n_embd":  func(m trace.ModelInfo) (string, error) { return groupThousands(int64(m.NEmbd)), nil },
	"n_inner": func(m trace.ModelInfo) (string, error) { return groupThousands(int64(m.Inner())), nil },
	"n_ctx": func(m trace.ModelInfo) (string, error) {
		if m.NCtx <= 0 {
			return "", errUnknownSetting
		}
		return groupThousands(int64(m.NCtx)), nil
	},
	"vocab_size": func(m trace.ModelInfo) (string, error) { return groupThousands(int64(m.VocabSize)), nil },
	"d_head":     func(m trace.ModelInfo) (string, error) { return strconv.Itoa(m.HeadSize()), nil },
	"epsilon": func(m trace.ModelInfo) (string, error) {
		if m.Epsilon <= 0 {
			return "", errUnknownSetting
		}
		return strconv.FormatFloat(m.Epsilon, 'g', -1, 64), nil
	},
	"params": func(m trace.ModelInfo) (string, error) {
		n, err := params(m)
		if err != nil {
			return "", err
		}
		return groupThousands(int64(n)), nil
	},
}

func checkConfig(d *directive) error {
	if _, ok := configNames[d.pos[0]]; !ok {
		var names []string
		for n := range configNames {
			names = append(names, n)
		}
		sort.Strings(names)
		return fmt.Errorf("unknown config %q (known: %s)", d.pos[0], strings.Join(names, " "))
	}
	return nil
}

func configHTML(r *renderer, d *directive) (string, error) {
	s, err := configNames[d.pos[0]](r.env.data.Model)
	return span("num", s), err
}

func configTeX(r *renderer, d *directive) (string, error) {
	s, err := configNames[d.pos[0]](r.env.data.Model)
	switch {
	case err != nil:
		return "", err
	case d.pos[0] == "name":
		return `\text{` + texText(s) + `}`, nil
	case d.pos[0] == "epsilon":
		return formatNumber(r.env.data.Model.Epsilon, "", true)
	}
	return "{" + strings.ReplaceAll(s, ",", "{,}") + "}", nil
}

func checkToken(d *directive) error {
	_, p := d.args["pos"]
	_, i := d.args["id"]
	if p == i {
		return fmt.Errorf("give exactly one of pos= or id=")
	}
	return nil
}

// tokenText returns the display form of the token at pos= or with id=.
func (r *renderer) tokenText(d *directive) (string, error) {
	if n, ok := d.exprs["pos"]; ok {
		v, err := n.Eval(r.env)
		if err != nil {
			return "", err
		}
		p := int(math.Round(v.S))
		if p < 0 || p >= len(r.env.data.Tokens) {
			return "", fmt.Errorf("position %d outside the %d tokens: %w", p, len(r.env.data.Tokens), errRange)
		}
		return r.env.data.Tokens[p], nil
	}
	v, err := d.exprs["id"].Eval(r.env)
	if err != nil {
		return "", err
	}
	return r.label(int(math.Round(v.S))), nil
}

// label returns the display form of a token id.
func (r *renderer) label(id int) string {
	if s, ok := r.env.data.Labels[id]; ok {
		return s
	}
	for i, x := range r.env.data.IDs {
		if x == id && i < len(r.env.data.Tokens) {
			return r.env.data.Tokens[i]
		}
	}
	return "#" + strconv.Itoa(id)
}

func tokenDirHTML(r *renderer, d *directive) (string, error) {
	s, err := r.tokenText(d)
	return tokenHTML(s), err
}

func tokenTeX(r *renderer, d *directive) (string, error) {
	s, err := r.tokenText(d)
	return `\text{“` + texText(visible(s)) + `”}`, err
}

// posArg evaluates an optional position argument, defaulting to the query.
func (r *renderer) posArg(d *directive) (int, error) {
	n, ok := d.exprs["pos"]
	if !ok {
		return r.env.query, nil
	}
	v, err := n.Eval(r.env)
	return int(math.Round(v.S)), err
}

func checkStep(d *directive) error {
	if k, ok := d.args["kind"]; ok && !validKind(k) {
		return fmt.Errorf("kind=%q is not a step kind (known: %s)", k, strings.Join(stepKinds, " "))
	}
	return nil
}

func stepHTML(r *renderer, d *directive) (string, error) {
	kind := r.lesson.Steps[0]
	if k, ok := d.args["kind"]; ok {
		kind = k
	}
	layer, head := r.env.layer, -1
	for key, dst := range map[string]*int{"layer": &layer, "head": &head} {
		if n, ok := d.exprs[key]; ok {
			v, err := n.Eval(r.env)
			if err != nil {
				return "", err
			}
			*dst = int(math.Round(v.S))
		}
	}
	if layer < 0 || layer >= r.env.data.Model.NLayer {
		return "", fmt.Errorf("layer %d outside the model's %d layers", layer, r.env.data.Model.NLayer)
	}
	text := d.args["text"]
	if text == "" {
		text = r.kindNameIn(kind, layer)
	}
	return r.jumpLinkHead(StepID(kind, layer), text, head), nil
}

// jumpLink links to a step of the explorer; a static page, which has no
// explorer to jump to, names the step instead.
func (r *renderer) jumpLink(id, text string) string { return r.jumpLinkHead(id, text, -1) }

// jumpLinkHead is jumpLink to a step shown with one head (data-head), or
// with the page's current head when head < 0.
func (r *renderer) jumpLinkHead(id, text string, head int) string {
	v := jumpView{ID: id, Text: text, Static: r.static}
	if head >= 0 {
		v.Head = strconv.Itoa(head)
	}
	var b strings.Builder
	if err := jumpTemplate().Execute(&b, v); err != nil {
		panic(err) // the template and its data are fixed: a failure is a bug
	}
	return b.String()
}

type jumpView struct {
	ID, Text, Head string
	Static         bool
}

var jumpTemplate = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("jump").Parse(
		`{{if .Static}}<span class="lesson-step" data-step="{{.ID}}"{{if .Head}} data-head="{{.Head}}"{{end}}>{{.Text}} ({{.ID}}{{if .Head}}, head {{.Head}}{{end}})</span>` +
			`{{else}}<a class="lesson-step" href="#step={{.ID}}{{if .Head}}&amp;head={{.Head}}{{end}}" data-step="{{.ID}}"{{if .Head}} data-head="{{.Head}}"{{end}}>{{.Text}}</a>{{end}}`))
})

type promptView struct {
	Text, Fragment, Run string
	Needs               string // a note that the preset needs another model
}

var promptTemplate = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("prompt").Parse(
		`<div class="lesson-prompt" data-prompt="{{.Text}}">{{if .Needs}}<p class="lesson-needs">{{.Needs}}</p>{{end}}<pre>{{.Text}}</pre>` +
			`{{if .Run}}<a class="lesson-run" href="#prompt={{.Fragment}}" data-prompt="{{.Text}}">{{.Run}}</a>{{end}}</div>`))
})

// promptHTML shows a preset prompt with a link that runs it; model=NAME
// marks a preset meant for another model (e.g. gpt2), with the command
// that loads it.
func promptHTML(r *renderer, d *directive) (string, error) {
	v := promptView{Text: d.args["text"], Fragment: urlQueryEscape(d.args["text"])}
	if !r.static {
		v.Run = r.ui("runPrompt")
	}
	if m := d.args["model"]; m != "" {
		v.Needs = fmt.Sprintf(r.ui("needsModel"), m, m)
	}
	var b strings.Builder
	err := promptTemplate().Execute(&b, v)
	return b.String(), err
}

// urlQueryEscape percent-encodes s for a URL fragment.
func urlQueryEscape(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-_.~", c) >= 0 {
			b.WriteByte(c)
		} else {
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	return b.String()
}

// plotKinds are the plots a lesson may ask for: the kinds of the viz
// package (a test of cmd/explorer keeps the lists equal).
var plotKinds = []string{"attention", "heads", "model", "qkv", "scores", "logits", "lens", "loss"}

// PlotKinds returns the kinds of plot a lesson may ask Context.Plot for.
func PlotKinds() []string { return append([]string(nil), plotKinds...) }

func checkPlot(d *directive) error {
	if !contains(plotKinds, d.args["kind"]) {
		return fmt.Errorf("kind=%q is not a plot kind (known: %s)", d.args["kind"], strings.Join(plotKinds, " "))
	}
	return nil
}
