package web

import (
	"fmt"
	"net/url"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/transformer-explorer/explorer/web/internal/browsertest"
)

// labelsCut lists the heatmap labels on screen that the page cuts
// without saying so: a label whose text overflows its box must show an
// ellipsis and carry its whole text as its title (the tooltip on hover).
// A row label is measured across, a column label (written vertically)
// down; each must also lie inside its heatmap's figure.
const labelsCut = `[...document.querySelectorAll('#heatmaps .hm-rows span, #heatmaps .hm-cols span')].flatMap((el) => {
  const vertical = el.parentElement.classList.contains('hm-cols');
  const over = vertical ? el.scrollHeight - el.clientHeight : el.scrollWidth - el.clientWidth;
  const box = el.getBoundingClientRect(), fig = el.closest('figure').getBoundingClientRect();
  const outside = box.top < fig.top - 0.5 || box.left < fig.left - 0.5 || box.right > fig.right + 0.5;
  const said = getComputedStyle(el).textOverflow === 'ellipsis' && el.title === el.textContent;
  return (over > 0 && !said) || outside ? [el.textContent + (outside ? ' (outside its figure)' : ' (cut by ' + over + ' px)')] : [];
})`

// TestBrowserHeatmapLabels opens the embedded model at 1280×720 with a
// Chinese prompt whose tokens are long (从前有一个 is one token) on an
// attention pattern and on the next-token step, whose loss strip labels
// each row "token → next token": no label is cut unseen.
func TestBrowserHeatmapLabels(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	_, ts := newTestServer(t, withDefaultModel(t))
	prompts := []string{"从前有一个小女孩，她叫小红。", "从前有一个小女孩，她叫小红。她有一顶红色的帽子。"}
	for _, lang := range []string{"zh", "en"} {
		for i, prompt := range prompts {
			for _, step := range []string{"L3.softmax", "probs", "L0.qkv"} {
				t.Run(fmt.Sprint(lang, "-", i, "-", step), func(t *testing.T) {
					ctx := screen(t, 1280, 720)
					q := url.Values{"prompt": {prompt}, "step": {step}, "head": {"1"}, "lang": {lang}}
					err := chromedp.Do(ctx,
						chromedp.Navigate(ts.URL+"/?lang="+lang+"#"+q.Encode()),
						browsertest.Until(painted),
						browsertest.Until(`!!explorer.run() && explorer.run().done && explorer.view().step === '`+step+`'`),
						browsertest.Until(`document.querySelectorAll('#heatmaps .hm-rows span').length > 0`),
						shot(fmt.Sprint("labels-", lang, "-", i, "-", step)),
					)
					if err != nil {
						t.Fatal(err)
					}
					for _, cut := range browsertest.Eval[[]string](t, ctx, labelsCut) {
						t.Errorf("label %s", cut)
					}
				})
			}
		}
	}
}
