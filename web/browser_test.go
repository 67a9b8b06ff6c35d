package web

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"github.com/transformer-explorer/explorer/engine"
	"github.com/transformer-explorer/explorer/web/internal/browsertest"
)

// browserServer begins a browser test of the page, skipped in -short
// mode, by serving the tiny model (edit changes the options, as in
// newTestServer).
func browserServer(t *testing.T, edit func(*Options)) *httptest.Server {
	t.Helper()
	if testing.Short() {
		t.Skip("browser test")
	}
	_, ts := newTestServer(t, edit)
	return ts
}

// browserTest is browserServer with a tab of width × height.
func browserTest(t *testing.T, edit func(*Options), width, height int) (*httptest.Server, context.Context) {
	t.Helper()
	return browserServer(t, edit), browsertest.Tab(t, width, height)
}

// screenTest is browserServer with a tab on a projector's 1280×720
// screen, its viewport emulated (screen).
func screenTest(t *testing.T) (*httptest.Server, context.Context) {
	t.Helper()
	return browserServer(t, nil), screen(t, 1280, 720)
}

// painted is true once the first heatmap canvas holds a non-white pixel.
const painted = `(() => {
  const c = document.querySelector('#heatmaps .hm-area canvas');
  if (!c || !c.width) return false;
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  for (let i = 0; i < d.length; i += 4) {
    if (d[i+3] && (d[i] !== 255 || d[i+1] !== 255 || d[i+2] !== 255)) return true;
  }
  return false;
})()`

func visible(sel string) chromedp.Action[chromedp.Void] {
	return chromedp.WaitVisible(chromedp.CSS(sel))
}
func click(sel string) chromedp.Action[chromedp.Void] { return chromedp.Click(chromedp.CSS(sel)) }

func text(t testing.TB, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

// pressEnter presses Enter in the prompt box. (CDP's synthetic key events
// insert the newline even when the page cancels the keydown, which a real
// keyboard does not, so the keydown is dispatched in the page.)
var pressEnter = browsertest.Discard(chromedp.Evaluate[bool](`document.querySelector('#prompt').dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter', bubbles: true, cancelable: true}))`))

// shot saves a screenshot when EXPLORER_SHOTS names a directory.
func shot(name string) chromedp.Action[chromedp.Void] {
	dir := os.Getenv("EXPLORER_SHOTS")
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		if dir == "" {
			return nil
		}
		buf, err := chromedp.FullScreenshot(100)(ctx, t)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, name+".png"), buf, 0o644)
	})
}

// TestBrowserStepThrough drives the page as a learner would: enter a
// prompt, see a heatmap paint, step forward three times with the lesson
// following, and download the current plot as a PNG.
func TestBrowserStepThrough(t *testing.T) {
	ts, ctx := browserTest(t, nil, 1600, 1000)
	downloads := t.TempDir()

	err := chromedp.Do(ctx,
		chromedp.Navigate(ts.URL+"/#step=L0.softmax&head=1"),
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := chromedp.Call(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
				Behavior:     browser.SetDownloadBehaviorBehaviorAllow,
				DownloadPath: downloads,
			})
			return err
		}),
		visible("#prompt"),
		browsertest.Discard(chromedp.Evaluate[string](`document.querySelector('#prompt').value = ''`)),
		chromedp.SendKeys(chromedp.CSS("#prompt"), "The cat sat on the mat. The cat"),
		pressEnter,
		browsertest.Until(painted),
		browsertest.Until(`!!explorer.run() && explorer.run().done && explorer.run().tokens.length === 9`),
		visible(`#lesson .lesson-panel[data-step="L0.softmax"]`),
		shot("desktop-softmax"),
	)
	if err != nil {
		t.Fatalf("first heatmap: %v", err)
	}
	seen := text(t, ctx, "#step-title")
	if !strings.Contains(seen, "Softmax") {
		t.Fatalf("step title %q", seen)
	}
	for _, id := range []string{"L0.weighted_sum", "L0.attn_out", "L0.resid_mid"} {
		if err := chromedp.Do(ctx, click("#next"), visible(`#lesson .lesson-panel[data-step="`+id+`"]`)); err != nil {
			t.Fatalf("step to %s: %v", id, err)
		}
		title := text(t, ctx, "#step-title")
		if title == seen {
			t.Fatalf("the step title stayed %q", title)
		}
		seen = title
	}
	hash, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.hash`))
	if err != nil {
		t.Fatal(err)
	}
	q, _ := url.ParseQuery(strings.TrimPrefix(hash, "#"))
	if q.Get("step") != "L0.resid_mid" || q.Get("prompt") != "The cat sat on the mat. The cat" {
		t.Errorf("the URL does not keep the view: %s", hash)
	}

	// Back to an attention step and download its plot.
	if err := chromedp.Do(ctx,
		click("#back"), click("#back"), click("#back"),
		visible(`#lesson .lesson-panel[data-step="L0.softmax"]`),
		shot("desktop-lesson"),
		click(`#downloads button[data-format="png"]`),
	); err != nil {
		t.Fatal(err)
	}
	var png []byte
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) && png == nil {
		time.Sleep(100 * time.Millisecond)
		files, _ := filepath.Glob(filepath.Join(downloads, "*.png"))
		if len(files) > 0 {
			png, _ = os.ReadFile(files[0])
		}
	}
	if !strings.HasPrefix(string(png), "\x89PNG\r\n\x1a\n") {
		t.Fatalf("the download is not a PNG (%d bytes)", len(png))
	}
}

