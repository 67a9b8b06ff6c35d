package web

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/transformer-explorer/explorer/web/internal/browsertest"
)

// screen opens a tab whose viewport is exactly w × h CSS pixels, as a
// projector or laptop of that resolution shows the page.
func screen(t *testing.T, w, h int) context.Context {
	t.Helper()
	ctx := browsertest.Tab(t, w, h)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(int64(w), int64(h))); err != nil {
		t.Fatal(err)
	}
	return ctx
}

// geometry measures what issue 14 asks of a screen: no horizontal
// scrolling, the heatmap and the lesson side by side, and the first
// heatmap with its colour scale inside the window.
const geometry = `(() => {
  const r = (el) => el.getBoundingClientRect();
  const doc = document.documentElement;
  const canvas = r(document.querySelector('#heatmaps figure.matrix .hm-area canvas'));
  const scale = r(document.querySelector('#heatmaps figure.matrix .hm-scale'));
  const lesson = r(document.querySelector('#right'));
  return {
    overflowX: doc.scrollWidth - doc.clientWidth + document.body.scrollWidth - document.body.clientWidth,
    sideBySide: lesson.left >= canvas.right && lesson.top < canvas.bottom && canvas.top < lesson.bottom ? 1 : 0,
    canvasBottom: canvas.bottom, scaleBottom: scale.bottom, scaleRight: scale.right, canvasRight: canvas.right,
    lessonRight: lesson.right, lessonTop: lesson.top, height: innerHeight, width: innerWidth,
  };
})()`

// zhLeaks lists the visible text of the page, in Chinese mode, that is
// English: Latin words outside tokens, formulas, numbers and code that no
// Chinese message of the catalogue uses (the technical terms a Chinese
// class writes in Latin letters, like Softmax), and any text that is an
// English message of the catalogue. An English term glossed in
// full-width parentheses after its Chinese term is allowed.
const zhLeaks = `(async () => {
  const { messages } = await import('/i18n/messages.js');
  const allowed = new Set();
  for (const m of Object.values(messages.zh)) for (const w of m.match(/[A-Za-z][A-Za-z0-9_'-]*/g) || []) allowed.add(w);
  const name = document.querySelector('#model-name')?.textContent || '';
  for (const w of [name, ...name.split(/\W+/), 'PNG', 'SVG', 'PDF']) allowed.add(w); // the model's name, file formats
  for (const tok of explorer.run().tokens) for (const w of tok.match(/[A-Za-z][A-Za-z0-9_'-]*/g) || []) allowed.add(w); // the prompt's tokens
  const english = new Set(Object.keys(messages.en).filter((k) => messages.en[k] !== messages.zh[k]).map((k) => messages.en[k]));
  const skip = '.chip, #prompt, math, .hm-rows, .hm-cols, .tok, code, pre, .top-table th, .lang, .hm-scale, .step-formula, .lesson-formula, .lesson-math, [aria-hidden=true], script, style, dialog:not([open])';
  const leaks = [];
  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walk.nextNode(); n; n = walk.nextNode()) {
    const text = n.textContent.trim();
    if (!text) continue;
    const el = n.parentElement;
    if (el.closest(skip) || !el.getClientRects().length || getComputedStyle(el).visibility === 'hidden') continue;
    if (english.has(text)) { leaks.push(text); continue; }
    // An English term glossed in parentheses after its Chinese one,
    // "归纳头（induction head）", is a translation's aid, not a leak.
    const unglossed = text.replace(/（[A-Za-z][A-Za-z0-9 '-]*）/g, "");
    for (const w of unglossed.match(/[A-Za-z][A-Za-z0-9_'-]*/g) || []) {
      if (w.length > 1 && !allowed.has(w)) leaks.push(w + ' in "' + text.slice(0, 60) + '"');
    }
  }
  return leaks;
})()`

