package lessons

import (
	"errors"
	"fmt"
	"math"
	"path"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"golang.org/x/net/html"

	"github.com/transformer-explorer/explorer/lessons/expr"
	"github.com/transformer-explorer/explorer/lessons/mathml"
	"github.com/transformer-explorer/explorer/trace"
)

// Prompts the lessons are rendered on: English, Chinese (several tokens
// per character), code, a single token (no next-token loss at all), one
// with repeated tokens (induction), and a long one that fills most of the
// tiny model's 64-token context (tables are windows of it).
var testPrompts = []string{
	"The cat sat on the mat because it was tired",
	"猫坐在垫子上，因为它累了。",
	"def f(x):\n    return x * 2\n",
	"Hello",
	"The cat sat on the mat because the cat was tired",
	strings.Repeat("Once upon a time a small robot walked to town. ", 5),
}

// mayLack reports whether a lesson may show a value as unavailable on a
// prompt of more than one token: the induction example needs a token that
// appears twice.
func mayLack(l *Lesson, d *Data) bool {
	return l.ID == "attention-why" && len(inductionPairs(d.IDs)) == 0
}

func mustLoad(t *testing.T) *Library {
	t.Helper()
	lib, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	return lib
}

func TestLoadBothLanguages(t *testing.T) {
	lib := mustLoad(t)
	en, _ := lib.List("en")
	zh, _ := lib.List("zh")
	if len(en) < 14 || len(en) != len(zh) {
		t.Fatalf("got %d English and %d Chinese lessons, want the same number, at least 14", len(en), len(zh))
	}
	for i := range en {
		if en[i].ID != zh[i].ID {
			t.Errorf("lesson %d: en %q, zh %q: the languages list different lessons", i, en[i].ID, zh[i].ID)
		}
		if en[i].Title == zh[i].Title {
			t.Errorf("%s: the Chinese title %q is the English one: not translated", zh[i].File, zh[i].Title)
		}
		if path.Base(en[i].File) != path.Base(zh[i].File) {
			t.Errorf("lesson %q is %s in English but %s in Chinese", en[i].ID, en[i].File, zh[i].File)
		}
	}
	if _, err := lib.List("fr"); !errors.Is(err, ErrLang) {
		t.Errorf("List(fr) = %v, want ErrLang", err)
	}
}

// TestOneLanguageOnly checks that Load refuses a lesson missing from a
// language, naming the file.
func TestOneLanguageOnly(t *testing.T) {
	const lesson = "---\nid: a\ntitle: A\nsteps: embed\norder: 1\n---\nText.\n"
	for _, tc := range []struct {
		name string
		fs   fstest.MapFS
		want string
	}{
		{"no zh", fstest.MapFS{"en/01-a.md": {Data: []byte(lesson)}}, "en/01-a.md: lesson \"a\" has no zh version"},
		{"no en", fstest.MapFS{
			"en/01-a.md": {Data: []byte(lesson)},
			"zh/01-a.md": {Data: []byte(lesson)},
			"zh/02-b.md": {Data: []byte(strings.Replace(lesson, "id: a", "id: b", 1))},
		}, "zh/02-b.md: lesson \"b\" has no en version"},
		{"steps differ", fstest.MapFS{
			"en/01-a.md": {Data: []byte(lesson)},
			"zh/01-a.md": {Data: []byte(strings.Replace(lesson, "embed", "logits", 1))},
		}, "zh/01-a.md: steps [logits] differ"},
	} {
		_, err := LoadFS(tc.fs)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: LoadFS error = %v, want it to contain %q", tc.name, err, tc.want)
		}
	}
}

