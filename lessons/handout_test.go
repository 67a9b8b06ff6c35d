package lessons

import (
	"bytes"
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
