package viz

import (
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/transformer-explorer/explorer/viz/palette"
)

// Page layout in points.
const (
	outerPad = 8  // blank border around every figure
	panelGap = 14 // between panels in a row
	cbGap    = 10 // between the data and the colour bar
	cbWidth  = 10 // colour bar width
)

// margins are the space a plot needs around its data area.
type margins struct{ left, right, bottom, top vg.Length }

// measure returns the space p's title, axes and labels take around its data
// area. It only measures text, so it needs no real canvas.
func measure(p *plot.Plot) margins {
	const side = 4000
	page := draw.Canvas{Rectangle: vg.Rectangle{Max: vg.Point{X: side, Y: side}}}
	d := p.DataCanvas(page)
	return margins{left: d.Min.X, right: side - d.Max.X, bottom: d.Min.Y, top: side - d.Max.Y}
}

// A colorbar is the scale of a heatmap's colours.
type colorbar struct {
	pal    palette.Palette
	lo, hi float64
	label  string
}

// ticks returns the colour bar's labelled values.
func (cb *colorbar) ticks() []plot.Tick {
	var out []plot.Tick
	for _, t := range (plot.DefaultTicks{}).Ticks(cb.lo, cb.hi) {
		if t.Label != "" {
			out = append(out, t)
		}
	}
	return out
}

// width returns the horizontal space of the bar, its numbers and its label.
func (cb *colorbar) width(o *output) vg.Length {
	tick := textStyle(tickSize, draw.XLeft, draw.YCenter)
	var w vg.Length
	for _, t := range cb.ticks() {
		w = max(w, tick.Width(t.Label))
	}
	lab := textStyle(labelSize, draw.XCenter, draw.YTop)
	return cbGap + cbWidth + 5 + w + 6 + lab.Height(o.text(cb.label))
}

// draw paints the bar beside a data area spanning y0..y1, starting at x.
func (cb *colorbar) draw(c draw.Canvas, x, y0, y1 vg.Length, o *output) {
	r := vg.Rectangle{Min: vg.Point{X: x + cbGap, Y: y0}, Max: vg.Point{X: x + cbGap + cbWidth, Y: y1}}
	const steps = palette.Size
	h := &heat{rows: steps, cols: 1, pal: cb.pal, lo: 0, hi: 1,
		at: func(i, _ int) float64 { return float64(steps-1-i) / (steps - 1) }}
	h.draw(c, r, o, 0)
	drawFrame(c, r)
	tick := textStyle(tickSize, draw.XLeft, draw.YCenter)
	var w vg.Length
	for _, t := range cb.ticks() {
		y := y0 + (y1-y0)*vg.Length((t.Value-cb.lo)/(cb.hi-cb.lo))
		c.StrokeLine2(draw.LineStyle{Color: frameCol, Width: 0.5}, r.Max.X, y, r.Max.X+3, y)
		c.FillText(tick, vg.Point{X: r.Max.X + 5, Y: y}, t.Label)
		w = max(w, tick.Width(t.Label))
	}
	lab := textStyle(labelSize, draw.XCenter, draw.YTop)
	lab.Rotation = math.Pi / 2
	c.FillText(lab, vg.Point{X: r.Max.X + 5 + w + 6, Y: (y0 + y1) / 2}, o.text(cb.label))
}

// panelRow lays out plots side by side, each with a data area of the given
// size, under an optional overall title and beside an optional colour bar.
// The data areas share their top and bottom edges.
func panelRow(title string, panels []*plot.Plot, dataW []vg.Length, dataH vg.Length, cb *colorbar, o *output) *figure {
	ms := make([]margins, len(panels))
	for k, p := range panels {
		ms[k] = measure(p)
	}
	var titleH vg.Length
	tsty := textStyle(titleSize, draw.XCenter, draw.YTop)
	if title != "" {
		titleH = tsty.Height(o.text(title)) + 6
	}
	var cbW vg.Length
	if cb != nil {
		cbW = cb.width(o)
	}
	// Titles may be wider than their panels: centre the panels on a page
	// wide enough for them.
	var rowW, titleW vg.Length
	for k, p := range panels {
		rowW += ms[k].left + dataW[k] + ms[k].right + panelGap
		titleW = max(titleW, p.Title.TextStyle.Width(p.Title.Text))
	}
	rowW -= panelGap
	titleW = max(titleW, tsty.Width(o.text(title)))
	shift := max(0, (titleW-rowW)/2)
	// place returns the page size and each panel's canvas for margins ms.
	place := func(ms []margins) (w, h vg.Length, pcs []draw.Canvas) {
		var bottom, top vg.Length
		for _, m := range ms {
			bottom, top = max(bottom, m.bottom), max(top, m.top)
		}
		x := outerPad + shift
		for k, m := range ms {
			pc := draw.Canvas{Rectangle: vg.Rectangle{
				Min: vg.Point{X: x, Y: outerPad + bottom - m.bottom},
				Max: vg.Point{X: x + m.left + dataW[k] + m.right, Y: outerPad + bottom + dataH + m.top},
			}}
			pcs = append(pcs, pc)
			x = pc.Max.X + panelGap
		}
		return x - panelGap + max(cbW, shift) + outerPad, outerPad + bottom + dataH + top + titleH + outerPad, pcs
	}
	// gonum/plot shrinks the data area when a label overhangs it (a long
	// axis title beside a short plot, say), which measuring on a large page
	// does not show; grow the margins until the data areas have their size.
	w, h, pcs := place(ms)
	for range 4 {
		grown := false
		for k, p := range panels {
			d := p.DataCanvas(pcs[k])
			if dw := dataW[k] - (d.Max.X - d.Min.X); dw > 0.01 {
				ms[k].right += dw
				grown = true
			}
			if dh := dataH - (d.Max.Y - d.Min.Y); dh > 0.01 {
				ms[k].top += dh
				grown = true
			}
		}
		if !grown {
			break
		}
		w, h, pcs = place(ms)
	}
	fig := &figure{w: w, h: h}
	fig.draw = func(c draw.Canvas) {
		if title != "" {
			c.FillText(tsty, vg.Point{X: (c.Min.X + w - cbW) / 2, Y: c.Max.Y - outerPad}, o.text(title))
		}
		var data draw.Canvas
		for k, p := range panels {
			pc := pcs[k]
			pc.Canvas = c.Canvas
			p.Draw(pc)
			data = p.DataCanvas(pc)
		}
		if cb != nil {
			cb.draw(c, data.Max.X, data.Min.Y, data.Max.Y, o)
		}
	}
	return fig
}
