package lessons

import (
	"bytes"
	"github.com/transformer-explorer/explorer/lessons/i18n"
	"strings"
	"testing"

	"github.com/transformer-explorer/explorer/trace"
)

// TestHandoutWithoutSomeHooks writes a handout of a trace that lacks the
// MLP hooks and the logit lens, as a trace read from a partial
// TransformerLens cache does: the lessons that read them become notes
// naming a missing hook, and every other lesson is whole.
func TestHandoutWithoutSomeHooks(t *testing.T) {
	full := tinyTrace(t, "The cat sat on the mat")
	tr := trace.New(full.Model, full.Text, full.IDs, full.Tokens, full.TokenStrings)
	dropped := func(name string) bool {
		_, point, ok := trace.ParseBlock(name)
		return name == trace.LensTopIDs || name == trace.LensTopProbs ||
			ok && (point == trace.MLPPre || point == trace.MLPPost || point == trace.MLPOut)
	}
	for _, name := range full.Names() {
		if dropped(name) {
			continue
		}
		x, _ := full.Tensor(name)
		if err := tr.Record(x); err != nil {
			t.Fatal(err)
		}
	}
	lib := mustLoad(t)
	for _, lang := range []string{"en", "zh"} {
		var buf bytes.Buffer
		if err := lib.Handout(&buf, lang, NewContext(FromTrace(tr))); err != nil {
			t.Fatalf("%s: %v", lang, err)
		}
		page := buf.String()
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
	tr := trace.New(model, full.Text, full.IDs, full.Tokens, full.TokenStrings)
	for _, name := range full.Names() {
		x, _ := full.Tensor(name)
		if err := tr.Record(x); err != nil {
			t.Fatal(err)
		}
	}
	lib := mustLoad(t)
	for _, lang := range []string{"en", "zh"} {
		var buf bytes.Buffer
		if err := lib.Handout(&buf, lang, NewContext(FromTrace(tr))); err != nil {
			t.Fatalf("%s: %v", lang, err)
		}
		page := buf.String()
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