// TestBadLessons checks that mistakes in a lesson fail Load (or Render,
// for a hook the trace lacks) with the file and line.
func TestBadLessons(t *testing.T) {
	head := "---\nid: a\ntitle: A\nsteps: scores\norder: 1\n---\nFirst line.\n\n"
	for _, tc := range []struct {
		body, want string
	}{
		{"{{nope}}", "en/01-a.md:9: {{nope}}: unknown directive"},
		{"Text {{value hook=\"logits\" at=\"q,0\" colour=red}}", "en/01-a.md:9: {{value}}: unknown argument \"colour\""},
		{"\n{{value expr=\"1 +\"}}", "en/01-a.md:10: {{value}}: expr=: expression \"1 +\""},
		{"{{value expr=\"qq\"}}", "unknown variable \"qq\""},
		{"{{value expr=\"frob(1)\"}}", "unknown function \"frob\""},
		{"{{value}}", "give exactly one of expr"},
		{"{{value expr=\"1\" fmt=\"%x\"}}", "fmt="},
		{"{{config n_heads}}", "unknown config \"n_heads\""},
		{"{{exercise answer=\"1\"}}", "missing argument id="},
		{"{{exercise id=a answer=\"1\"}}\n\n{{exercise id=a answer=\"2\"}}", "exercise id \"a\" used twice"},
		{"Text {{exercise id=a answer=\"1\"}}", "{{exercise}} is a block: put it on a line of its own"},
		{"Text $$x$$", "display math $$…$$ must stand on its own line"},
		{"```python live\n{{tokens}}\n```", "cannot be used inside code"},
		{"{{exercise id=a answer=\"1\" options=\"x\"}}", "options="},
		{"{{step kind=attention}}", "kind=\"attention\" is not a step kind"},
		{"$x = {{tokens}}$", "en/01-a.md:9: directive {{tokens}} cannot be used inside math"},
		{"$$x\n\n", "en/01-a.md:9: math opened with $$ is never closed"},
		{"a\n$x\ny$", "en/01-a.md:10: math opened with $ is never closed on its line"},
		{"{{value expr=\"1\"", "en/01-a.md:9: directive"},
		{"```\ncode", "code block opened here is never closed"},
	} {
		fsys := fstest.MapFS{
			"en/01-a.md": {Data: []byte(head + tc.body + "\n")},
			"zh/01-a.md": {Data: []byte(head)},
		}
		_, err := LoadFS(fsys)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("LoadFS(%q) error = %v, want it to contain %q", tc.body, err, tc.want)
		}
	}
	for _, front := range []struct{ src, want string }{
		{"---\ntitle: A\nsteps: embed\n---\n", "en/01-a.md:1: front matter has no id"},
		{"---\nid: a\ntitle: A\nsteps: attention\n---\n", "en/01-a.md:4: step \"attention\" is not a step kind"},
		{"---\nid: a\ntitle: A\nsteps: embed\ncolour: red\n---\n", "en/01-a.md:5: unknown front matter key"},
		{"id: a\n", "en/01-a.md:1: a lesson starts with a --- front matter block"},
	} {
		_, err := LoadFS(fstest.MapFS{"en/01-a.md": {Data: []byte(front.src)}, "zh/01-a.md": {Data: []byte(front.src)}})
		if err == nil || !strings.Contains(err.Error(), front.want) {
			t.Errorf("LoadFS(%q) error = %v, want it to contain %q", front.src, err, front.want)
		}
	}

	// A hook that parses but does not exist fails when rendered.
	bad := head + "Line.\n\nThe weight is {{value hook=\"blocks.{layer}.attn.hook_weights\" at=\"head,q,k\"}}.\n"
	lib, err := LoadFS(fstest.MapFS{"en/01-a.md": {Data: []byte(bad)}, "zh/01-a.md": {Data: []byte(bad)}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = lib.Render("a", "en", NewContext(FromTrace(tinyTrace(t, testPrompts[0]))))
	if want := `en/01-a.md:11: {{value}}: hook "blocks.0.attn.hook_weights" is not in the trace`; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("Render of an unknown hook: error = %v, want it to contain %q", err, want)
	}
}

