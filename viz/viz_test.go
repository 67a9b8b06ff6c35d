package viz

import (
	"bytes"
	"errors"
	"html"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/plot/vg"
	vgdraw "gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/recorder"

	"github.com/transformer-explorer/explorer/trace"
	"github.com/transformer-explorer/explorer/viz/palette"
)

// magic is how each format's file begins.
var magic = map[string]string{
	"png": "\x89PNG\r\n",
	"svg": "<?xml",
	"pdf": "%PDF-",
	"eps": "%!PS-Adobe-3.0 EPSF-3.0\n",
}

func TestRenderEveryKindEveryFormat(t *testing.T) {
	tr := synth(t, 2, 3, 8, 4)
	for _, kind := range Kinds() {
		for _, format := range Formats() {
			t.Run(kind+"."+format, func(t *testing.T) {
				var buf bytes.Buffer
				req := Request{Kind: kind, Layer: 1, Head: 2, Pos: -1, Format: format, DPI: 72}
				if err := Render(&buf, tr, req); err != nil {
					t.Fatalf("Render(%+v) = %v", req, err)
				}
				if !bytes.HasPrefix(buf.Bytes(), []byte(magic[format])) {
					t.Fatalf("output starts %q, want %q", buf.Bytes()[:min(buf.Len(), 12)], magic[format])
				}
				if format == "png" {
					img, err := png.Decode(&buf)
					if err != nil {
						t.Fatalf("decode PNG: %v", err)
					}
					if b := img.Bounds(); b.Dx() < 200 || b.Dy() < 100 {
						t.Errorf("PNG is %v, implausibly small", b.Size())
					}
				}
			})
		}
	}
}

// TestSVGTokenLabels checks that the SVG's text holds the display form of
// every token the plot labels, exactly as the trace gives it.
func TestSVGTokenLabels(t *testing.T) {
	tr := synth(t, 2, 3, 8, 4)
	tests := []struct {
		kind   string
		labels []string
	}{
		{KindAttention, tr.Tokens},
		{KindScores, tr.Tokens},
		{KindHeads, tr.Tokens},
		{KindQKV, tr.Tokens},
		{KindLens, tr.Tokens},
		{KindLoss, tr.Tokens[1:]},
		{KindLogits, []string{tr.Labels[1], tr.Labels[14], tr.Labels[27]}}, // top ids at the last position
	}
	for _, tc := range tests {
		var buf bytes.Buffer
		if err := Render(&buf, tr, Request{Kind: tc.kind, Layer: 0, Head: 1, Pos: 0, Format: "svg"}); err != nil {
			t.Fatalf("%s: %v", tc.kind, err)
		}
		svg := buf.String()
		if !strings.Contains(svg, "font-family:'Liberation Sans',Arial,Helvetica,sans-serif;") {
			t.Errorf("%s SVG lacks the font fallbacks", tc.kind)
		}
		for _, l := range tc.labels {
			if want := ">" + html.EscapeString(l); !strings.Contains(svg, want) {
				t.Errorf("%s SVG lacks the label %q", tc.kind, l)
			}
		}
	}
}

// TestBrightestCell draws a pattern with one peak and finds it in the PNG:
// the block of the peak's colour must sit at the peak's query row (counted
// down from the top) and key column (counted from the left).
func TestBrightestCell(t *testing.T) {
	const T, peakRow, peakCol = 6, 4, 1
	const low, high = 0.25, 0.875 // exact in float32, so the trace holds them exactly
	tr := synth(t, 1, 1, T, 2)
	pat := make([]float32, T*T)
	for i := range T {
		for j := 0; j <= i; j++ {
			pat[i*T+j] = low
		}
	}
	pat[peakRow*T+peakCol] = high
	tr2 := trace.New(tr.Model, "", tr.IDs, tr.Tokens, tr.TokenStrings)
	if err := tr2.Record(trace.Tensor{Name: trace.Block(0, trace.AttnPattern), Shape: []int{1, T, T}, Data: pat}); err != nil {
		t.Fatal(err)
	}
	img := renderPNG(t, tr2, Request{Kind: KindAttention, DPI: 72})
	seq := palette.Sequential()
	grid := largestBlob(img, seq.At(low))
	peak := largestBlob(img, seq.At(high))
	if grid.Empty() || peak.Empty() {
		t.Fatalf("no pixels of the cell colours: grid %v, peak %v", grid, peak)
	}
	cw := float64(grid.Dx()) / T
	ch := float64(grid.Dy()) / T
	cx := float64(peak.Min.X+peak.Max.X)/2 - float64(grid.Min.X)
	cy := float64(peak.Min.Y+peak.Max.Y)/2 - float64(grid.Min.Y)
	if col, row := int(cx/cw), int(cy/ch); row != peakRow || col != peakCol {
		t.Errorf("peak drawn in cell (row %d, col %d), want (%d, %d); grid %v, peak %v", row, col, peakRow, peakCol, grid, peak)
	}
	if w, h := float64(peak.Dx()), float64(peak.Dy()); w < 0.9*cw || h < 0.9*ch {
		t.Errorf("peak block is %v×%v pixels, want a whole %.0f×%.0f cell", w, h, cw, ch)
	}
	// Masked cells are the masked grey, not a palette colour: the cell right
	// of the diagonal in row 0 is at (grid.Min + 1.5 cells, 0.5 cells).
	mx, my := grid.Min.X+int(1.3*cw), grid.Min.Y+int(0.2*ch)
	if got := color.RGBAModel.Convert(img.At(mx, my)).(color.RGBA); got != palette.Masked() && got != hatchCol {
		// a hatch line may cross the probe point, otherwise it is grey
		t.Errorf("masked cell pixel = %v, want the masked grey %v", got, palette.Masked())
	}
}