// TestBrowserHeldPatterns runs a prompt whose attention patterns are all
// held (a tiny eager limit, as a long prompt's are): the step on screen
// still paints, fetched while or after the pass runs, and the model map
// draws every layer from the pooled thumbnails.
func TestBrowserHeldPatterns(t *testing.T) {
	ts, ctx := browserTest(t, func(o *Options) { o.EagerLimit = 50 }, 1600, 1000)
	err := chromedp.Do(ctx,
		chromedp.Navigate(ts.URL+"/#prompt=The+cat+sat+on+the+mat.+The+cat&step=L1.softmax&head=3"),
		browsertest.Until(painted),
		browsertest.Until(`!!explorer.run() && explorer.run().done`),
		shot("held-patterns"),
	)
	if err != nil {
		t.Fatal(err)
	}
	drawn, err := chromedp.Run(ctx, chromedp.Evaluate[int](`[...document.querySelectorAll('#model-map canvas')].filter((c) => c.width === 9).length`)) // drawThumb sizes a canvas to the pattern: 9 tokens
	if err != nil {
		t.Fatal(err)
	}
	status := text(t, ctx, "#status")
	if drawn != 2*4 || strings.Contains(status, "no longer current") {
		t.Errorf("%d model-map thumbnails drawn (want 8); status %q", drawn, status)
	}
}