// TestStepKindsMatchTrace keeps the package's copy of the step kinds and
// step IDs equal to the trace package's.
func TestStepKindsMatchTrace(t *testing.T) {
	var kinds []string
	for _, k := range trace.StepKinds() {
		kinds = append(kinds, string(k))
	}
	if got, want := strings.Join(stepKinds, " "), strings.Join(kinds, " "); got != want {
		t.Fatalf("stepKinds = %s\nwant trace.StepKinds() = %s", got, want)
	}
	for _, s := range trace.Steps(3) {
		if got := StepID(string(s.Kind), s.Layer); got != s.ID {
			t.Errorf("StepID(%q, %d) = %q, want %q", s.Kind, s.Layer, got, s.ID)
		}
		kind, layer, ok := ParseStepID(s.ID)
		if !ok || kind != string(s.Kind) || layer != s.Layer {
			t.Errorf("ParseStepID(%q) = %q, %d, %v; want %q, %d, true", s.ID, kind, layer, ok, s.Kind, s.Layer)
		}
	}
	for _, bad := range []string{"", "L1", "L1.embed", "Lx.scores", "scores", "L-1.scores"} {
		if _, _, ok := ParseStepID(bad); ok {
			t.Errorf("ParseStepID(%q) reports ok", bad)
		}
	}
}

// TestEveryStepHasLesson checks that ForStep finds a lesson for every step
// of the forward pass, and that each lesson's jump target is a real step.
func TestEveryStepHasLesson(t *testing.T) {
	lib := mustLoad(t)
	steps := trace.Steps(2)
	for _, lang := range Langs() {
		for _, s := range steps {
			ls, err := lib.ForStep(s.ID, lang)
			if err != nil || len(ls) == 0 {
				t.Errorf("ForStep(%q, %s) = %v, %v: no lesson explains this step", s.ID, lang, ls, err)
			}
		}
		ls, _ := lib.List(lang)
		for _, l := range ls {
			for _, layer := range []int{0, 1} {
				if _, ok := trace.FindStep(steps, l.StepID(layer)); !ok {
					t.Errorf("%s: jump target %q is not a step", l.File, l.StepID(layer))
				}
			}
		}
	}
	ls, _ := lib.ForStep("L1.softmax", "en")
	if len(ls) == 0 || ls[0].ID != "self-attention" {
		t.Errorf("ForStep(L1.softmax) starts with %v, want self-attention", ls)
	}
}

// TestHooksExist checks every hook a lesson binds against trace's list of
// hook names, in the first and the last layer of a 12-layer model.
func TestHooksExist(t *testing.T) {
	lib := mustLoad(t)
	const nLayer = 12
	names := map[string]bool{}
	for _, n := range trace.Names(nLayer) {
		names[n] = true
	}
	for _, lang := range Langs() {
		ls, _ := lib.List(lang)
		for _, l := range ls {
			for _, d := range l.directives() {
				for _, tmpl := range d.hookTemplates() {
					for _, layer := range []int{0, nLayer - 1} {
						// Every variable of a hook name (layer, or the layer
						// of a best head) stands for a layer here.
						name, err := expr.Expand(tmpl, layerEnv(layer))
						if err != nil {
							t.Errorf("%s:%d: %v", l.File, d.line, err)
							continue
						}
						if !names[name] {
							t.Errorf("%s:%d: {{%s}} binds hook %q, which trace does not define", l.File, d.line, d.name, name)
						}
					}
				}
			}
		}
	}
}

// layerEnv is an expr.Env whose every variable is one layer number.
type layerEnv int

func (l layerEnv) Var(string) (float64, error) { return float64(l), nil }
func (layerEnv) Tensor(string, []int) (expr.Value, error) {
	return expr.Value{}, errors.New("no tensors")
}
func (layerEnv) TokenID(int) (int, error) { return 0, errors.New("no tokens") }

// renderCases are the contexts every lesson is rendered in.
func renderCases(d *Data) []Context {
	last := NewContext(d)
	other := NewContext(d)
	other.Layer, other.Head = d.Model.NLayer-1, d.Model.NHead-1
	if len(d.IDs) > 1 {
		other.Query, other.Key = 1, 0
	}
	static := last
	static.Static = true
	return []Context{last, other, static}
}