// largestBlob returns the bounding box of the largest 4-connected set of
// pixels of exactly colour c.
func largestBlob(img image.Image, c color.RGBA) image.Rectangle {
	b := img.Bounds()
	match := func(x, y int) bool {
		return color.RGBAModel.Convert(img.At(x, y)).(color.RGBA) == c
	}
	seen := make([]bool, b.Dx()*b.Dy())
	var best image.Rectangle
	bestN := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if seen[(y-b.Min.Y)*b.Dx()+x-b.Min.X] || !match(x, y) {
				continue
			}
			n, box := 0, image.Rectangle{}
			stack := []image.Point{{x, y}}
			seen[(y-b.Min.Y)*b.Dx()+x-b.Min.X] = true
			for len(stack) > 0 {
				p := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				n++
				box = box.Union(image.Rect(p.X, p.Y, p.X+1, p.Y+1))
				for _, d := range []image.Point{{1, 0}, {-1, 0}, {0, 1}, {0, -1}} {
					q := p.Add(d)
					if !q.In(b) {
						continue
					}
					k := (q.Y-b.Min.Y)*b.Dx() + q.X - b.Min.X
					if !seen[k] && match(q.X, q.Y) {
						seen[k] = true
						stack = append(stack, q)
					}
				}
			}
			if n > bestN {
				best, bestN = box, n
			}
		}
	}
	return best
}

