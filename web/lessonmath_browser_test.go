package web

import (
	"net/url"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/transformer-explorer/explorer/web/internal/browsertest"
)

// mathCut lists the lesson's display formulas wider than the lesson
// panel (which would scroll sideways), with the size they were given.
const mathCut = `[...document.querySelectorAll('#lesson .lesson-math')].filter((e) => e.scrollWidth > e.clientWidth + 1).map((e) =>
  e.closest('article').id + ': ' + (e.scrollWidth - e.clientWidth) + ' px too wide at ' + (e.firstElementChild.style.fontSize || '100%') + ': ' + e.textContent.slice(0, 60))`

// TestBrowserLessonMathFits opens every lesson next to its step on a
// 1280×720 projector, in both languages, on the embedded model: each
// display formula fits the lesson panel whole (fitMath shrinks a wide one
// a little; longer ones are written on several lines), so no class sees
// half a formula.
func TestBrowserLessonMathFits(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	_, ts := newTestServer(t, withDefaultModel(t))
	steps := []string{"tokenize", "embed", "pos_embed", "L1.resid_mid", "L1.ln1", "L1.scores", "L1.attn_out", "L1.mlp", "ln_final", "logits", "probs", "sample"}
	for _, lang := range []string{"en", "zh"} {
		t.Run(lang, func(t *testing.T) {
			ctx := screen(t, 1280, 720)
			q := url.Values{"prompt": {"从前有一个小女孩，她叫小红。"}, "step": {steps[0]}, "lang": {lang}}
			if err := chromedp.Do(ctx,
				chromedp.Navigate(ts.URL+"/?lang="+lang+"#"+q.Encode()),
				browsertest.Until(`!!explorer.run() && explorer.run().done`),
			); err != nil {
				t.Fatal(err)
			}
			for _, step := range steps {
				err := chromedp.Do(ctx,
					browsertest.Discard(chromedp.Evaluate[bool](`explorer.show({step: '`+step+`'}); true`)),
					browsertest.Until(`explorer.view().step === '`+step+`'`),
					visible(`#lesson .lesson-panel[data-step="`+step+`"][lang="`+lang+`"]`),
					shot("lesson-math-"+lang+"-"+step),
				)
				if err != nil {
					t.Fatalf("%s: %v", step, err)
				}
				for _, cut := range browsertest.Eval[[]string](t, ctx, mathCut) {
					t.Errorf("%s: %s", step, cut)
				}
			}
		})
	}
}
