package web

import (
	"context"
	"encoding/base64"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"github.com/transformer-explorer/explorer/trace"
	"github.com/transformer-explorer/explorer/trace/npy"
	"github.com/transformer-explorer/explorer/trace/table"
	"github.com/transformer-explorer/explorer/trace/tracetest"
	"github.com/transformer-explorer/explorer/web/internal/browsertest"
)

// dropFile is JavaScript that drops a file of the given bytes (base64) and
// name on the page, as a learner dragging it from their desktop does.
func dropFile(name string, data []byte) chromedp.Action[chromedp.Void] {
	js := fmt.Sprintf(`(() => {
  const bin = atob(%q);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  const dt = new DataTransfer();
  dt.items.add(new File([bytes], %q));
  document.body.dispatchEvent(new DragEvent("dragenter", { dataTransfer: dt, bubbles: true }));
  document.body.dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }));
  return true;
})()`, base64.StdEncoding.EncodeToString(data), name)
	return browsertest.Discard(chromedp.Evaluate[bool](js))
}

// fetchHref fetches, in the page, the href of the element sel (a download
// link) and returns the body; an error status fails the test.
func fetchHref(t *testing.T, ctx context.Context, sel string) []byte {
	t.Helper()
	js := fmt.Sprintf(`(async () => {
  const res = await fetch(document.querySelector(%q).href);
  const buf = new Uint8Array(await res.arrayBuffer());
  let s = "";
  for (const b of buf) s += String.fromCharCode(b);
  return (res.ok ? "" : "error:") + btoa(s);
})()`, sel)
	b64, err := chromedp.Run(ctx, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
	if err != nil || strings.HasPrefix(b64, "error:") {
		t.Fatalf("fetch %s: %v %s", sel, err, b64)
	}
	body, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		t.Fatalf("fetch %s: %v", sel, err)
	}
	return body
}