// TestFirstQuery renders every lesson with the first token as the query,
// where "the previous position" does not exist: such values must show as
// unavailable, never as another position's numbers.
func TestFirstQuery(t *testing.T) {
	lib := mustLoad(t)
	d := FromTrace(tinyTrace(t, testPrompts[0]))
	ctx := NewContext(d)
	ctx.Query, ctx.Key = 0, 0
	for _, lang := range Langs() {
		ls, _ := lib.List(lang)
		for _, l := range ls {
			h, err := lib.Render(l.ID, lang, ctx)
			if err != nil {
				t.Errorf("Render(%s, %s) with query 0: %v", l.ID, lang, err)
				continue
			}
			// Only the lessons that need a previous position or a key other
			// than the query have values the first query lacks.
			want := l.ID == "fine-tuning" || l.ID == "self-attention" || mayLack(l, d)
			if na := strings.Contains(string(h), "lesson-na"); na != want {
				t.Errorf("%s with query 0: unavailable values %v, want %v", l.File, na, want)
			}
		}
	}
	if ok, expl, err := lib.Check("fine-tuning", "grad", "en", "-1", ctx); ok || err != nil || !strings.Contains(expl, "Not available") {
		t.Errorf("Check of an unavailable exercise = %v, %q, %v", ok, expl, err)
	}
}

// TestRenderAll renders every lesson in both languages on several prompts
// and checks that every binding resolved and the HTML is complete.
func TestRenderAll(t *testing.T) {
	lib := mustLoad(t)
	for _, prompt := range testPrompts {
		d := FromTrace(tinyTrace(t, prompt))
		for _, lang := range Langs() {
			ls, _ := lib.List(lang)
			for _, l := range ls {
				for _, ctx := range renderCases(d) {
					h, err := lib.Render(l.ID, lang, ctx)
					if err != nil {
						t.Errorf("Render(%s, %s) on %q: %v", l.ID, lang, prompt, err)
						continue
					}
					s := string(h)
					if len(d.IDs) > 1 && strings.Contains(s, "lesson-na") && !mayLack(l, d) {
						t.Errorf("%s on %q: a value is unavailable although the prompt has %d tokens", l.File, prompt, len(d.IDs))
					}
					for _, leak := range []string{"lsnph", "{{"} {
						if strings.Contains(s, leak) {
							t.Errorf("%s: rendered HTML contains %q", l.File, leak)
						}
					}
					checkHTML(t, l, s, ctx.Static)
				}
			}
		}
	}
}

// checkHTML parses a rendered lesson and checks its structure: one
// article with the lesson's step, a jump link, a form per exercise
// (or an answer per exercise when static), and MathML for the math.
func checkHTML(t *testing.T, l *Lesson, s string, static bool) {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(s))
	if err != nil {
		t.Fatalf("%s: %v", l.File, err)
	}
	count := map[string]int{}
	for n := range doc.Descendants() {
		if n.Type != html.ElementNode {
			continue
		}
		count[n.Data]++
		for _, a := range n.Attr {
			if a.Key == "class" {
				count["."+a.Val]++
			}
			if a.Key == "data-step" {
				count["step:"+a.Val]++
			}
		}
	}
	if count["article"] != 1 || count[".lesson-step"] < 1 || count[".lesson-jump"] != 1 {
		t.Errorf("%s: want one article with a jump link, got %d articles, %d links", l.File, count["article"], count[".lesson-step"])
	}
	if count[".lesson-na"] > 0 {
		return // some exercises are unavailable for a one-token prompt
	}
	if count[".lesson-exercise"] != len(l.Exercises) {
		t.Errorf("%s: %d exercise forms, want %d", l.File, count[".lesson-exercise"], len(l.Exercises))
	}
	if static && count[".lesson-answer"] != len(l.Exercises) {
		t.Errorf("%s: static render has %d answers, want %d", l.File, count[".lesson-answer"], len(l.Exercises))
	}
	if !static && count["button"] != len(l.Exercises) {
		t.Errorf("%s: %d check buttons, want %d", l.File, count["button"], len(l.Exercises))
	}
	if maths := len(l.maths); count["math"] != maths {
		t.Errorf("%s: %d <math> elements, want %d", l.File, count["math"], maths)
	}
	if count["h2"] < 3 {
		t.Errorf("%s: %d sections, want at least what it is for, the formula, in your prompt", l.File, count["h2"])
	}
}