// zhLeaksNoRun is zhLeaks for a page without the explorer's run.
// The model's name is the tiny model's.
var zhLeaksNoRun = strings.NewReplacer(
	"for (const tok of explorer.run().tokens)", "for (const tok of [])",
	"document.querySelector('#model-name')?.textContent || ''", "'tiny-gpt2'",
).Replace(zhLeaks)

// thirteen is a prompt of 13 tokens with GPT-2's vocabulary, as the
// issue's 13×13 attention map.
const thirteen = "Once upon a time there was a little cat who liked to sleep"

// TestBrowserScreens checks the page at the screens classes use, in
// English and Chinese: heatmap and lesson side by side, no horizontal
// scrollbar, the colour scale in view; in Chinese no visible English
// outside tokens and formulas; in projector mode the same.
func TestBrowserScreens(t *testing.T) {
	ts := browserServer(t, nil)
	for _, sz := range [][2]int{{1280, 720}, {1366, 768}, {1920, 1080}} {
		for _, lang := range []string{"en", "zh"} {
			for _, projector := range []bool{false, true} {
				name := fmt.Sprintf("%dx%d-%s", sz[0], sz[1], lang)
				if projector {
					name += "-projector"
				}
				t.Run(name, func(t *testing.T) {
					ctx := screen(t, sz[0], sz[1])
					hash := "#prompt=" + strings.ReplaceAll(thirteen, " ", "+") + "&step=L1.softmax&head=2&lang=" + lang
					if projector {
						hash += "&projector=1"
					}
					err := chromedp.Do(ctx,
						chromedp.Navigate(ts.URL+"/"+hash),
						browsertest.Until(painted),
						browsertest.Until(`!!explorer.run() && explorer.run().done && explorer.run().tokens.length === 13`),
						visible(`#lesson .lesson-panel[data-step="L1.softmax"][lang="`+lang+`"]`),
						shot("screen-"+name),
					)
					if err != nil {
						t.Fatal(err)
					}
					g := browsertest.Eval[map[string]float64](t, ctx, geometry)
					if g["overflowX"] > 0 {
						t.Errorf("horizontal overflow of %v px", g["overflowX"])
					}
					if g["sideBySide"] != 1 {
						t.Errorf("the heatmap and the lesson are not side by side: %v", g)
					}
					if !(g["scaleBottom"] <= g["height"]) || !(g["canvasBottom"] <= g["height"]) || !(g["canvasRight"] <= g["width"]) {
						t.Errorf("the heatmap or its colour scale is outside the %v×%v window: %v", g["width"], g["height"], g)
					}
					if lang == "zh" {
						leaks, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](zhLeaks, chromedp.EvalAwaitPromise))
						if err != nil {
							t.Fatal(err)
						}
						if len(leaks) > 0 {
							t.Errorf("English on the Chinese page: %q", leaks)
						}
					}
				})
			}
		}
	}
}

// TestBrowserArrowsAfterEnter: right after Enter the arrow keys step, and
// do not move the cursor in the prompt box.
func TestBrowserArrowsAfterEnter(t *testing.T) {
	ts, ctx := screenTest(t)
	err := chromedp.Do(ctx,
		chromedp.Navigate(ts.URL+"/#step=L0.scores"),
		browsertest.Until(painted),
		browsertest.Discard(chromedp.Evaluate[string](`document.querySelector('#prompt').value = ''`)),
		chromedp.SendKeys(chromedp.CSS("#prompt"), "The cat sat"),
		pressEnter,
		browsertest.Until(`!!explorer.run() && explorer.run().done && explorer.run().text === 'The cat sat'`),
		chromedp.KeyEvent(kb.ArrowRight), // from the keyboard
		browsertest.Until(`explorer.view().step === 'L0.mask'`),
		chromedp.KeyEvent(kb.ArrowRight),
		browsertest.Until(`explorer.view().step === 'L0.softmax'`),
		chromedp.KeyEvent(kb.ArrowLeft),
		browsertest.Until(`explorer.view().step === 'L0.mask'`),
	)
	if err != nil {
		t.Fatal(err)
	}
	if v := browsertest.Eval[string](t, ctx, `document.querySelector('#prompt').value`); v != "The cat sat" {
		t.Errorf("the arrow keys edited the prompt: %q", v)
	}
}

