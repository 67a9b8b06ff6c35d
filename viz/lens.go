package viz

import (
	"fmt"
	"image/color"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/transformer-explorer/explorer/trace"
	"github.com/transformer-explorer/explorer/viz/palette"
)

// lensNoteSize is the font size of the logit lens's cell annotations.
const lensNoteSize = 7

// lensWide is the longest prompt whose logit lens is drawn with positions
// across; longer prompts put positions down the rows, where the cells can
// stay wide enough to name their guesses.
const lensWide = 24

// lensFigure plots the logit lens: for each layer's residual stream and
// each position, the probability of the top next-token guess as the colour
// and the guess itself as the cell's text. Short prompts have positions
// across and layers up (the embeddings at the bottom, the output on top);
// longer ones have positions down and layers across.
func lensFigure(tr *trace.Trace, _ Request, o *output) (*figure, error) {
	tokens, err := checkTokens(tr)
	if err != nil {
		return nil, err
	}
	T, L := len(tokens), tr.Model.NLayer
	ids, probs, K, err := needTop(tr, trace.LensTopIDs, trace.LensTopProbs, L+1, T)
	if err != nil {
		return nil, err
	}
	// [L+1, T, K] is indexed (l·T + t)·K + k, and k = 0 is the top guess.
	// cell maps a heat cell (row r top-down, column c) to its l and t.
	wide := T <= lensWide
	cell := func(r, c int) (l, t int) {
		if wide {
			return L - r, c
		}
		return c, r
	}
	top := func(r, c int) int {
		l, t := cell(r, c)
		return (l*T + t) * K
	}
	h := &heat{
		at:  func(r, c int) float64 { return float64(probs.Data[top(r, c)]) },
		pal: palette.Sequential(), lo: 0, hi: 1,
	}
	layerTicks := make([]plot.Tick, L+1)
	for l := range layerTicks {
		name := fmt.Sprint(l)
		switch l {
		case 0:
			name = o.t("plot.embedRow")
		case L:
			name = o.t("plot.outRow")
		}
		layerTicks[l] = plot.Tick{Value: float64(l) + 0.5, Label: name}
	}
	p := newPlot(o.t("plot.lens"))
	tokenLabel := o.t("plot.lensToken")
	var cellW, cellH vg.Length
	if wide {
		h.rows, h.cols = L+1, T
		cellW = min(max(640/vg.Length(T), 3), 56)
		cellH = min(max(300/vg.Length(L+1), 8), 20)
		stride := tokenAxis(&p.X, tokens, cellW, false, o)
		rotateTicks(&p.X)
		p.X.Label.Text = o.thinned(tokenLabel, stride)
		p.Y.Min, p.Y.Max = 0, float64(L+1)
		p.Y.Tick.Marker = plot.ConstantTicks(layerTicks)
		p.Y.Label.Text = o.t("plot.block")
	} else {
		h.rows, h.cols = T, L+1
		cellW = min(max(600/vg.Length(L+1), 20), 48)
		cellH = cellSize(T, 2, 20)
		if T <= 100 {
			cellH = max(cellH, lensNoteSize+2) // room to name the guesses
		}
		stride := tokenAxis(&p.Y, tokens, cellH, true, o)
		p.Y.Label.Text = o.thinned(tokenLabel, stride)
		p.X.Min, p.X.Max = 0, float64(L+1)
		p.X.Tick.Marker = plot.ConstantTicks(layerTicks)
		p.X.Label.Text = o.t("plot.block")
	}
	p.Add(heatPlotter{h: h, o: o, all: (L + 1) * T})
	if cellW >= 16 && cellH >= lensNoteSize+2 {
		p.Add(lensNotes{
			h:        h,
			note:     func(r, c int) string { return o.text(label(tr, int(ids.Data[top(r, c)]))) },
			ellipsis: o.text("…"),
		})
	} else {
		p.Title.Text = o.t("plot.lensSmall")
	}
	cb := &colorbar{pal: h.pal, lo: 0, hi: 1, label: o.t("plot.top1")}
	return panelRow("", []*plot.Plot{p}, []vg.Length{cellW * vg.Length(h.cols)}, cellH*vg.Length(h.rows), cb, o), nil
}

// lensNotes writes each cell's top guess in it, cut to fit, in black or
// white, whichever stands out against the cell.
type lensNotes struct {
	h        *heat
	note     func(r, t int) string
	ellipsis string
}

// Plot implements the plot.Plotter interface.
func (ln lensNotes) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	sty := textStyle(lensNoteSize, draw.XCenter, draw.YCenter)
	h := ln.h
	cellW := trX(1) - trX(0)
	for r := range h.rows {
		for t := range h.cols {
			s := fit(sty, ln.note(r, t), ln.ellipsis, cellW-2)
			if s == "" {
				continue
			}
			sty.Color = contrast(h.cellColor(r, t))
			c.FillText(sty, vg.Point{X: trX(float64(t) + 0.5), Y: trY(float64(h.rows-r) - 0.5)}, s)
		}
	}
}

// fit shortens s with an ellipsis until it is at most w wide.
func fit(sty draw.TextStyle, s, ellipsis string, w vg.Length) string {
	r := []rune(s)
	if sty.Width(s) <= w {
		return s
	}
	for n := len(r) - 1; n > 0; n-- {
		if t := string(r[:n]) + ellipsis; sty.Width(t) <= w {
			return t
		}
	}
	return ""
}

// contrast returns black on light colours and white on dark ones, by the
// sRGB luma of c.
func contrast(c color.RGBA) color.Color {
	if 0.299*float64(c.R)+0.587*float64(c.G)+0.114*float64(c.B) > 140 {
		return black
	}
	return white
}