func TestBadRequests(t *testing.T) {
	tr := synth(t, 2, 3, 8, 4)
	onlyLogits := trace.New(tr.Model, "", tr.IDs, tr.Tokens, tr.TokenStrings)
	long := trace.New(tr.Model, "", make([]int, MaxTokens+1), make([]string, MaxTokens+1), make([]string, MaxTokens+1))
	bad := trace.New(tr.Model, "", tr.IDs, tr.Tokens, tr.TokenStrings)
	if err := bad.Record(trace.Tensor{Name: trace.Block(0, trace.AttnPattern), Shape: []int{3, 4, 4}, Data: make([]float32, 48)}); err != nil {
		t.Fatal(err)
	}
	noModel := trace.New(trace.ModelInfo{}, "", tr.IDs, tr.Tokens, nil)
	noTokens := trace.New(tr.Model, "", tr.IDs, nil, nil)
	tests := []struct {
		name string
		tr   *trace.Trace
		req  Request
		want error
		msg  string // the message must contain this
	}{
		{"unknown kind", tr, Request{Kind: "pie", Format: "png"}, ErrKind, `"pie"`},
		{"unknown format", tr, Request{Kind: KindAttention, Format: "gif"}, ErrFormat, `"gif"`},
		{"layer too big", tr, Request{Kind: KindAttention, Layer: 2, Format: "png"}, ErrRange, "layer 2: the model has layers 0 to 1"},
		{"negative layer", tr, Request{Kind: KindHeads, Layer: -1, Format: "svg"}, ErrRange, "layer -1"},
		{"head too big", tr, Request{Kind: KindScores, Head: 3, Format: "pdf"}, ErrRange, "head 3: the model has heads 0 to 2"},
		{"qkv head", tr, Request{Kind: KindQKV, Head: 7, Format: "png"}, ErrRange, "head 7"},
		{"position too big", tr, Request{Kind: KindLogits, Pos: 8, Format: "png"}, ErrRange, "position 8"},
		{"position too small", tr, Request{Kind: KindLogits, Pos: -9, Format: "png"}, ErrRange, "position -9"},
		{"dpi", tr, Request{Kind: KindAttention, Format: "png", DPI: 5}, ErrRange, "DPI 5"},
		{"missing pattern", onlyLogits, Request{Kind: KindAttention, Format: "png"}, ErrMissingHook, "blocks.0.attn.hook_pattern"},
		{"missing pattern for model", onlyLogits, Request{Kind: KindModel, Format: "png"}, ErrMissingHook, "explorer trace --hooks"},
		{"missing lens", onlyLogits, Request{Kind: KindLens, Format: "svg"}, ErrMissingHook, "lens.top_ids"},
		{"missing loss", onlyLogits, Request{Kind: KindLoss, Format: "svg"}, ErrMissingHook, "next.loss"},
		{"missing q", onlyLogits, Request{Kind: KindQKV, Format: "svg"}, ErrMissingHook, "blocks.0.attn.hook_q"},
		{"too long", long, Request{Kind: KindAttention, Format: "png"}, ErrTooLong, "257 tokens"},
		{"wrong shape", bad, Request{Kind: KindAttention, Format: "png"}, ErrShape, "[3 4 4]"},
		{"no guesses", withTop(t, tr, trace.NextTopIDs, trace.NextTopProbs, []int{8, 0}, []int{8, 0}), Request{Kind: KindLogits, Format: "png"}, ErrShape, "holds no guesses"},
		{"logits rows", withTop(t, tr, trace.NextTopIDs, trace.NextTopProbs, []int{7, 5}, []int{7, 5}), Request{Kind: KindLogits, Format: "png"}, ErrShape, "want [8, K]"},
		{"probs unlike ids", withTop(t, tr, trace.NextTopIDs, trace.NextTopProbs, []int{8, 5}, []int{8, 4}), Request{Kind: KindLogits, Format: "png"}, ErrShape, `"next.top_probs" has shape [8 4]`},
		{"lens rank", withTop(t, tr, trace.LensTopIDs, trace.LensTopProbs, []int{8, 5}, []int{8, 5}), Request{Kind: KindLens, Format: "svg"}, ErrShape, "want [3, 8, K]"},
		{"no trace", nil, Request{Kind: KindAttention, Format: "png"}, ErrEmpty, ""},
		{"no model info", noModel, Request{Kind: KindHeads, Format: "png"}, ErrShape, "0 layers and 0 heads"},
		{"tokens without ids", noTokens, Request{Kind: KindLoss, Format: "png"}, ErrShape, "8 token ids but 0 display strings"},
	}
	for _, tc := range tests {
		var buf bytes.Buffer
		err := Render(&buf, tc.tr, tc.req)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: Render(%+v) = %v, want an error wrapping %v", tc.name, tc.req, err, tc.want)
			continue
		}
		if !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: error %q does not mention %q", tc.name, err, tc.msg)
		}
		if buf.Len() != 0 {
			t.Errorf("%s: Render wrote %d bytes before failing", tc.name, buf.Len())
		}
	}
}

func TestFormatOf(t *testing.T) {
	tests := []struct {
		path, want string
		ok         bool
	}{
		{"a.png", "png", true},
		{"dir.v2/plot.SVG", "svg", true},
		{"x.pdf", "pdf", true},
		{"fig.eps", "eps", true},
		{"fig.jpg", "", false},
		{"noext", "", false},
	}
	for _, tc := range tests {
		got, err := FormatOf(tc.path)
		if got != tc.want || (err == nil) != tc.ok {
			t.Errorf("FormatOf(%q) = %q, %v; want %q, ok %v", tc.path, got, err, tc.want, tc.ok)
		}
		if err != nil && !errors.Is(err, ErrFormat) {
			t.Errorf("FormatOf(%q) error %v does not wrap ErrFormat", tc.path, err)
		}
	}
}

