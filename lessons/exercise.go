package lessons

import (
	"errors"
	"fmt"
	"html/template"
	"math"
	"strconv"
	"strings"
	"sync"

	"github.com/transformer-explorer/explorer/lessons/expr"
)

// An exercise is {{exercise id=ID answer=E tol=T options=… how="…"}}: the
// answer is an expression over the trace, the tolerance an expression too
// (absolute, or relative when it ends in %), so that it can follow the
// precision of the numbers the page shows (tol="0.0005*T + 0.002").

func checkExercise(d *directive) error {
	if t, ok := d.args["tol"]; ok {
		n, err := expr.Parse(strings.TrimSuffix(t, "%"), names())
		if err != nil {
			return fmt.Errorf("tol=%q: %w", t, err)
		}
		d.exprs["tol"] = n
	}
	if o, ok := d.args["options"]; ok && o != "keys" && len(strings.Split(o, "|")) < 2 {
		return fmt.Errorf(`options=%q: want "keys" or at least two choices separated by |`, o)
	}
	return nil
}

// tolerance returns an exercise's stated tolerance: tol= (absolute, or
// relative when it ends in %), else 0 for a choice and 0.001 for a number.
// In tol=, the variable ans is the right answer.
func (r *renderer) tolerance(d *directive) (tol float64, relative bool, err error) {
	if n, ok := d.exprs["tol"]; ok {
		ans, err := r.answer(d)
		if err != nil {
			return 0, false, err
		}
		r.env.ans = &ans
		v, err := n.Eval(r.env)
		r.env.ans = nil
		if err != nil {
			return 0, false, fmt.Errorf("tol=: %w", err)
		}
		if v.Vec || !(v.S >= 0) || math.IsInf(v.S, 1) {
			return 0, false, fmt.Errorf("tol=%q is %v: want a finite number ≥ 0", d.args["tol"], v)
		}
		if strings.HasSuffix(d.args["tol"], "%") {
			return v.S / 100, true, nil
		}
		return v.S, false, nil
	}
	if _, ok := d.args["options"]; ok {
		return 0, false, nil
	}
	return 1e-3, false, nil
}

// tolText states a tolerance for the reader: "0.001" or "1%".
func tolText(tol float64, rel bool) string {
	if rel {
		return strconv.FormatFloat(100*tol, 'g', 3, 64) + "%"
	}
	return strconv.FormatFloat(tol, 'g', 3, 64)
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

// answerText formats the right answer for a reader, with the decimals its
// tolerance calls for.
func (r *renderer) answerText(d *directive, x float64) (string, error) {
	if opts := r.options(d); opts != nil {
		i := int(math.Round(x))
		if i >= 0 && i < len(opts) {
			return opts[i], nil
		}
	}
	tol, rel, err := r.tolerance(d)
	if err != nil {
		return "", err
	}
	if rel {
		tol *= math.Abs(x)
	}
	if tol == 0 {
		if x == math.Round(x) {
			return groupThousands(int64(x)), nil
		}
		return strconv.FormatFloat(x, 'g', -1, 64), nil
	}
	return formatNumber(x, decimalsFor(tol), false)
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

// exerciseView is what the exercise template shows.
type exerciseView struct {
	Lesson, ID, Lang string
	Options          []string
	YourAnswer, Tol  string
	Check            string // the button's label; "" on a static page
	ShowAnswer       string
	Answer           string // the explanation, on a static page
}

var exerciseTemplate = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("exercise").Parse(
		`<form class="lesson-exercise" data-lesson="{{.Lesson}}" data-exercise="{{.ID}}" data-lang="{{.Lang}}">` +
			`{{if .Options}}<fieldset>{{range $i, $o := .Options}}<label><input type="radio" name="answer" value="{{$i}}"> {{$o}}</label>{{end}}</fieldset>` +
			`{{else}}<label>{{.YourAnswer}} <input name="answer" inputmode="decimal" autocomplete="off"></label> <span class="lesson-tol">{{.Tol}}</span>{{end}}` +
			`{{if .Check}} <button type="submit">{{.Check}}</button><output class="lesson-feedback"></output>{{end}}</form>` +
			`{{if .Answer}}<details class="lesson-answer"><summary>{{.ShowAnswer}}</summary><p>{{.Answer}}</p></details>{{end}}`))
})

func exerciseHTML(r *renderer, d *directive) (string, error) {
	x, err := r.answer(d)
	if err != nil {
		return "", err
	}
	v := exerciseView{Lesson: r.lesson.ID, ID: d.args["id"], Lang: r.lang, Options: r.options(d),
		YourAnswer: r.ui("yourAnswer"), ShowAnswer: r.ui("showAnswer")}
	if v.Options == nil {
		if v.Tol, err = r.tolNote(d); err != nil {
			return "", err
		}
	}
	if r.static {
		if v.Answer, err = r.explain(d, x); err != nil {
			return "", err
		}
	} else {
		v.Check = r.ui("check")
	}
	var b strings.Builder
	err = exerciseTemplate().Execute(&b, v)
	return b.String(), err
}

// tolNote tells the learner how close an answer must be.
func (r *renderer) tolNote(d *directive) (string, error) {
	tol, rel, err := r.tolerance(d)
	if err != nil {
		return "", err
	}
	if tol == 0 {
		return r.ui("exact"), nil
	}
	return fmt.Sprintf(r.ui("tol"), tolText(tol, rel)), nil
}

// explain states the right answer and how to get it.
func (r *renderer) explain(d *directive, x float64) (string, error) {
	a, err := r.answerText(d, x)
	if err != nil {
		return "", err
	}
	s := fmt.Sprintf(r.ui("answerIs"), a)
	if how := d.args["how"]; how != "" {
		s += " " + how
	}
	return s, nil
}

// Check checks a learner's answer to an exercise against the trace of
// ctx. For a number the answer is accepted within the exercise's stated
// tolerance; for a choice the answer is the index of the option. The
// explanation, in the lesson's language, says whether it was right and
// what the right answer is. An answer that is not a number is not an
// error: ok is false and the explanation says so.
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
	r := &renderer{env: e, lesson: l, lang: lang, runs: lib.runs}
	fail := func(err error) (bool, string, error) {
		if errors.Is(err, errRange) {
			return false, r.ui("na"), nil
		}
		return false, "", &posError{l.File, d.line, fmt.Errorf("{{exercise id=%s}}: %w", exerciseID, err)}
	}
	want, err := r.answer(d)
	if err != nil {
		return fail(err)
	}
	tol, rel, err := r.tolerance(d)
	if err != nil {
		return fail(err)
	}
	expl, err := r.explain(d, want)
	if err != nil {
		return fail(err)
	}
	got, perr := parseAnswer(answer)
	if perr != nil {
		return false, r.ui("notNumber"), nil
	}
	if rel {
		tol *= math.Abs(want)
	}
	// A relative slack of 1e-9 absorbs float rounding of exact answers;
	// a NaN on either side is never accepted.
	if math.Abs(got-want) <= tol+1e-9*math.Abs(want) {
		return true, r.ui("right") + " " + expl, nil
	}
	return false, r.ui("wrong") + " " + expl, nil
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