// TestBrowserErrorsRecover: a too-long prompt reports the limit and keeps
// the last run on screen (no endless wait), an empty one asks for text,
// and a good prompt afterwards runs.
func TestBrowserErrorsRecover(t *testing.T) {
	ts, ctx := screenTest(t)
	long := strings.Repeat("word ", 200) // 200 tokens; the tiny model reads 64
	err := chromedp.Do(ctx,
		chromedp.Navigate(ts.URL+"/#prompt=The+cat+sat&step=L0.softmax"),
		browsertest.Until(painted),
		browsertest.Until(`!!explorer.run() && explorer.run().done`),
		browsertest.Discard(chromedp.Evaluate[string](`document.querySelector('#prompt').value = '`+long+`'`)),
		pressEnter,
		browsertest.Until(`document.querySelector('#status').classList.contains('error')`),
		shot("error-too-long"),
	)
	if err != nil {
		t.Fatal(err)
	}
	status := text(t, ctx, "#status")
	if !strings.Contains(status, "64") || !strings.Contains(status, "too long") {
		t.Errorf("status after a too-long prompt: %q", status)
	}
	if got := browsertest.Eval[string](t, ctx, `explorer.run().text`); got != "The cat sat" {
		t.Errorf("after the error the page shows run %q, want the last good one", got)
	}
	if browsertest.Eval[bool](t, ctx, `explorer.pending() || document.querySelector('#heatmaps').textContent.includes('waiting')`) {
		t.Error("the page still waits after the error")
	}
	if browsertest.Eval[bool](t, ctx, painted) != true {
		t.Error("the last run's heatmap is gone")
	}
	err = chromedp.Do(ctx,
		browsertest.Discard(chromedp.Evaluate[string](`document.querySelector('#prompt').value = '   '`)),
		pressEnter,
		browsertest.Until(`document.querySelector('#status').textContent === 'Type a prompt first.'`),
		browsertest.Discard(chromedp.Evaluate[string](`document.querySelector('#prompt').value = 'A dog ran home'`)),
		pressEnter,
		browsertest.Until(`!!explorer.run() && explorer.run().done && explorer.run().text === 'A dog ran home'`),
		browsertest.Until(painted),
		click("#gen-step"),
	)
	if err != nil {
		t.Fatalf("a good prompt after the errors: %v", err)
	}
}

