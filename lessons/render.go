package lessons

import (
	"bytes"
	"errors"
	"fmt"
	"html"
	"html/template"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"

	"github.com/transformer-explorer/explorer/lessons/mathml"
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
			e.key = argmax(row.V[:e.query+1])
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
	blocks []string // HTML of placeholder i
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
	r := &renderer{env: e, lesson: l, lang: lang, static: ctx.Static, plot: ctx.Plot}
	body, err := r.body()
	if err != nil {
		return "", err
	}
	var b strings.Builder
	step := l.StepID(e.layer)
	fmt.Fprintf(&b, `<article class="lesson" lang="%s" id="lesson-%s" data-lesson="%s" data-step="%s">`,
		html.EscapeString(langTag(lang)), html.EscapeString(l.ID), html.EscapeString(l.ID), html.EscapeString(step))
	fmt.Fprintf(&b, "\n<h1>%s</h1>\n", html.EscapeString(l.Title))
	if l.Summary != "" {
		fmt.Fprintf(&b, "<p class=\"lesson-summary\">%s</p>\n", html.EscapeString(l.Summary))
	}
	b.WriteString(r.paramsLine())
	b.WriteString(body)
	fmt.Fprintf(&b, "<p class=\"lesson-jump\">%s</p>\n</article>\n",
		r.jumpLink(step, fmt.Sprintf(r.ui(jumpKey(ctx.Static)), r.kindName(l.Steps[0]))))
	return template.HTML(b.String()), nil
}

// jumpKey selects the words of the jump link: a link in the app, a
// reference on paper.
func jumpKey(static bool) string {
	if static {
		return "stepRef"
	}
	return "jump"
}

// langTag is the HTML lang attribute of a lesson language.
func langTag(lang string) string {
	if lang == "zh" {
		return "zh-Hans"
	}
	return lang
}

// paramsLine states which layer, head, query and key the numbers are from.
func (r *renderer) paramsLine() string {
	e := r.env
	toks := e.data.Tokens
	tok := func(i int) string {
		if i < len(toks) {
			return tokenHTML(toks[i])
		}
		return ""
	}
	return fmt.Sprintf("<p class=\"lesson-params\">%s</p>\n", fmt.Sprintf(r.ui("params"),
		html.EscapeString(e.data.Model.Name), e.layer, e.head, e.query, tok(e.query), e.key, tok(e.key)))
}

// placeholder returns the text that stands for blocks[i] in the Markdown.
func placeholder(i int) string { return "lsnph" + strconv.Itoa(i) + "x" }

func (r *renderer) hold(s string) string {
	r.blocks = append(r.blocks, s)
	return placeholder(len(r.blocks) - 1)
}

func (r *renderer) wrap(it item, err error) error {
	if err == nil {
		return nil
	}
	if _, ok := err.(*posError); ok {
		return err
	}
	return &posError{r.lesson.File, it.line, err}
}

// body renders the items: directives and math become placeholders, the
// Markdown is converted, and the placeholders are replaced.
func (r *renderer) body() (string, error) {
	var md strings.Builder
	for _, it := range r.lesson.items {
		switch it.kind {
		case itemText, itemCode:
			md.WriteString(it.text)
		case itemDirective:
			spec := directives[it.dir.name]
			s, err := spec.html(r, it.dir)
			if errors.Is(err, errRange) {
				s, err = r.unavailable(spec.block), nil
			}
			if err != nil {
				return "", r.wrap(it, fmt.Errorf("{{%s}}: %w", it.dir.name, err))
			}
			md.WriteString(r.hold(s))
		case itemMath:
			s, err := r.math(it)
			if err != nil {
				return "", r.wrap(it, err)
			}
			md.WriteString(r.hold(s))
		}
	}
	var out bytes.Buffer
	gm := goldmark.New(goldmark.WithExtensions(extension.Table, extension.CJK, extension.Typographer))
	if err := gm.Convert([]byte(md.String()), &out); err != nil {
		return "", fmt.Errorf("%s: markdown: %w", r.lesson.File, err)
	}
	pairs := make([]string, 0, 4*len(r.blocks))
	for i, s := range r.blocks {
		pairs = append(pairs, "<p>"+placeholder(i)+"</p>", s)
	}
	for i, s := range r.blocks {
		pairs = append(pairs, placeholder(i), s)
	}
	return strings.NewReplacer(pairs...).Replace(out.String()), nil
}

