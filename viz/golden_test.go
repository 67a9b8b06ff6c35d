package viz

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/transformer-explorer/explorer/trace"
	"github.com/transformer-explorer/explorer/viz/palette"
)

// goldenTrace is a 4-token trace whose head 0 of layer 0 attends with
// known, distinct weights, with Chinese tokens.
func goldenTrace(t *testing.T) (*trace.Trace, [4][4]float32) {
	t.Helper()
	w := [4][4]float32{
		{1, 0, 0, 0},
		{0.8, 0.2, 0, 0},
		{0.1, 0.3, 0.6, 0},
		{0.05, 0.15, 0.35, 0.45},
	}
	tokens := []string{"从前", "有", "小女孩", "小红"}
	tr := trace.New(trace.ModelInfo{Name: "golden", NLayer: 1, NHead: 1, NEmbd: 4, NInner: 16, NCtx: 8, VocabSize: 10}, "从前有小女孩小红", []int{1, 2, 3, 4}, tokens, tokens)
	data := make([]float32, 16)
	for i := range 4 {
		for j := range 4 {
			data[i*4+j] = w[i][j]
		}
	}
	if err := tr.Record(trace.Tensor{Name: trace.Block(0, trace.AttnPattern), Shape: []int{1, 4, 4}, Data: data}); err != nil {
		t.Fatal(err)
	}
	return tr, w
}

// renderPNG renders req from tr as PNG and decodes the image.
func renderPNG(t *testing.T, tr *trace.Trace, req Request) image.Image {
	t.Helper()
	req.Format = "png"
	var buf bytes.Buffer
	if err := Render(&buf, tr, req); err != nil {
		t.Fatalf("Render(%+v) = %v", req, err)
	}
	img, err := png.Decode(&buf)
	if err != nil {
		t.Fatalf("decode PNG of %+v: %v", req, err)
	}
	return img
}

// cellCentres finds, for each visible cell (j ≤ i), the pixels of its
// palette colour (within tol per channel) and returns their centres.
func cellCentres(t *testing.T, img image.Image, w [4][4]float32, tol int) map[[2]int][2]float64 {
	t.Helper()
	pal := palette.Sequential()
	out := map[[2]int][2]float64{}
	b := img.Bounds()
	for i := range 4 {
		for j := 0; j <= i; j++ {
			want := color.RGBAModel.Convert(pal.At(float64(w[i][j]))).(color.RGBA)
			var sx, sy, n float64
			is := func(x, y int) bool {
				c := color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)
				return near(c.R, want.R, tol) && near(c.G, want.G, tol) && near(c.B, want.B, tol)
			}
			// A pixel of a cell, not of the colour bar's thin strips: its
			// neighbours 3 pixels away match too.
			for y := b.Min.Y + 3; y < b.Max.Y-3; y++ {
				for x := b.Min.X + 3; x < b.Max.X-3; x++ {
					if is(x, y) && is(x, y-3) && is(x, y+3) && is(x-3, y) && is(x+3, y) {
						sx, sy, n = sx+float64(x), sy+float64(y), n+1
					}
				}
			}
			if n < 16 {
				t.Fatalf("cell (%d, %d): %v pixels of its colour %v, want a block", i, j, n, want)
			}
			out[[2]int{i, j}] = [2]float64{sx / n, sy / n}
		}
	}
	return out
}

func near(a, b uint8, tol int) bool { d := int(a) - int(b); return d <= tol && d >= -tol }

// checkLayout checks that query rows go down and key columns go right:
// the matrix is neither transposed nor flipped.
func checkLayout(t *testing.T, label string, at map[[2]int][2]float64) {
	t.Helper()
	for i := range 4 {
		for j := 0; j <= i; j++ {
			c := at[[2]int{i, j}]
			if j > 0 {
				if left := at[[2]int{i, j - 1}]; !(left[0] < c[0]) || !(abs(left[1]-c[1]) < 2) {
					t.Errorf("%s: cell (%d, %d) at %v is not right of (%d, %d) at %v", label, i, j, c, i, j-1, left)
				}
			}
			if i > j {
				if up := at[[2]int{i - 1, j}]; !(up[1] < c[1]) || !(abs(up[0]-c[0]) < 2) {
					t.Errorf("%s: cell (%d, %d) at %v is not below (%d, %d) at %v", label, i, j, c, i-1, j, up)
				}
			}
		}
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

// TestGoldenAttention draws a known pattern as PNG and as PDF (rasterised
// by pdftoppm) and finds every visible cell in its palette colour, with
// rows and columns in place; the PDF keeps the Chinese tokens as text.
func TestGoldenAttention(t *testing.T) {
	tr, w := goldenTrace(t)
	img := renderPNG(t, tr, Request{Kind: KindAttention, DPI: 72})
	checkLayout(t, "png", cellCentres(t, img, w, 0))

	pdftoppm, err := exec.LookPath("pdftoppm")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("pdftoppm is required under CI=true (apt-get install poppler-utils)")
		}
		t.Skip("no pdftoppm")
	}
	dir := t.TempDir()
	pdf := filepath.Join(dir, "a.pdf")
	if err := RenderFile(pdf, tr, Request{Kind: KindAttention}); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(pdftoppm, "-r", "72", "-png", "-singlefile", pdf, filepath.Join(dir, "page")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v\n%s", err, out)
	}
	f, err := os.Open(filepath.Join(dir, "page.png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	page, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	checkLayout(t, "pdf", cellCentres(t, page, w, 3))

	if _, err := CJKFont(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		return
	}
	text, err := exec.Command("pdftotext", pdf, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	for _, tok := range []string{"从前", "小女孩", "小红"} {
		if !strings.Contains(string(text), tok) {
			t.Errorf("the PDF's text lacks %q:\n%s", tok, text)
		}
	}
}