// TestExercises checks Check's mechanics for every exercise: it accepts
// the lesson's own answer (as computed and as the answer line displays
// it) and rejects a wrong one, in both languages. Whether that answer is
// right is TestExercisesIndependently's job.
func TestExercises(t *testing.T) {
	lib := mustLoad(t)
	d := FromTrace(tinyTrace(t, testPrompts[0]))
	for _, lang := range Langs() {
		ls, _ := lib.List(lang)
		for _, l := range ls {
			if len(l.Exercises) == 0 {
				t.Errorf("%s has no exercise", l.File)
			}
			for _, ctx := range renderCases(d)[:2] {
				e, err := ctx.resolve()
				if err != nil {
					t.Fatal(err)
				}
				r := &renderer{env: e, lesson: l, lang: lang}
				for _, id := range l.Exercises {
					dir := l.exercises[id]
					want, err := r.answer(dir)
					if err != nil {
						t.Errorf("%s:%d: exercise %s: %v", l.File, dir.line, id, err)
						continue
					}
					right := strconv.FormatFloat(want, 'g', -1, 64)
					var wrong string
					if opts := r.options(dir); opts != nil {
						right = strconv.Itoa(int(want))
						wrong = strconv.Itoa((int(want) + 1) % len(opts))
					} else {
						tol, rel, err := r.tolerance(dir)
						if err != nil {
							t.Fatal(err)
						}
						if rel {
							tol *= math.Abs(want)
						}
						wrong = strconv.FormatFloat(want+2*tol+0.01*math.Abs(want)+0.01, 'g', -1, 64)
					}
					for _, c := range []struct {
						answer string
						ok     bool
					}{{right, true}, {wrong, false}} {
						ok, expl, err := lib.Check(l.ID, id, lang, c.answer, ctx)
						if err != nil || ok != c.ok || expl == "" {
							t.Errorf("%s: Check(%s, %q) = %v, %q, %v; want %v with an explanation", l.File, id, c.answer, ok, expl, err, c.ok)
						}
					}
					if r.options(dir) == nil {
						shown, err := r.answerText(dir, want)
						if err != nil {
							t.Fatal(err)
						}
						if ok, _, _ := lib.Check(l.ID, id, lang, shown, ctx); !ok {
							t.Errorf("%s: exercise %s rejects its own displayed answer %q (exact %v)", l.File, id, shown, want)
						}
					}
				}
			}
		}
	}
}

func TestCheckErrors(t *testing.T) {
	lib := mustLoad(t)
	ctx := NewContext(FromTrace(tinyTrace(t, testPrompts[0])))
	if _, _, err := lib.Check("nope", "x", "en", "1", ctx); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown lesson: err = %v, want ErrNotFound", err)
	}
	if _, _, err := lib.Check("self-attention", "nope", "en", "1", ctx); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown exercise: err = %v, want ErrNotFound", err)
	}
	ok, expl, err := lib.Check("self-attention", "rowsum", "zh", "abc", ctx)
	if ok || err != nil || !strings.Contains(expl, "请输入") {
		t.Errorf("non-number: Check = %v, %q, %v; want false with a Chinese hint", ok, expl, err)
	}
	if ok, _, _ := lib.Check("self-attention", "rowsum", "zh", "１．０", ctx); !ok {
		t.Errorf("full-width 1.0 was not accepted as the row sum")
	}
	if _, _, err := lib.Check("self-attention", "rowsum", "en", "1", Context{}); !errors.Is(err, ErrNoTrace) {
		t.Errorf("no trace: err = %v, want ErrNoTrace", err)
	}
	bad := ctx
	bad.Layer = 99
	if _, err := lib.Render("self-attention", "en", bad); err == nil {
		t.Errorf("Render with layer 99 succeeded")
	}
	bad = ctx
	bad.Query, bad.Key = 2, 5
	if _, err := lib.Render("self-attention", "en", bad); err == nil {
		t.Errorf("Render with a key after the query succeeded")
	}
}

