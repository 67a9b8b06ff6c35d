package lessons

import (
	"bytes"
	"strings"
	"testing"

	"github.com/transformer-explorer/explorer/lessons/i18n"
	"github.com/transformer-explorer/explorer/trace"
)

// copyTrace is a trace of full's prompt, described as model, holding the
// tensors of full that keep accepts.
func copyTrace(t *testing.T, full *trace.Trace, model trace.ModelInfo, keep func(name string) bool) *trace.Trace {
	t.Helper()
	tr := trace.New(model, full.Text, full.IDs, full.Tokens, full.TokenStrings)
	for _, name := range full.Names() {
		if !keep(name) {
			continue
		}
		x, _ := full.Tensor(name)
		if err := tr.Record(x); err != nil {
			t.Fatal(err)
		}
	}
	return tr
}

// handout renders lib's handout of tr in lang.
func handout(t *testing.T, lib *Library, lang string, tr *trace.Trace) string {
	t.Helper()
	var buf bytes.Buffer
	if err := lib.Handout(&buf, lang, NewContext(FromTrace(tr))); err != nil {
		t.Fatalf("handout in %s: %v", lang, err)
	}
	return buf.String()
}

// TestHandoutWithoutSomeHooks writes a handout of a trace that lacks the
// MLP hooks and the logit lens, as a trace read from a partial
// TransformerLens cache does: the lessons that read them become notes
// naming a missing hook, and every other lesson is whole.
func TestHandoutWithoutSomeHooks(t *testing.T) {
	full := tinyTrace(t, "The cat sat on the mat")
	tr := copyTrace(t, full, full.Model, func(name string) bool {
		_, point, ok := trace.ParseBlock(name)
		return name != trace.LensTopIDs && name != trace.LensTopProbs &&
			!(ok && (point == trace.MLPPre || point == trace.MLPPost || point == trace.MLPOut))
	})
	lib := mustLoad(t)
	for _, lang := range []string{"en", "zh"} {
		page := handout(t, lib, lang, tr)
		ls, _ := lib.List(lang)
		notes := strings.Count(page, `class="lesson lesson-missing"`)
		if notes == 0 || notes == len(ls) {
			t.Errorf("%s: %d of %d lessons are notes", lang, notes, len(ls))
		}
		if !strings.Contains(page, "mlp.hook_") || !strings.Contains(page, "lens.top_") {
			t.Errorf("%s: the notes do not name the missing hooks", lang)
		}
		for _, l := range ls {
			if n := strings.Count(page, `id="lesson-`+l.ID+`"`); n != 1 {
				t.Errorf("%s: lesson %s appears %d times", lang, l.ID, n)
			}
		}
	}
}

// A trace file from elsewhere states the model's shape through its tensors
// but not its context length or ε: the lessons must say those are unknown,
// never show them as 0.
func TestUnknownSettings(t *testing.T) {
	full := tinyTrace(t, "The cat sat on the mat")
	model := full.Model
	model.NCtx, model.Epsilon = 0, 0
	tr := copyTrace(t, full, model, func(string) bool { return true })
	lib := mustLoad(t)
	for _, lang := range []string{"en", "zh"} {
		page := handout(t, lib, lang, tr)
		if !strings.Contains(page, i18n.Text(lang, "lesson.naSetting")) {
			t.Errorf("%s: no lesson says the context length or ε is unknown", lang)
		}
		for _, bad := range []string{"<mn>0</mn><mo>×</mo>", "ε = 0", "ϵ</mi><mo>=</mo><mn>0</mn>"} {
			if strings.Contains(page, bad) {
				t.Errorf("%s: the handout shows an unknown setting as 0 (%q)", lang, bad)
			}
		}
	}
}
