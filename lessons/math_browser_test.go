package lessons

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromium returns a headless Chromium tab for a browser test. Without
// Chromium the test is skipped, except under CI=true, where that is a
// failure. (web/internal/browsertest does the same for the web package,
// which lessons may not import.)
func chromium(t *testing.T) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("Chromium is required for the browser tests under CI=true (apt-get install chromium)")
		}
		t.Skip("no Chromium: skipping the browser test")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1000, 1400))
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	ctx, cancelTime := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(func() { cancelTime(); cancel(); cancelAlloc() })
	return ctx
}

// measureMath is run in the page: for the first display formula of the
// self-attention lesson it measures the \left( against the fraction it
// encloses; for the residual-stream lesson's first \underbrace it gives
// the band between the braced number and its label, where the brace is
// drawn (Chromium reports a stretched operator's box at its unstretched
// size, so the brace is measured in pixels).
const measureMath = `(() => {
  const r = e => e.getBoundingClientRect();
  const att = document.querySelector('#lesson-self-attention .lesson-math math');
  const open = [...att.querySelectorAll('mo')].find(e => e.textContent === '(' && e.getAttribute('stretchy') === 'true');
  const frac = att.querySelector('mfrac');
  const brace = [...document.querySelectorAll('#lesson-residual-stream mo')].find(e => e.textContent === '\u23DF');
  const base = r(brace.parentElement.firstElementChild), label = r(brace.parentElement.nextElementSibling);
  return JSON.stringify({
    paren: r(open).height, frac: r(frac).height,
    x: base.left + scrollX, w: base.width, y: base.bottom + scrollY, h: label.top - base.bottom,
    family: getComputedStyle(att).fontFamily,
  });
})()`

// inkedColumns returns the share of the pixel columns of the band
// (x, y, w, h), in CSS pixels of a device-pixel-ratio-1 page, that hold a
// dark pixel.
func inkedColumns(img image.Image, x, y, w, h float64) float64 {
	x0, x1 := int(math.Ceil(x)), int(math.Floor(x+w))
	y0, y1 := int(math.Floor(y)), int(math.Ceil(y+max(h, 2)))
	if x1 <= x0 {
		return 0
	}
	inked := 0
	for px := x0; px < x1; px++ {
		for py := y0; py < y1; py++ {
			r, g, b, _ := img.At(px, py).RGBA()
			if r+g+b < 3*0x8000 {
				inked++
				break
			}
		}
	}
	return float64(inked) / float64(x1-x0)
}

// TestMathRendersInChromium renders two lessons with the lessons'
// stylesheet in headless Chromium and measures their formulas: the
// parentheses of softmax(QKᵀ/√d_k + M) must stretch to the height of the
// fraction, and an \underbrace must stretch across the number it braces.
// Both need a font with an OpenType MATH table (STIX Two Math, DejaVu
// Math TeX Gyre or Latin Modern Math, which .ci/run installs); with a
// plain text font Chromium draws a one-line "(" and a small "⏟".
func TestMathRendersInChromium(t *testing.T) {
	ctx := chromium(t)
	lib := mustLoad(t)
	d := FromTrace(tinyTrace(t, testPrompts[0]))
	var body string
	for _, id := range []string{"self-attention", "residual-stream"} {
		h, err := lib.Render(id, "en", NewContext(d))
		if err != nil {
			t.Fatal(err)
		}
		body += string(h)
	}
	page := "<!doctype html><html lang=en><meta charset=utf-8><style>" + CSS() + "</style><body>" + body + "</body></html>"
	file := filepath.Join(t.TempDir(), "math.html")
	if err := os.WriteFile(file, []byte(page), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Navigate("file://"+file)); err != nil {
		t.Fatal(err)
	}
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](measureMath))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Paren, Frac, X, W, Y, H float64
		Family                  string
	}
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		t.Fatal(err)
	}
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	if dir := os.Getenv("LESSONS_SHOTS"); dir != "" {
		os.WriteFile(filepath.Join(dir, "math.png"), shot, 0o644)
	}
	img, err := png.Decode(bytes.NewReader(shot))
	if err != nil {
		t.Fatal(err)
	}
	covered := inkedColumns(img, m.X, m.Y, m.W, m.H)
	t.Logf("font-family %s: \\left( %.1f px high around a fraction of %.1f px; \\underbrace inks %.0f%% of the %.1f px under its number", m.Family, m.Paren, m.Frac, 100*covered, m.W)
	if !(m.Frac > 0) || !(m.Paren >= 0.9*m.Frac) {
		t.Errorf(`\left( is %.1f px high around a fraction of %.1f px: it does not stretch (HINT: install a font with a MATH table: apt-get install fonts-dejavu-extra fonts-lmodern)`, m.Paren, m.Frac)
	}
	if !(covered >= 0.8) {
		t.Errorf(`\underbrace inks %.0f%% of the width under its number, want ≥ 80%%: it does not stretch`, 100*covered)
	}
}