// TestDefaults checks the default query (last token) and key (largest
// weight).
func TestDefaults(t *testing.T) {
	tr := tinyTrace(t, testPrompts[0])
	e, err := NewContext(FromTrace(tr)).resolve()
	if err != nil {
		t.Fatal(err)
	}
	if e.query != len(tr.IDs)-1 {
		t.Errorf("default query = %d, want the last position %d", e.query, len(tr.IDs)-1)
	}
	p, _ := tr.Tensor(trace.Block(0, trace.AttnPattern))
	T := len(tr.IDs)
	row := p.Data[e.query*T : e.query*T+T] // head 0
	for j, w := range row {
		if w > row[e.key] {
			t.Errorf("default key %d has weight %v, but key %d has %v", e.key, row[e.key], j, w)
		}
	}
}

// TestLessonClaims checks the relations the lessons state against the
// engine's numbers, using the lessons' own expression language: if a
// lesson's formula disagreed with the computation, the numbers in it would
// not add up for the learner.
func TestLessonClaims(t *testing.T) {
	d := FromTrace(tinyTrace(t, testPrompts[0]))
	for _, ctx := range renderCases(d)[:2] {
		e, err := ctx.resolve()
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct{ claim, lhs, rhs string }{
			{"S = q·k/√d_k", `dot(t("blocks.{layer}.attn.hook_q", q, head), t("blocks.{layer}.attn.hook_k", k, head)) / sqrt(D)`, `t("blocks.{layer}.attn.hook_attn_scores", head, q, k)`},
			{"softmax of the scores row", `at(softmax(t("blocks.{layer}.attn.hook_attn_scores", head, q)), k)`, `t("blocks.{layer}.attn.hook_pattern", head, q, k)`},
			{"row sums to 1", `sum(t("blocks.{layer}.attn.hook_pattern", head, q))`, `1`},
			{"LayerNorm scale", `sqrt(var(t("blocks.{layer}.hook_resid_pre", q)) + eps)`, `t("blocks.{layer}.ln1.hook_scale", q, 0)`},
			{"x = e + p", `t("hook_embed", q, 1) + t("hook_pos_embed", q, 1)`, `t("blocks.0.hook_resid_pre", q, 1)`},
			{"x_mid = x + attn", `t("blocks.{layer}.hook_resid_pre", q, 2) + t("blocks.{layer}.hook_attn_out", q, 2)`, `t("blocks.{layer}.hook_resid_mid", q, 2)`},
			{"x_out = x_mid + mlp", `t("blocks.{layer}.hook_resid_mid", q, 3) + t("blocks.{layer}.hook_mlp_out", q, 3)`, `t("blocks.{layer}.hook_resid_post", q, 3)`},
			{"GELU", `gelu(t("blocks.{layer}.mlp.hook_pre", q, F-1))`, `t("blocks.{layer}.mlp.hook_post", q, F-1)`},
			{"top probability is the softmax of the logits", `at(softmax(t("logits", q)), t("next.top_ids", q, 0))`, `t("next.top_probs", q, 0)`},
			{"loss is −log p of the next token", `-log(at(softmax(t("logits", 0)), id(1)))`, `t("next.loss", 0)`},
			{"p1/p2 = e^(z1−z2)", `exp(t("logits", q, t("next.top_ids", q, 0)) - t("logits", q, t("next.top_ids", q, 1)))`, `t("next.top_probs", q, 0) / t("next.top_probs", q, 1)`},
		} {
			l, err := e.evalString(c.lhs)
			if err != nil {
				t.Fatalf("%s: %v", c.claim, err)
			}
			r, err := e.evalString(c.rhs)
			if err != nil {
				t.Fatalf("%s: %v", c.claim, err)
			}
			if math.Abs(l.S-r.S) > 1e-4*(1+math.Abs(r.S)) {
				t.Errorf("layer %d head %d: %s: %v ≠ %v", e.layer, e.head, c.claim, l.S, r.S)
			}
		}
	}
}

