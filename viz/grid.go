package viz

import (
	"fmt"
	"math"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/transformer-explorer/explorer/trace"
	"github.com/transformer-explorer/explorer/viz/palette"
)

// A grid is a table of small heatmaps sharing one colour scale.
type grid struct {
	title      string
	rows, cols int
	side       vg.Length // of each square panel
	// panel returns the heat of panel (r, c), or nil for an empty slot.
	panel func(r, c int) *heat
	// caption, when set, names each panel above it ("head 3").
	caption func(r, c int) string
	// rowNames and colNames label the rows and columns of panels
	// (layers and heads), with rowTitle and colTitle over them.
	rowNames, colNames []string
	rowTitle, colTitle string
	// tokens, when set, label the left column's rows and the bottom row's
	// columns of every panel.
	tokens []string
	cb     *colorbar
}

// Spacing of grid panels in points.
const (
	gridGap  = 10 // between panels
	nameSize = 8  // row, column and panel names
)

// figure lays the grid out on a page.
func (g *grid) figure(o *output) *figure {
	name := textStyle(nameSize, draw.XCenter, draw.YBottom)
	nameH := name.Height("Hg")
	var tokSize vg.Length
	var tokW vg.Length // space the token labels take beside and below
	if g.tokens != nil {
		tokSize = min(8, 0.85*g.side/vg.Length(len(g.tokens)))
		ts := textStyle(tokSize, draw.XRight, draw.YCenter)
		for _, t := range g.tokens {
			tokW = max(tokW, ts.Width(o.text(shorten(t, maxLabelRunes))))
		}
		tokW += 3
	}
	var rowNameW vg.Length
	for _, n := range g.rowNames {
		rowNameW = max(rowNameW, name.Width(n)+4)
	}
	var rowTitleW, colTitleH, colNameH, captionH vg.Length
	if g.rowTitle != "" {
		rowTitleW = name.Height(g.rowTitle) + 4
	}
	if g.colTitle != "" {
		colTitleH = nameH + 2
	}
	if g.colNames != nil {
		colNameH = nameH + 2
	}
	if g.caption != nil {
		captionH = nameH + 2
	}
	gap := vg.Length(gridGap)
	if g.caption == nil {
		gap = max(2, min(gridGap, g.side/12))
	}
	tsty := textStyle(titleSize, draw.XCenter, draw.YTop)
	titleH := tsty.Height(o.text(g.title)) + 8
	left := rowTitleW + rowNameW + tokW
	gridW := vg.Length(g.cols)*g.side + vg.Length(g.cols-1)*gap
	pitchY := g.side + captionH + gap
	gridH := vg.Length(g.rows)*pitchY - gap
	top := titleH + colTitleH + colNameH
	cbW := g.cb.width(o)
	fig := &figure{
		w: 2*outerPad + left + gridW + cbW,
		h: 2*outerPad + top + gridH + tokW,
	}
	fig.draw = func(c draw.Canvas) {
		c = draw.Crop(c, outerPad, -outerPad, outerPad, -outerPad)
		x0, yTop := c.Min.X+left, c.Max.Y-top
		c.FillText(tsty, vg.Point{X: x0 + gridW/2, Y: c.Max.Y}, o.text(g.title))
		if g.colTitle != "" {
			c.FillText(name, vg.Point{X: x0 + gridW/2, Y: yTop + colNameH}, g.colTitle)
		}
		if g.rowTitle != "" {
			rs := name
			rs.Rotation = math.Pi / 2
			c.FillText(rs, vg.Point{X: c.Min.X + rowTitleW - 2, Y: yTop - gridH/2}, g.rowTitle)
		}
		for col, n := range g.colNames {
			c.FillText(name, vg.Point{X: x0 + vg.Length(col)*(g.side+gap) + g.side/2, Y: yTop + 1}, n)
		}
		rn := textStyle(nameSize, draw.XRight, draw.YCenter)
		for r, n := range g.rowNames {
			y := yTop - vg.Length(r)*pitchY - captionH - g.side/2
			c.FillText(rn, vg.Point{X: x0 - tokW - 3, Y: y}, n)
		}
		for r := range g.rows {
			for col := range g.cols {
				h := g.panel(r, col)
				if h == nil {
					continue
				}
				px := x0 + vg.Length(col)*(g.side+gap)
				py := yTop - vg.Length(r)*pitchY - captionH
				rect := vg.Rectangle{Min: vg.Point{X: px, Y: py - g.side}, Max: vg.Point{X: px + g.side, Y: py}}
				if g.caption != nil {
					c.FillText(name, vg.Point{X: px + g.side/2, Y: py + 2}, g.caption(r, col))
				}
				h.draw(c, rect, o, g.rows*g.cols*h.rows*h.cols)
				drawFrame(c, rect)
				if g.tokens != nil {
					g.drawTokens(c, rect, tokSize, col == 0, r == g.rows-1 || g.panel(r+1, col) == nil, o)
				}
			}
		}
		g.cb.draw(c, x0+gridW, yTop-gridH, yTop, o)
	}
	return fig
}