// TestBrowserCellArithmetic hovers a pattern cell (tooltip with both
// tokens and the value, row and column highlighted) and clicks it: the
// lesson panel shows the cell's arithmetic, whose weight is the one the
// page drew.
func TestBrowserCellArithmetic(t *testing.T) {
	ts, ctx := screenTest(t)
	err := chromedp.Do(ctx,
		chromedp.Navigate(ts.URL+"/#prompt=The+cat+sat+on+the+mat&step=L1.weighted_sum&head=1"),
		browsertest.Until(painted),
		browsertest.Until(`!!explorer.run() && explorer.run().done && !!document.querySelector('figure[data-hook="blocks.1.attn.hook_pattern"] .hm-area canvas')`),
	)
	if err != nil {
		t.Fatal(err)
	}
	// The centre of cell (query 4, key 1).
	if err := chromedp.Do(ctx, chromedp.ScrollIntoView(chromedp.CSS(`figure[data-hook="blocks.1.attn.hook_pattern"] .hm-area canvas`))); err != nil {
		t.Fatal(err)
	}
	at := browsertest.Eval[[]float64](t, ctx, `(() => {
	  document.querySelector('figure[data-hook="blocks.1.attn.hook_pattern"] .hm-area canvas').dataset.mark = '1';
	  const c = document.querySelector('figure[data-hook="blocks.1.attn.hook_pattern"] .hm-area canvas').getBoundingClientRect();
	  return [c.left + c.width * 1.5 / 6, c.top + c.height * 4.5 / 6];
	})()`)
	err = chromedp.Do(ctx,
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := chromedp.Call(ctx, input.DispatchMouseEvent, input.DispatchMouseEventParams{Type: input.DispatchMouseEventTypeMouseMoved, X: at[0], Y: at[1]})
			return err
		}),
		browsertest.Until(`!document.querySelector('#tooltip').hidden`),
		shot("cell-hover"),
	)
	if err != nil {
		t.Fatal(err, at, browsertest.Eval[string](t, ctx, `document.elementFromPoint(`+fmt.Sprint(at[0])+`, `+fmt.Sprint(at[1])+`)?.outerHTML.slice(0, 200)`))
	}
	if !browsertest.Eval[bool](t, ctx, `document.querySelector('figure[data-hook="blocks.1.attn.hook_pattern"] .hm-area canvas').dataset.mark === '1'`) {
		t.Error("the heatmap was drawn again under the mouse")
	}
	tip := text(t, ctx, "#tooltip")
	if !strings.Contains(tip, "query 4 “␣the”") || !strings.Contains(tip, "key 1 “␣cat”") {
		t.Errorf("tooltip %q", tip)
	}
	if !browsertest.Eval[bool](t, ctx, `[...document.querySelectorAll('figure[data-hook="blocks.1.attn.hook_pattern"] .hl')].map((e) => e.textContent).sort().join('|') === '␣cat|␣the'`) {
		t.Error("the row and column labels of the cell are not highlighted")
	}
	err = chromedp.Do(ctx,
		chromedp.MouseClickXY(at[0], at[1]),
		browsertest.Until(`!!document.querySelector('#explain .explain-cell[data-q="4"][data-k="1"]')`),
		shot("cell-arithmetic"),
	)
	if err != nil {
		dbg, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch('/explain?' + new URLSearchParams({session: 'x', step: 'L1.weighted_sum', head: 1, q: 4, k: 1})).then(async (r) => r.status + await r.text())`, chromedp.EvalAwaitPromise))
		t.Fatal(err, browsertest.Eval[string](t, ctx, `document.querySelector('#explain').outerHTML.slice(0, 300)`), dbg)
	}
	shown := browsertest.Eval[string](t, ctx, `document.querySelector('#explain-weight').textContent`)
	want := browsertest.Eval[float64](t, ctx, `explorer.tensor('blocks.1.attn.hook_pattern').data[(1 * 6 + 4) * 6 + 1]`)
	var got float64
	if _, err := fmt.Sscan(strings.ReplaceAll(shown, "−", "-"), &got); err != nil || !(math.Abs(got-want) <= 1e-4) {
		t.Errorf("the panel's weight %q, the pattern's %v", shown, want)
	}
	if !strings.Contains(text(t, ctx, "#explain"), "× v") {
		t.Error("the weighted-sum step does not show how the weight scales v")
	}
}

// TestBrowserTrainChinese opens the training view in Chinese, starts a
// short run and checks its words, the progress line included, are
// Chinese.
func TestBrowserTrainChinese(t *testing.T) {
	ts, ctx := screenTest(t)
	err := chromedp.Do(ctx,
		chromedp.Navigate(ts.URL+"/train?lang=zh"),
		browsertest.Until(`!document.querySelector('#train-start').disabled`),
		browsertest.Discard(chromedp.Evaluate[string](`document.querySelector('#train-steps').value = '3'`)),
		click("#train-start"),
		browsertest.Until(`document.querySelector('#train-status').textContent.startsWith('完成')`),
		shot("train-zh"),
	)
	if err != nil {
		t.Fatal(err)
	}
	leaks, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](zhLeaksNoRun, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	if len(leaks) > 0 {
		t.Errorf("English on the Chinese training view: %q", leaks)
	}
}