// TestBrowserOpenTraceFile drops a TransformerLens-style cache (a batch
// dimension, F16, no metadata, no MLP hooks; written by numpy) on the
// page, checks the attention heatmap the page draws against the values
// the file holds, takes its numbers out as CSV and .npy (exactly the
// drawn ones), checks that a missing hook is named and generating is off,
// and compares the file with a perturbed copy.
func TestBrowserOpenTraceFile(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	dir := t.TempDir()
	path, want := tracetest.TLCache(t, dir, "--dtype", "F16", "--partial")
	file, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	pattern := trace.Block(1, trace.AttnPattern)
	const head = 2
	wantHead := want.Head(pattern, 0, head)

	_, ts := newTestServer(t, nil)
	ctx := browsertest.Tab(t, 1600, 1000)
	figure := fmt.Sprintf(`#heatmaps figure[data-hook=%q]`, pattern)
	err = chromedp.Do(ctx,
		chromedp.Navigate(ts.URL+"/#step=L1.softmax&head="+strconv.Itoa(head)),
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			for _, name := range []string{"clipboard-read", "clipboard-write"} {
				_, err := chromedp.CallBrowser(ctx, browser.SetPermission, browser.SetPermissionParams{
					Permission: &browser.PermissionDescriptor{Name: name}, Setting: browser.PermissionSettingGranted,
				})
				if err != nil {
					return err
				}
			}
			return nil
		}),
		browsertest.Until(`!!explorer.run() && explorer.run().done`), // the page's own first run
		dropFile("cache.safetensors", file),
		browsertest.Until(`document.querySelector('#model-info').textContent.includes('cache.safetensors')`),
		browsertest.Until(`!!explorer.run() && explorer.run().done && explorer.source() === 'cache.safetensors'`),
		browsertest.Until(`!!document.querySelector('`+figure+` .hm-area canvas')`),
		browsertest.Until(painted),
		shot("trace-file-softmax"),
	)
	if err != nil {
		t.Fatalf("dropping the file: %v", err)
	}

	// The tensor the page drew from, and the value under the mouse.
	drawn, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](fmt.Sprintf(
		`Array.from(explorer.tensor(%q).data.subarray(%d, %d))`, pattern, head*25, (head+1)*25)))
	if err != nil {
		t.Fatal(err)
	}
	tracetest.Check(t, "the pattern the page drew", drawn, wantHead, exact)
	const q, k = 3, 1
	tip, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(`(() => {
  const c = document.querySelector('%s .hm-area canvas');
  const r = c.getBoundingClientRect();
  c.dispatchEvent(new MouseEvent('mousemove', { clientX: r.left + (%d + 0.5) * r.width / 5, clientY: r.top + (%d + 0.5) * r.height / 5, bubbles: true }));
  return document.querySelector('#tooltip').textContent;
})()`, figure, k, q)))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`: ([-0-9.e]+)$`).FindStringSubmatch(tip)
	if m == nil {
		t.Fatalf("tooltip %q shows no value", tip)
	}
	shown, _ := strconv.ParseFloat(m[1], 64)
	tracetest.CheckScalar(t, "tooltip "+tip, shown, wantHead[q*5+k], trace.Tolerance{Abs: 5e-6}) // six significant digits

	// CSV and .npy of the heatmap: exactly what the page drew.
	csvBody := fetchHref(t, ctx, figure+" a.export-csv")
	tab, err := table.ReadCSV(strings.NewReader(string(csvBody)))
	if err != nil {
		t.Fatal(err)
	}
	tracetest.Check(t, "CSV against the drawn values", tab.Data, drawn, exact)
	if tab.Axes[0].Name != "query" || len(tab.Axes[1].Labels) != 5 {
		t.Errorf("CSV axes %+v", tab.Axes)
	}
	arr, err := npy.Read(fetchHref(t, ctx, figure+" a.export-npy"))
	if err != nil {
		t.Fatal(err)
	}
	tracetest.Check(t, ".npy against the drawn values", arr.Data, drawn, exact)
	// Copy as CSV puts the same text on the clipboard.
	err = chromedp.Do(ctx, click(figure+" button.export-copy"),
		browsertest.Until(`document.querySelector('#status').textContent.includes('5 × 5')`))
	if err != nil {
		t.Fatalf("copy: %v (status %q)", err, text(t, ctx, "#status"))
	}
	clip, err := chromedp.Run(ctx, chromedp.Evaluate[string](`navigator.clipboard.readText()`, chromedp.EvalAwaitPromise))
	if err != nil || clip != string(csvBody) {
		t.Errorf("the clipboard holds %q (%v), want the CSV", clip, err)
	}

	// A step whose hooks the file lacks names them; generating is off.
	err = chromedp.Do(ctx,
		browsertest.Discard(chromedp.Evaluate[bool](`document.querySelector('button[data-step="L0.mlp"]').click(), true`)),
		browsertest.Until(`document.querySelector('#heatmaps').textContent.includes('does not hold blocks.0.mlp.hook_pre')`),
		click(`#generate summary`),
		visible(`#gen-why`),
		shot("trace-file-missing"),
	)
	if err != nil {
		t.Fatalf("missing hooks: %v", err)
	}
	if off, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector('#gen-step').disabled`)); !off {
		t.Error("Next token is enabled for a trace file")
	}

	// Compare with a copy in which one weight of head 2 is perturbed.
	changed := filepath.Join(dir, "perturbed.safetensors")
	const at = head*25 + q*5 + k
	if err := os.WriteFile(changed, perturb(t, file, pattern, at, 0.125), 0o644); err != nil {
		t.Fatal(err)
	}
	err = chromedp.Do(ctx,
		browsertest.Discard(chromedp.Evaluate[bool](`document.querySelector('button[data-step="L1.softmax"]').click(), true`)),
		browsertest.Until(`!!document.querySelector('`+figure+` .hm-area canvas')`),
		visible("#compare-trace"),
		chromedp.SetUploadFiles(chromedp.CSS("#compare-file"), []string{changed}),
		browsertest.Until(`document.querySelectorAll('#heatmaps .compare-row .hm-area canvas').length >= 3`),
		shot("trace-file-compare"),
	)
	if err != nil {
		dbg, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify({c: !!explorer.comparison(), held: explorer.comparison() && [...explorer.comparison().held.keys()].length, tensors: explorer.comparison() && [...explorer.comparison().tensors.keys()], rows: document.querySelectorAll('.compare-row').length, figs: document.querySelectorAll('#heatmaps figure').length})`))
		t.Fatalf("compare: %v (status %q, note %q) %s", err, text(t, ctx, "#status"), text(t, ctx, "#trace-note"), dbg)
	}
	summary := text(t, ctx, "#heatmaps .compare-max")
	if !strings.Contains(summary, "0.125") || !strings.Contains(summary, "[2, 3, 1]") {
		t.Errorf("comparison summary %q", summary)
	}
	d, err := npy.Read(fetchHref(t, ctx, `#heatmaps .compare-row .compare-cell:nth-child(3) a.export-npy`))
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range d.Data {
		if want := 0.0; i == q*5+k {
			if !(math.Abs(v-0.125) <= 1e-6) {
				t.Errorf("B − A at the perturbed cell = %v, want 0.125", v)
			}
		} else if v != want {
			t.Errorf("B − A [%d] = %v, want 0", i, v)
		}
	}
}

// TestBrowserTraceOnly opens the page of a server started with a trace
// file and no model (explorer serve --trace FILE): it shows the trace,
// and says why prompts do not run.
func TestBrowserTraceOnly(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	ts, want := traceOnlyServer(t, "--tokens", "--dtype", "BF16")
	ctx := browsertest.Tab(t, 1400, 900)
	err := chromedp.Do(ctx,
		chromedp.Navigate(ts.URL+"/#step=L0.scores&head=1"),
		browsertest.Until(painted),
		browsertest.Until(`!!explorer.run() && explorer.run().done`),
		visible("#run-why"),
		visible(`#lesson .lesson-panel[data-step="L0.scores"] article`),
		shot("trace-only-scores"),
	)
	if err != nil {
		t.Fatal(err)
	}
	scores := trace.Block(0, trace.AttnScores)
	drawn, err := chromedp.Run(ctx, chromedp.Evaluate[[]any](fmt.Sprintf(
		`Array.from(explorer.tensor(%q).data.subarray(25, 50), (x) => x === -Infinity ? null : x)`, scores)))
	if err != nil {
		t.Fatal(err)
	}
	got := make([]float64, len(drawn))
	for i, x := range drawn {
		got[i] = math.Inf(-1)
		if x != nil {
			got[i] = x.(float64)
		}
	}
	tracetest.Check(t, "scores the page drew", got, want.Head(scores, 0, 1), exact)
	if chips := text(t, ctx, "#tokens"); !strings.Contains(chips, "cat") {
		t.Errorf("token strip %q", chips)
	}
	if off, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector('#run').disabled && document.querySelector('#prompt').disabled`)); !off {
		t.Error("the prompt is enabled without a model")
	}
}