// TestMathInLessons converts the TeX of every math span of every lesson,
// with its directives replaced by a number, so that a formula the
// converter cannot handle is found without a trace.
func TestMathInLessons(t *testing.T) {
	lib := mustLoad(t)
	n := 0
	for _, lang := range Langs() {
		ls, _ := lib.List(lang)
		for _, l := range ls {
			for _, it := range l.maths {
				var b strings.Builder
				for _, p := range it.parts {
					if p.kind == itemText {
						b.WriteString(p.text)
					} else {
						b.WriteString("{-1.5}")
					}
				}
				if _, err := mathml.Convert(strings.TrimSpace(b.String()), it.display); err != nil {
					t.Errorf("%s:%d: %q: %v", l.File, it.line, b.String(), err)
				}
				n++
			}
		}
	}
	if n < 50 {
		t.Errorf("only %d formulas in the lessons", n)
	}
}

func Example_fmt() {
	for _, c := range []struct {
		x    float64
		spec string
	}{{0.30283, ".3f"}, {1.2e-5, ""}, {124439808, "int"}, {0.25, "pct"}, {math.Inf(-1), ".2f"}} {
		h, _ := formatNumber(c.x, c.spec, false)
		tex, _ := formatNumber(c.x, c.spec, true)
		fmt.Printf("%s | %s\n", h, tex)
	}
	// Output:
	// 0.303 | 0.303
	// 1.2×10⁻⁵ | 1.2 \times 10^{-5}
	// 124,439,808 | 124{,}439{,}808
	// 25.0% | 25.0\%
	// −∞ | -\infty
}