// drawTokens labels a panel's rows on its left and columns below it.
func (g *grid) drawTokens(c draw.Canvas, r vg.Rectangle, size vg.Length, rows, cols bool, o *output) {
	n := len(g.tokens)
	cell := (r.Max.X - r.Min.X) / vg.Length(n)
	ys := textStyle(size, draw.XRight, draw.YCenter)
	xs := ys
	xs.Rotation = math.Pi / 2
	for t, tok := range g.tokens {
		s := o.text(shorten(tok, maxLabelRunes))
		if rows {
			c.FillText(ys, vg.Point{X: r.Min.X - 2, Y: r.Max.Y - (vg.Length(t)+0.5)*cell}, s)
		}
		if cols {
			c.FillText(xs, vg.Point{X: r.Min.X + (vg.Length(t)+0.5)*cell, Y: r.Min.Y - 2}, s)
		}
	}
}

// patternHeat returns a heat of head h of a pattern hook [H, T, T].
func patternHeat(t trace.Tensor, h, T int, hatch bool) *heat {
	base := h * T * T
	return &heat{
		rows: T, cols: T, masked: causal, hatch: hatch,
		at:  func(i, j int) float64 { return float64(t.Data[base+i*T+j]) },
		pal: palette.Sequential(), lo: 0, hi: 1,
	}
}

// patterns returns the pattern hooks of the given layers.
func patterns(tr *trace.Trace, layers []int, T int) ([]trace.Tensor, error) {
	out := make([]trace.Tensor, len(layers))
	for k, l := range layers {
		t, err := need(tr, trace.Block(l, trace.AttnPattern))
		if err != nil {
			return nil, err
		}
		if err := checkShape(t, tr.Model.NHead, T, T); err != nil {
			return nil, err
		}
		out[k] = t
	}
	return out, nil
}

// headsFigure plots every head of one layer as small multiples.
func headsFigure(tr *trace.Trace, req Request, o *output) (*figure, error) {
	if err := checkLayer(tr, req.Layer); err != nil {
		return nil, err
	}
	tokens, err := checkTokens(tr)
	if err != nil {
		return nil, err
	}
	T, H := len(tokens), tr.Model.NHead
	pats, err := patterns(tr, []int{req.Layer}, T)
	if err != nil {
		return nil, err
	}
	cols := int(math.Ceil(math.Sqrt(float64(H))))
	side := min(130, max(14*vg.Length(T), 80))
	g := &grid{
		title: o.t("plot.heads", "layer", req.Layer, "heads", H),
		rows:  (H + cols - 1) / cols, cols: cols, side: side,
		panel: func(r, c int) *heat {
			if h := r*cols + c; h < H {
				return patternHeat(pats[0], h, T, side/vg.Length(T) >= 6)
			}
			return nil
		},
		caption: func(r, c int) string { return o.t("plot.head", "head", r*cols+c) },
		cb:      &colorbar{pal: palette.Sequential(), lo: 0, hi: 1, label: o.t("plot.weight")},
	}
	if side/vg.Length(T) >= 7 {
		g.tokens = tokens
	}
	return g.figure(o), nil
}

// modelFigure plots every head of every layer as a layers × heads table of
// thumbnails.
func modelFigure(tr *trace.Trace, req Request, o *output) (*figure, error) {
	tokens, err := checkTokens(tr)
	if err != nil {
		return nil, err
	}
	T, L, H := len(tokens), tr.Model.NLayer, tr.Model.NHead
	layers := make([]int, L)
	for l := range layers {
		layers[l] = l
	}
	pats, err := patterns(tr, layers, T)
	if err != nil {
		return nil, err
	}
	// Thumbnails shrink as the table grows, from 64 points for a few heads
	// to 36 for GPT-2 small's 12 × 12.
	side := min(64, max(36, 480/vg.Length(max(L, H))))
	g := &grid{
		title: o.t("plot.model", "layers", L, "heads", H),
		rows:  L, cols: H, side: side,
		panel:    func(r, c int) *heat { return patternHeat(pats[r], c, T, false) },
		rowTitle: o.t("plot.layerAxis"), colTitle: o.t("plot.headAxis"),
		cb: &colorbar{pal: palette.Sequential(), lo: 0, hi: 1, label: o.t("plot.weight")},
	}
	for l := range L {
		g.rowNames = append(g.rowNames, fmt.Sprint(l))
	}
	for h := range H {
		g.colNames = append(g.colNames, fmt.Sprint(h))
	}
	return g.figure(o), nil
}