// TestBrowserProjector renders the page at a projector's 1280×720 and in
// Chinese, checks the lesson and model map, and generates one token.
func TestBrowserProjector(t *testing.T) {
	ts, ctx := browserTest(t, nil, 1280, 720)
	err := chromedp.Do(ctx,
		chromedp.Navigate(ts.URL+"/#prompt=Once+upon+a+time+there+was+a+cat&step=L1.scores&head=2&lang=zh"),
		browsertest.Until(painted),
		visible(`#lesson .lesson-panel[data-step="L1.scores"][lang="zh"]`),
		shot("projector-scores-zh"),
		click(`#generate summary`),
		click(`#gen-step`),
		visible(`#gen-result .picked-token`),
		shot("projector-generate"),
	)
	if err != nil {
		t.Fatal(err)
	}
	thumbs, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('#model-map canvas').length`))
	if err != nil {
		t.Fatal(err)
	}
	if thumbs != 2*4 {
		t.Errorf("model map has %d thumbnails, want 8", thumbs)
	}
}

// BenchmarkBrowserFirstPaint measures, in the browser, the time from
// pressing Enter on a 32-token prompt to the first painted heatmap and to
// the full model map, and the bytes streamed, for the tiny conformance
// model and the embedded default model.
func BenchmarkBrowserFirstPaint(b *testing.B) {
	b.Run("model=tiny-gpt2", func(b *testing.B) { benchFirstPaint(b, nil) })
	b.Run("model=default", func(b *testing.B) {
		benchFirstPaint(b, withDefaultModel(b))
	})
	b.Run("model=gpt2-small-shape", func(b *testing.B) {
		m := gpt2SmallShaped(b)
		_, tok, _ := loadTiny(b) // GPT-2's own vocabulary
		benchFirstPaint(b, func(o *Options) { o.Model, o.Tokenizer = m, tok })
	})
}

// gpt2SmallShaped returns a model of GPT-2 small's shape (12 layers, 12
// heads, width 768, 50,257 tokens) with random weights: the speed of the
// real checkpoint without downloading it.
func gpt2SmallShaped(b testing.TB) *engine.Model {
	cfg := engine.Config{ModelType: "gpt2", VocabSize: 50257, NPositions: 1024, NEmbd: 768, NLayer: 12, NHead: 12,
		ActivationFunction: "gelu_new", LayerNormEpsilon: 1e-5}
	p := engine.NewParams(cfg)
	r := rand.New(rand.NewPCG(1, 2))
	flat := p.Flat()
	for i := range flat {
		flat[i] = float32(r.NormFloat64() * 0.02)
	}
	m, err := engine.New(cfg, *p)
	if err != nil {
		b.Fatal(err)
	}
	m.Name = "gpt2-small-shape"
	b.Cleanup(func() { m.Close() })
	return m
}

func benchFirstPaint(b *testing.B, edit func(*Options)) {
	_, ts := newTestServer(b, edit)
	ctx := browsertest.Tab(b, 1600, 1000)
	if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/#step=L0.softmax"), browsertest.Until(painted)); err != nil {
		b.Fatal(err)
	}
	prompt := strings.TrimSpace(strings.Repeat("one two three four ", 8)) // 32 tokens with GPT-2's vocabulary
	var first, full, kb float64
	for i := 0; i < b.N; i++ {
		start := fmt.Sprintf(`document.querySelector('#prompt').value = %q + ' ' + %d; true`, prompt, i%10)
		if err := chromedp.Do(ctx,
			browsertest.Discard(chromedp.Evaluate[bool](start)),
			pressEnter,
			browsertest.Until(`!!explorer.run() && explorer.run().done && !explorer.pending() && explorer.timings.modelMap !== undefined && explorer.timings.firstPaint !== undefined`),
		); err != nil {
			b.Fatal(err)
		}
		timings, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]float64](`explorer.timings`))
		if err != nil {
			b.Fatal(err)
		}
		first += timings["firstPaint"]
		full += timings["modelMap"]
		kb += timings["kb"]
	}
	b.ReportMetric(first/float64(b.N), "ms-first-heatmap")
	b.ReportMetric(full/float64(b.N), "ms-model-map")
	b.ReportMetric(kb/float64(b.N), "KB-streamed")
}

// BenchmarkBrowserStepSwitch measures, in the browser, pressing Next until
// the new step's heatmaps are painted (the click, the redraw and two
// animation frames), over the steps of a 32-token run whose tensors are
// all on the page.
func BenchmarkBrowserStepSwitch(b *testing.B) {
	b.Run("model=tiny-gpt2", func(b *testing.B) { benchStepSwitch(b, nil) })
	b.Run("model=default", func(b *testing.B) {
		benchStepSwitch(b, withDefaultModel(b))
	})
}

func benchStepSwitch(b *testing.B, edit func(*Options)) {
	_, ts := newTestServer(b, edit)
	ctx := browsertest.Tab(b, 1280, 720)
	prompt := strings.ReplaceAll(strings.TrimSpace(strings.Repeat("one two three four ", 8)), " ", "+")
	steps := `explorer.steps().map((s) => s.hooks).flat()`
	if err := chromedp.Do(ctx,
		chromedp.Navigate(ts.URL+"/#step=embed&prompt="+prompt),
		browsertest.Until(`!!explorer.run() && explorer.run().done`),
		browsertest.Discard(chromedp.Evaluate[bool](`explorer.fetch(`+steps+`).then(() => true)`, chromedp.EvalAwaitPromise)),
	); err != nil {
		b.Fatal(err)
	}
	var total, sync float64
	n := 0
	for b.Loop() {
		ms, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`(async () => {
		  if (explorer.view().step === explorer.steps().at(-1).id) document.querySelector('#first').click();
		  const t0 = performance.now();
		  document.querySelector('#next').click();
		  const t1 = performance.now();
		  await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
		  return [performance.now() - t0, t1 - t0];
		})()`, chromedp.EvalAwaitPromise))
		if err != nil {
			b.Fatal(err)
		}
		total += ms[0]
		sync += ms[1]
		n++
	}
	b.ReportMetric(total/float64(n), "ms/step")
	b.ReportMetric(sync/float64(n), "ms-redraw/step")
}

// TestBrowserShowsCloseReason opens more tabs than one computer may: the
// refused tab shows the server's reason in the page's language, not a
// generic disconnection, with the server's English as its tip.
func TestBrowserShowsCloseReason(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	for _, tc := range []struct {
		lang, want string
	}{
		{"en", "This computer has reached its limit of 1 explorer tabs"},
		{"zh", "这台电脑打开的 Explorer 标签页已达上限（1 个）"},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			_, ts := newTestServer(t, func(o *Options) { o.MaxSessionsPerClient = 1 })
			first := browsertest.Tab(t, 1200, 800)
			page := ts.URL + "/?lang=" + tc.lang
			if err := chromedp.Do(first, chromedp.Navigate(page), browsertest.Until(`!!window.explorer && explorer.steps().length > 0`)); err != nil {
				t.Fatal(err)
			}
			second, cancel := chromedp.NewContext(first) // another tab of the same browser
			defer cancel()
			if err := chromedp.Do(second, chromedp.Navigate(page),
				browsertest.Until(`document.querySelector('#status').title.includes('explorer tabs')`),
				shot("close-reason-"+tc.lang)); err != nil {
				t.Fatal(err)
			}
			if s := text(t, second, "#status"); !strings.Contains(s, tc.want) {
				t.Errorf("status %q, want %q", s, tc.want)
			}
			if tip := browsertest.Eval[string](t, second, `document.querySelector('#status').title`); !strings.Contains(tip, "this computer has reached its limit of 1 explorer tabs") {
				t.Errorf("the status's tip %q, want the server's English", tip)
			}
		})
	}
}
