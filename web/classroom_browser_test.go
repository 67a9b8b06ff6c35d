package web

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/transformer-explorer/explorer/engine/defaultmodel"
	"github.com/transformer-explorer/explorer/web/internal/browsertest"
)

// withDefaultModel is a newTestServer edit that serves the embedded
// bilingual model instead of the tiny one.
func withDefaultModel(t testing.TB) func(*Options) {
	t.Helper()
	m, tok, err := defaultmodel.Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return func(o *Options) { o.Model, o.Tokenizer = m, tok }
}

// clipped measures, for each element of a selector, how far its content
// overflows its box sideways (0 when it fits).
func clipped(sel string) string {
	return fmt.Sprintf(`[...document.querySelectorAll(%q)].map((el) => el.scrollWidth - el.clientWidth)`, sel)
}

// TestBrowserClassroomScreens opens the embedded model at 1280×720 as a
// class would, in both languages with a prompt of each: the attention
// pattern of a head of layer 3, the next-token step with its top-10
// table, and the "which model is this" box. Nothing may scroll sideways
// or be clipped: the top-10 table and the model line of the top bar fit.
func TestBrowserClassroomScreens(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	_, ts := newTestServer(t, withDefaultModel(t))
	base := ts.URL
	prompts := map[string]string{"story-zh": "从前有一个小女孩，她叫小红。", "story-en": "Once upon a time"}
	for _, lang := range []string{"zh", "en"} {
		for pname, prompt := range prompts {
			t.Run(lang+"-"+pname, func(t *testing.T) {
				ctx := screen(t, 1280, 720)
				q := url.Values{"prompt": {prompt}, "step": {"L3.softmax"}, "head": {"1"}, "lang": {lang}}
				name := "classroom-" + lang + "-" + pname
				err := chromedp.Do(ctx,
					chromedp.Navigate(base+"/?lang="+lang+"#"+q.Encode()),
					browsertest.Until(painted),
					browsertest.Until(`!!explorer.run() && explorer.run().done`),
					visible(`#lesson .lesson-panel[data-step="L3.softmax"]`),
					shot(name+"-attention"),
					browsertest.Discard(chromedp.Evaluate[bool](`explorer.show({step: 'probs'}); true`)),
					browsertest.Until(`explorer.view().step === 'probs' && !!document.querySelector('.top-table')`),
					shot(name+"-next"),
				)
				if err != nil {
					t.Fatal(err)
				}
				for _, sel := range []string{".top-wrap", ".top-table", "#model-info", ".topbar", "html", "body"} {
					for _, over := range browsertest.Eval[[]float64](t, ctx, clipped(sel)) {
						if !(over <= 0) {
							t.Errorf("%s overflows sideways by %v px at 1280×720", sel, over)
						}
					}
				}
				if err := chromedp.Do(ctx, click("#model-info"), visible("#model-panel"), shot(name+"-model")); err != nil {
					t.Fatal(err)
				}
			})
		}
	}
}

// TestBrowserFirstPaintLanguage: after a class switches to Chinese, the
// page's address brings it back in Chinese from the server's first byte,
// before any script runs (no flash of English on reload or a shared link).
func TestBrowserFirstPaintLanguage(t *testing.T) {
	ts, ctx := screenTest(t)
	err := chromedp.Do(ctx,
		chromedp.Navigate(ts.URL+"/?lang=en#prompt=The+cat+sat&step=L0.softmax"),
		browsertest.Until(painted),
		browsertest.Until(`!!explorer.run() && explorer.run().done`),
		click(`button.lang[data-lang="zh"]`),
		browsertest.Until(`explorer.lang() === 'zh'`),
	)
	if err != nil {
		t.Fatal(err)
	}
	addr := browsertest.Eval[string](t, ctx, `location.href`)
	_, _, body := get(t, strings.SplitN(addr, "#", 2)[0])
	if !strings.Contains(body, `<html lang="zh-Hans"`) || !strings.Contains(body, "<title>"+tr("zh", "page.title")+"</title>") {
		t.Errorf("the address %s serves its first paint in another language than Chinese:\n%.300s", addr, body)
	}
}

// TestBrowserTrainKeepsLanguage: switching /train to Chinese keeps Chinese
// on a reload and on the way back to the explorer, from the first paint.
func TestBrowserTrainKeepsLanguage(t *testing.T) {
	ts, ctx := screenTest(t)
	err := chromedp.Do(ctx,
		chromedp.Navigate(ts.URL+"/train?lang=en"),
		visible("#train-form"),
		click(`button.lang[data-lang="zh"]`),
	)
	if err != nil {
		t.Fatal(err)
	}
	for _, expr := range []string{`location.href`, `document.querySelector('a.train-link').href`} {
		addr := browsertest.Eval[string](t, ctx, expr)
		_, _, body := get(t, addr)
		if !strings.Contains(body, `<html lang="zh-Hans"`) {
			t.Errorf("%s = %s serves its first paint in another language than Chinese", expr, addr)
		}
	}
}