// afterOperator matches TeX ending in a binary operator (possibly opening
// an \underbrace), after which a negative number needs parentheses.
var afterOperator = regexp.MustCompile(`(\+|-|\\cdot|\\times)\s*(\\underbrace\{\s*)?$`)

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
		if err == nil && strings.HasPrefix(s, "{-") && afterOperator.MatchString(tex.String()) {
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

// unavailable stands for a value the current prompt does not have.
func (r *renderer) unavailable(block bool) string {
	if block {
		return `<p class="lesson-na">` + r.ui("na") + `</p>`
	}
	return `<span class="lesson-na" title="` + r.ui("na") + `">—</span>`
}

// exercise HTML and checking.

func checkExercise(d *directive) error {
	if t, ok := d.args["tol"]; ok {
		if v, err := strconv.ParseFloat(strings.TrimSuffix(t, "%"), 64); err != nil || v < 0 {
			return fmt.Errorf("tol=%q: want a non-negative number", t)
		}
	}
	if o, ok := d.args["options"]; ok && o != "keys" && len(strings.Split(o, "|")) < 2 {
		return fmt.Errorf(`options=%q: want "keys" or at least two choices separated by |`, o)
	}
	return nil
}

// tolerance returns an exercise's stated tolerance: tol= (absolute, or
// relative when it ends in %), else 0 for a choice and 0.001 for a number.
func tolerance(d *directive) (tol float64, relative bool) {
	if t, ok := d.args["tol"]; ok {
		t, relative = strings.CutSuffix(t, "%")
		v, _ := strconv.ParseFloat(t, 64)
		if relative {
			v /= 100
		}
		return v, relative
	}
	if _, ok := d.args["options"]; ok {
		return 0, false
	}
	return 1e-3, false
}

// tolText states a tolerance for the reader: "0.001" or "1%".
func tolText(d *directive) string {
	tol, rel := tolerance(d)
	if rel {
		return strconv.FormatFloat(100*tol, 'g', -1, 64) + "%"
	}
	return strconv.FormatFloat(tol, 'g', -1, 64)
}

// options returns the choices of a multiple-choice exercise.
func (r *renderer) options(d *directive) []string {
	o, ok := d.args["options"]
	if !ok {
		return nil
	}
	if o == "keys" {
		var out []string
		for i := 0; i <= r.env.query && i < len(r.env.data.Tokens); i++ {
			out = append(out, fmt.Sprintf("%d %s", i, visible(r.env.data.Tokens[i])))
		}
		return out
	}
	return strings.Split(o, "|")
}

// answer evaluates an exercise's right answer.
func (r *renderer) answer(d *directive) (float64, error) {
	v, err := d.exprs["answer"].Eval(r.env)
	if err != nil {
		return 0, err
	}
	if v.Vec {
		return 0, fmt.Errorf("answer= is a vector, want a number")
	}
	return v.S, nil
}

// answerText formats the right answer for a reader.
func (r *renderer) answerText(d *directive, x float64) string {
	if opts := r.options(d); opts != nil {
		i := int(math.Round(x))
		if i >= 0 && i < len(opts) {
			return opts[i]
		}
	}
	tol, rel := tolerance(d)
	if rel {
		tol *= math.Abs(x)
	}
	if tol == 0 {
		if x == math.Round(x) {
			return groupThousands(int64(x))
		}
		return strconv.FormatFloat(x, 'g', -1, 64)
	}
	s, _ := formatNumber(x, decimalsFor(tol), false)
	return s
}

// decimalsFor picks a format showing enough decimals for a positive
// tolerance.
func decimalsFor(tol float64) string {
	n := int(math.Ceil(-math.Log10(tol))) + 1
	if n <= 0 {
		return "int"
	}
	return "." + strconv.Itoa(n) + "f"
}

func exerciseHTML(r *renderer, d *directive) (string, error) {
	x, err := r.answer(d)
	if err != nil {
		return "", err
	}
	id := html.EscapeString(d.args["id"])
	var b strings.Builder
	fmt.Fprintf(&b, `<form class="lesson-exercise" data-lesson="%s" data-exercise="%s" data-lang="%s">`,
		html.EscapeString(r.lesson.ID), id, r.lang)
	if opts := r.options(d); opts != nil {
		b.WriteString(`<fieldset>`)
		for i, o := range opts {
			fmt.Fprintf(&b, `<label><input type="radio" name="answer" value="%d"> %s</label>`, i, html.EscapeString(o))
		}
		b.WriteString(`</fieldset>`)
	} else {
		fmt.Fprintf(&b, `<label>%s <input name="answer" inputmode="decimal" autocomplete="off"></label> <span class="lesson-tol">%s</span>`,
			r.ui("yourAnswer"), html.EscapeString(r.tolNote(d)))
	}
	if !r.static {
		fmt.Fprintf(&b, ` <button type="submit">%s</button><output class="lesson-feedback"></output>`, r.ui("check"))
	}
	b.WriteString(`</form>`)
	if r.static {
		fmt.Fprintf(&b, `<details class="lesson-answer"><summary>%s</summary><p>%s</p></details>`,
			r.ui("showAnswer"), html.EscapeString(r.explain(d, x)))
	}
	return b.String(), nil
}

// tolNote tells the learner how close an answer must be.
func (r *renderer) tolNote(d *directive) string {
	if tol, _ := tolerance(d); tol == 0 {
		return r.ui("exact")
	}
	return fmt.Sprintf(r.ui("tol"), tolText(d))
}

// explain states the right answer and how to get it.
func (r *renderer) explain(d *directive, x float64) string {
	s := fmt.Sprintf(r.ui("answerIs"), r.answerText(d, x))
	if how := d.args["how"]; how != "" {
		s += " " + how
	}
	return s
}

// Check checks a learner's answer to an exercise against the trace of
// ctx. For a number the answer is accepted within the exercise's stated
// tolerance; for a choice the answer is the index of the option. The
// explanation, in the lesson's language, says whether it was right and
// what the trace gives. An answer that is not a number is not an error:
// ok is false and the explanation says so.
func (lib *Library) Check(id, exerciseID, lang, answer string, ctx Context) (ok bool, explanation string, err error) {
	l, err := lib.Get(id, lang)
	if err != nil {
		return false, "", err
	}
	d, found := l.exercises[exerciseID]
	if !found {
		return false, "", fmt.Errorf("%w: lesson %q has no exercise %q (have %s)", ErrNotFound, id, exerciseID, strings.Join(l.Exercises, ", "))
	}
	e, err := ctx.resolve()
	if err != nil {
		return false, "", err
	}
	r := &renderer{env: e, lesson: l, lang: lang}
	want, err := r.answer(d)
	if errors.Is(err, errRange) {
		return false, r.ui("na"), nil
	}
	if err != nil {
		return false, "", &posError{l.File, d.line, fmt.Errorf("{{exercise id=%s}}: %w", exerciseID, err)}
	}
	got, perr := parseAnswer(answer)
	if perr != nil {
		return false, r.ui("notNumber"), nil
	}
	tol, rel := tolerance(d)
	if rel {
		tol *= math.Abs(want)
	}
	// A relative slack of 1e-9 absorbs float rounding of exact answers.
	if math.Abs(got-want) <= tol+1e-9*math.Abs(want) {
		return true, r.ui("right") + " " + r.explain(d, want), nil
	}
	return false, r.ui("wrong") + " " + r.explain(d, want), nil
}

// parseAnswer reads a number as a learner may type it: with a Unicode
// minus, full-width digits, a decimal comma or surrounding spaces.
func parseAnswer(s string) (float64, error) {
	s = strings.Map(func(r rune) rune {
		switch {
		case r >= '０' && r <= '９':
			return '0' + (r - '０')
		case r == '−' || r == '－':
			return '-'
		case r == '．':
			return '.'
		case r == '，':
			return ','
		case r == ' ' || r == '\u3000':
			return -1
		}
		return r
	}, s)
	// Commas group thousands ("106,985"), except a single comma with no
	// point that is not followed by exactly three digits, or that follows
	// a lone 0, which is a decimal comma ("0,25", "1,5").
	if strings.Count(s, ",") == 1 && !strings.Contains(s, ".") {
		whole, frac, _ := strings.Cut(s, ",")
		if len(frac) != 3 || strings.TrimLeft(whole, "+-") == "0" {
			s = whole + "." + frac
		}
	}
	s = strings.ReplaceAll(s, ",", "")
	return strconv.ParseFloat(s, 64)
}
