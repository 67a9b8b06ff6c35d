package viz

import (
	"image/color"
	"math"
	"unicode/utf8"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Text sizes in points.
const (
	titleSize = 12
	labelSize = 10 // axis titles
	tickSize  = 8  // numbers on axes and colour bars
	// Token labels shrink with the cells from maxTokenFont down to
	// minTokenFont; below that only every k-th token is labelled.
	maxTokenFont = 10
	minTokenFont = 6
	// maxLabelRunes is the longest token label drawn in full; longer ones
	// are cut with an ellipsis.
	maxLabelRunes = 16
)

var (
	black    = color.RGBA{A: 0xFF}
	white    = color.RGBA{R: 0xFF, G: 0xFF, B: 0xFF, A: 0xFF}
	frameCol = color.RGBA{R: 0x55, G: 0x55, B: 0x55, A: 0xFF}
	hatchCol = color.RGBA{R: 0x8C, G: 0x8C, B: 0x8C, A: 0xFF}
)

// sansFont returns Liberation Sans at size points.
func sansFont(size vg.Length) font.Font {
	return font.Font{Typeface: "Liberation", Variant: "Sans", Size: size}
}

// textStyle returns a plain Liberation Sans style.
func textStyle(size vg.Length, xa text.XAlignment, ya text.YAlignment) draw.TextStyle {
	return draw.TextStyle{
		Color:   black,
		Font:    sansFont(size),
		XAlign:  xa,
		YAlign:  ya,
		Handler: textHandler{fonts()},
	}
}

// newPlot returns a plot styled for viz: sans-serif text and no padding
// between the data and the axes.
func newPlot(title string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle = textStyle(titleSize, draw.XCenter, draw.YTop)
	p.Title.Padding = 6
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle = textStyle(labelSize, draw.XCenter, draw.YBottom)
		a.Tick.Label = textStyle(tickSize, draw.XCenter, draw.YTop)
		a.Padding = 0
		a.LineStyle.Width = 0.5
		a.Tick.LineStyle.Width = 0.5
		a.Tick.Length = 3
	}
	p.Y.Tick.Label.XAlign = draw.XRight
	p.Y.Tick.Label.YAlign = draw.YCenter
	return p
}

// tokenLabels returns the labels of n tokens for cells cell points apart:
// the font size (shrinking with the cells, never below minTokenFont) and
// the stride k (every k-th token is labelled, 1 when all fit).
func tokenLabels(n int, cell vg.Length) (size vg.Length, stride int) {
	size = min(maxTokenFont, 0.85*cell)
	if size >= minTokenFont {
		return size, 1
	}
	return minTokenFont, max(int(math.Ceil(minTokenFont/float64(0.85*cell))), 1)
}

// shorten cuts s to maxLabelRunes runes, ending it with an ellipsis.
func shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