func TestParseAnswer(t *testing.T) {
	for _, c := range []struct {
		in   string
		want float64
	}{
		{"0.25", 0.25}, {" -1.5 ", -1.5}, {"−1.5", -1.5}, {"０．５", 0.5}, {"0,25", 0.25}, {"1,5", 1.5},
		{"106,985", 106985}, {"124,439,808", 124439808}, {"1,234.5", 1234.5}, {"1e-3", 0.001},
	} {
		got, err := parseAnswer(c.in)
		if err != nil || got != c.want {
			t.Errorf("parseAnswer(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{"", "abc", "1..2", "0.2.5"} {
		if _, err := parseAnswer(bad); err == nil {
			t.Errorf("parseAnswer(%q) succeeded", bad)
		}
	}
}

// TestPlots checks that {{plot}} asks Context.Plot for the lesson's layer,
// head and query and shows the image, and shows nothing without Plot.
func TestPlots(t *testing.T) {
	lib := mustLoad(t)
	ctx := NewContext(FromTrace(tinyTrace(t, testPrompts[0])))
	ctx.Layer, ctx.Head = 1, 3
	var got []PlotRequest
	ctx.Plot = func(p PlotRequest) (string, error) {
		got = append(got, p)
		return "img/" + p.Kind + ".png", nil
	}
	h, err := lib.Render("self-attention", "zh", ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := PlotRequest{Kind: "attention", Layer: 1, Head: 3, Pos: 9}
	if len(got) != 2 || got[1] != want {
		t.Errorf("plot requests = %+v, want scores then %+v", got, want)
	}
	if !strings.Contains(string(h), `<img src="img/attention.png" alt="第 1 层第 3 个头的注意力模式`) {
		t.Errorf("rendered lesson lacks the attention image")
	}
	ctx.Plot = func(p PlotRequest) (string, error) { return "", errors.New("disk full") }
	if _, err := lib.Render("self-attention", "en", ctx); err == nil || !strings.Contains(err.Error(), "06-self-attention.md") || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("a failing plot: Render error = %v, want the file and the cause", err)
	}
	ctx.Plot = nil
	h, _ = lib.Render("self-attention", "en", ctx)
	if strings.Contains(string(h), "<img") {
		t.Errorf("without Plot the lesson still shows images")
	}
}

// FuzzParseLesson checks that no lesson source makes the parser panic.
func FuzzParseLesson(f *testing.F) {
	f.Add("---\nid: a\ntitle: A\nsteps: embed\n---\nText $x$ {{value expr=\"q\"}}.\n")
	f.Add("---\nid: a\ntitle: A\nsteps: scores\n---\n$$q = {{vector hook=\"blocks.{layer}.attn.hook_q\" at=\"q,head\"}}$$\n```\n$\n```\n")
	f.Add("---\nid: a\ntitle: A\nsteps: embed\n---\n{{exercise id=x answer=\"1\" options=\"a|b\" how=\"\\\"q\\\"\"}}")
	f.Fuzz(func(t *testing.T, src string) {
		parseLesson("en/01-a.md", "en", src)
	})
}

func BenchmarkRender(b *testing.B) {
	lib, err := Load()
	if err != nil {
		b.Fatal(err)
	}
	ctx := NewContext(FromTrace(tinyTrace(b, testPrompts[0])))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := lib.Render("self-attention", "en", ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// TestConcurrentRender renders and checks from several goroutines at once,
// as the web app's sessions do (run with -race).
func TestConcurrentRender(t *testing.T) {
	lib := mustLoad(t)
	d := FromTrace(tinyTrace(t, testPrompts[0]))
	done := make(chan error)
	for g := 0; g < 4; g++ {
		go func(g int) {
			ctx := NewContext(d)
			ctx.Head = g
			var err error
			for i := 0; i < 5 && err == nil; i++ {
				_, err = lib.Render("self-attention", Langs()[g%2], ctx)
				if err == nil {
					_, _, err = lib.Check("self-attention", "rowsum", "en", "1", ctx)
				}
			}
			done <- err
		}(g)
	}
	for g := 0; g < 4; g++ {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}

// TestParamsLineScope checks that the line naming where a lesson's
// numbers come from names only what its step has: a head and key for
// attention, a layer for the other block steps, a position alone outside
// the blocks (a sampling lesson has no head to name).
func TestParamsLineScope(t *testing.T) {
	lib := mustLoad(t)
	ctx := NewContext(FromTrace(tinyTrace(t, testPrompts[0])))
	ctx.Layer, ctx.Head = 1, 3
	params := regexp.MustCompile(`<p class="lesson-params">(.*?)</p>`)
	for _, c := range []struct {
		lesson, lang string
		want, not    []string
	}{
		{"self-attention", "en", []string{"layer 1", "head 3", "query position", "key position"}, nil},
		{"multi-head", "zh", []string{"第 1 层", "第 3 个头", "键位置"}, nil},
		{"layer-norm", "en", []string{"layer 1", "position"}, []string{"head", "key", "query"}},
		{"feed-forward", "zh", []string{"第 1 层", "位置"}, []string{"头", "键", "查询"}},
		{"sampling", "en", []string{"position"}, []string{"layer", "head", "key", "query"}},
		{"token-embedding", "zh", []string{"位置"}, []string{"层", "头", "键", "查询"}},
	} {
		h, err := lib.Render(c.lesson, c.lang, ctx)
		if err != nil {
			t.Fatalf("%s: %v", c.lesson, err)
		}
		m := params.FindStringSubmatch(string(h))
		if m == nil {
			t.Errorf("%s (%s): no params line", c.lesson, c.lang)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(m[1], w) {
				t.Errorf("%s (%s): params line %q lacks %q", c.lesson, c.lang, m[1], w)
			}
		}
		for _, w := range c.not {
			if strings.Contains(m[1], w) {
				t.Errorf("%s (%s): params line %q names %q, which its step does not have", c.lesson, c.lang, m[1], w)
			}
		}
	}
}
