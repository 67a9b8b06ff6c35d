package web

import (
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/transformer-explorer/explorer/web/internal/browsertest"
)

// TestBrowserLessonHeadLink follows a lesson link that names a head (the
// why lesson's "Show this head" for the prompt's best induction head) from
// another head: the page must go to that layer's scores step and show
// that head.
func TestBrowserLessonHeadLink(t *testing.T) {
	ts, ctx := browserTest(t, nil, 1600, 1000)
	const links = `[...document.querySelectorAll('#lesson a.lesson-step[data-head]')]`
	err := chromedp.Do(ctx,
		chromedp.Navigate(ts.URL+"/#step=L0.scores&lang=en"),
		visible("#prompt"),
		browsertest.Discard(chromedp.Evaluate[string](`document.querySelector('#prompt').value = ''`)),
		chromedp.SendKeys(chromedp.CSS("#prompt"), "Zum, pelo, rika. Zum, pelo, rika."),
		pressEnter,
		browsertest.Until(`!!explorer.run() && explorer.run().done`),
		browsertest.Until(links+`.length >= 2`),
	)
	if err != nil {
		t.Fatalf("load the why lesson: %v", err)
	}
	want, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]string](`(() => { const a = `+links+`.pop(); return {step: a.dataset.step, head: a.dataset.head} })()`))
	if err != nil {
		t.Fatal(err)
	}
	// Start from another head than the link's.
	h, _ := strconv.Atoi(want["head"])
	other := strconv.Itoa((h + 1) % 2)
	err = chromedp.Do(ctx,
		click(`#head-picker button[data-head="`+other+`"]`),
		browsertest.Until(`document.querySelector('#head-picker button.current').dataset.head === "`+other+`"`),
		browsertest.Until(links+`.length >= 2`),
		browsertest.Discard(chromedp.Evaluate[bool](`(() => { `+links+`.pop().click(); return true })()`)),
		visible(`#lesson .lesson-panel[data-step="`+want["step"]+`"]`),
	)
	if err != nil {
		t.Fatalf("follow %v: %v", want, err)
	}
	if head := text(t, ctx, "#head-picker button.current"); strings.TrimSpace(head) != want["head"] {
		t.Errorf("after the link to %s head %s the page shows head %q", want["step"], want["head"], head)
	}
}