func TestRenderFile(t *testing.T) {
	tr := synth(t, 1, 2, 5, 4)
	dir := t.TempDir()
	good := filepath.Join(dir, "a.svg")
	if err := RenderFile(good, tr, Request{Kind: KindAttention}); err != nil {
		t.Fatalf("RenderFile: %v", err)
	}
	before, err := os.ReadFile(good)
	if err != nil || !bytes.HasPrefix(before, []byte("<?xml")) {
		t.Fatalf("RenderFile wrote %q, %v", before[:min(len(before), 10)], err)
	}
	// A failing request leaves the existing file untouched.
	if err := RenderFile(good, tr, Request{Kind: KindAttention, Head: 9}); !errors.Is(err, ErrRange) {
		t.Fatalf("RenderFile with head 9 = %v, want ErrRange", err)
	}
	if after, _ := os.ReadFile(good); !bytes.Equal(before, after) {
		t.Errorf("failed RenderFile changed the existing file")
	}
	// An unwritable path is an error naming it, and leaves nothing.
	missing := filepath.Join(dir, "no", "such", "dir", "a.png")
	if err := RenderFile(missing, tr, Request{Kind: KindAttention}); err == nil || !strings.Contains(err.Error(), missing) {
		t.Errorf("RenderFile(%s) = %v, want an error naming the path", missing, err)
	}
	if err := RenderFile(filepath.Join(dir, "a.gif"), tr, Request{Kind: KindAttention}); !errors.Is(err, ErrFormat) {
		t.Errorf("RenderFile(a.gif) = %v, want ErrFormat", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("directory holds %v, want only a.svg (no temporary files)", names)
	}
}

func TestText(t *testing.T) {
	// Chinese is drawn with the CJK font when there is one, and written
	// <U+XXXX> when not.
	zhong := "<U+4E2D>"
	if _, err := CJKFont(); err == nil {
		zhong = "中"
	} else if os.Getenv("CI") == "true" {
		t.Fatalf("CI needs a CJK font for the plots (.ci/run installs fonts-wqy-microhei): %v", err)
	}
	tests := []struct {
		format, in, want string
	}{
		{"svg", "␣cat↵中", "␣cat↵中"},
		{"png", "␣cat↵⇥␍", "·cat¶»\\r"},
		{"png", "é中", "é" + zhong},
		{"pdf", "␣é€", "·é€"},
		{"pdf", "→中", "→" + zhong}, // UTF-8 text with the fonts' glyphs
		{"eps", "␣é€…中", "·éEUR..." + zhong},
		{"pdf", "q·k/√d −1", "q·k/√d −1"},
		{"eps", "“q·k/√d”", "\"q·k/sqrt d\""},
		{"png", "\U0001F600", "<U+1F600>"}, // in no font
	}
	for _, tc := range tests {
		o, err := newOutput(tc.format, 0)
		if err != nil {
			t.Fatal(err)
		}
		if got := o.text(tc.in); got != tc.want {
			t.Errorf("%s text(%q) = %q, want %q", tc.format, tc.in, got, tc.want)
		}
	}
}

// TestEPSEscapes checks that PostScript's special characters in labels are
// escaped, so the EPS stays a valid program.
func TestEPSEscapes(t *testing.T) {
	tr := synth(t, 1, 1, 8, 2)
	var buf bytes.Buffer
	if err := Render(&buf, tr, Request{Kind: KindAttention, Format: "eps"}); err != nil {
		t.Fatal(err)
	}
	eps := buf.String()
	for _, want := range []string{`(\(x\)`, `(\267back\\slash`, `(\351`, "/Helvetica-Latin1 findfont", "/Encoding ISOLatin1Encoding def"} {
		if !strings.Contains(eps, want) {
			t.Errorf("EPS lacks %q", want)
		}
	}
}

func TestTokenLabels(t *testing.T) {
	tests := []struct {
		n          int
		cell       float64
		wantSize   float64
		wantStride int
	}{
		{8, 36, maxTokenFont, 1},
		{40, 10.5, 8.925, 1},
		{100, 4.2, minTokenFont, 2},
		{256, 2, minTokenFont, 4},
	}
	for _, tc := range tests {
		size, stride := tokenLabels(tc.n, lengthOf(tc.cell))
		if math.Abs(float64(size)-tc.wantSize) > 1e-9 || stride != tc.wantStride {
			t.Errorf("tokenLabels(%d, %v) = %v, %d; want %v, %d", tc.n, tc.cell, size, stride, tc.wantSize, tc.wantStride)
		}
	}
}

// TestLongPromptThinned renders the longest allowed prompt and checks the
// note that only some tokens are labelled.
func TestLongPromptThinned(t *testing.T) {
	tr := synth(t, 1, 1, MaxTokens, 2)
	var buf bytes.Buffer
	if err := Render(&buf, tr, Request{Kind: KindAttention, Format: "svg"}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "one token in 4 labelled") {
		t.Errorf("SVG of %d tokens lacks the thinning note", MaxTokens)
	}
}

// TestChineseLabels renders every kind in Chinese: the titles and axis
// titles come from the catalogue's zh messages, and no English one is
// left.
func TestChineseLabels(t *testing.T) {
	tr := synth(t, 2, 2, 6, 4)
	for _, kind := range []string{KindAttention, KindScores, KindQKV, KindHeads, KindModel, KindLogits, KindLens, KindLoss} {
		var buf bytes.Buffer
		if err := Render(&buf, tr, Request{Kind: kind, Format: "svg", Lang: "zh"}); err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		svg := buf.String()
		for _, english := range []string{"layer", "head", "attention weight", "token", "probability", "dimension", "block", "loss"} {
			if strings.Contains(svg, ">"+english) {
				t.Errorf("%s in Chinese still says %q", kind, english)
			}
		}
		if !strings.ContainsAny(svg, "层头词元概率损失") {
			t.Errorf("%s in Chinese has no Chinese label", kind)
		}
	}
}

func TestHooks(t *testing.T) {
	for _, kind := range Kinds() {
		names, err := Hooks(kind, 1, 3)
		if err != nil || len(names) == 0 {
			t.Fatalf("Hooks(%s) = %v, %v", kind, names, err)
		}
		// A trace holding exactly these hooks renders the kind.
		full := synth(t, 3, 2, 6, 4)
		part := trace.New(full.Model, "", full.IDs, full.Tokens, full.TokenStrings)
		for _, n := range names {
			x, ok := full.Tensor(n)
			if !ok {
				t.Fatalf("Hooks(%s) names %q, which no trace has", kind, n)
			}
			if err := part.Record(x); err != nil {
				t.Fatal(err)
			}
		}
		if err := Render(new(bytes.Buffer), part, Request{Kind: kind, Layer: 1, Format: "svg"}); err != nil {
			t.Errorf("Render(%s) from Hooks' hooks only: %v", kind, err)
		}
	}
	if _, err := Hooks("pie", 0, 1); !errors.Is(err, ErrKind) {
		t.Errorf("Hooks(pie) = %v, want ErrKind", err)
	}
}

// TestEmbeddedOrientation checks the images embedded in vector files: SVG
// and PDF get the first row on top, and both have the drawing rectangle's
// aspect ratio.
func TestEmbeddedOrientation(t *testing.T) {
	h := &heat{rows: 2, cols: 3, pal: palette.Sequential(), lo: 0, hi: 5,
		at: func(i, j int) float64 { return float64(3*i + j) }}
	r := vg.Rectangle{Max: vg.Point{X: 30, Y: 10}}
	for _, tc := range []struct {
		format string
		topRow int // data row in the image's first pixel row
	}{{"svg", 0}, {"pdf", 0}} {
		rec := new(recorder.Canvas)
		o, _ := newOutput(tc.format, 0)
		h.drawEmbedded(vgdraw.NewCanvas(rec, 30, 10), r, o)
		if len(rec.Actions) != 1 {
			t.Fatalf("%s: %d actions, want one image", tc.format, len(rec.Actions))
		}
		img := rec.Actions[0].(*recorder.DrawImage).Image
		b := img.Bounds()
		if b.Dx() != 3*b.Dy() {
			t.Errorf("%s: image is %v, want the 3:1 aspect of its rectangle", tc.format, b.Size())
		}
		if got, want := color.RGBAModel.Convert(img.At(0, 0)), h.color(h.at(tc.topRow, 0)); got != want {
			t.Errorf("%s: top-left pixel = %v, want row %d's colour %v", tc.format, got, tc.topRow, want)
		}
	}
}

func TestEPSCellCap(t *testing.T) {
	tr := synth(t, 12, 12, 40, 2)
	err := Render(new(bytes.Buffer), tr, Request{Kind: KindModel, Format: "eps"})
	if !errors.Is(err, ErrTooLong) || !strings.Contains(err.Error(), "use PNG, SVG or PDF") {
		t.Errorf("model grid of 12×12×40×40 cells as EPS: %v, want ErrTooLong", err)
	}
}

// TestRenderConcurrent renders from one trace on several goroutines, as the
// web app's download handler may; run with -race.
func TestRenderConcurrent(t *testing.T) {
	tr := synth(t, 2, 2, 5, 4)
	errs := make(chan error, 8)
	for k := range 8 {
		go func() {
			req := Request{Kind: Kinds()[k%len(Kinds())], Format: Formats()[k%len(Formats())], Pos: -1}
			errs <- Render(new(bytes.Buffer), tr, req)
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
