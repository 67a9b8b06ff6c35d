package web

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/transformer-explorer/explorer/web/internal/browsertest"
)

// TestBrowserStatusFollowsLanguage: the status line after a run ("8
// tokens · ran in …") is said again in Chinese when the page switches to
// Chinese after the run, as a student's page does when the class turns
// to Chinese, and in English when it switches back.
func TestBrowserStatusFollowsLanguage(t *testing.T) {
	ts, ctx := screenTest(t)
	err := chromedp.Do(ctx,
		chromedp.Navigate(ts.URL+"/?lang=en#prompt=Once+upon+a+time&step=L0.softmax"),
		browsertest.Until(painted),
		browsertest.Until(`!!explorer.run() && explorer.run().done && /tokens/.test(document.querySelector('#status').textContent)`),
		click(`button.lang[data-lang="zh"]`),
	)
	if err != nil {
		t.Fatal(err)
	}
	zh := text(t, ctx, "#status")
	if !strings.Contains(zh, "个词元") || strings.Contains(zh, "tokens") {
		t.Errorf("after switching to Chinese the status line reads %q, want it in Chinese", zh)
	}
	if err := chromedp.Do(ctx, click(`button.lang[data-lang="en"]`)); err != nil {
		t.Fatal(err)
	}
	if en := text(t, ctx, "#status"); !strings.Contains(en, "tokens") {
		t.Errorf("after switching back to English the status line reads %q", en)
	}
}
