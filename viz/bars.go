package viz

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/transformer-explorer/explorer/trace"
	"github.com/transformer-explorer/explorer/viz/palette"
)

// Bar colours from the shared palette: ordinary bars teal, the token that
// actually came next dark purple.
var (
	barCol    = palette.Sequential().At(0.45)
	actualCol = palette.Sequential().At(0.02)
)

// A bar is one bar of a bar chart: its slot (0 at the axis origin), its
// value and colour, and an optional note drawn past its end.
type bar struct {
	slot  int
	value float64
	color color.Color
	note  string
}

// barPlotter draws bars ⅔ of a slot wide, horizontal or vertical.
type barPlotter struct {
	bars       []bar
	horizontal bool
}

// Plot implements the plot.Plotter interface.
func (bp barPlotter) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	note := textStyle(7, draw.XLeft, draw.YCenter)
	for _, b := range bp.bars {
		lo, hi := float64(b.slot)+1.0/6, float64(b.slot)+5.0/6
		var r vg.Rectangle
		if bp.horizontal {
			r = vg.Rectangle{Min: vg.Point{X: trX(0), Y: trY(lo)}, Max: vg.Point{X: trX(b.value), Y: trY(hi)}}
		} else {
			r = vg.Rectangle{Min: vg.Point{X: trX(lo), Y: trY(0)}, Max: vg.Point{X: trX(hi), Y: trY(b.value)}}
		}
		c.FillPolygon(b.color, []vg.Point{r.Min, {X: r.Max.X, Y: r.Min.Y}, r.Max, {X: r.Min.X, Y: r.Max.Y}})
		if b.note != "" && bp.horizontal {
			c.FillText(note, vg.Point{X: r.Max.X + 3, Y: (r.Min.Y + r.Max.Y) / 2}, b.note)
		}
	}
}

// hline draws a dashed horizontal line across the data area at y.
type hline struct {
	y     float64
	color color.Color
}

// Plot implements the plot.Plotter interface.
func (h hline) Plot(c draw.Canvas, p *plot.Plot) {
	_, trY := p.Transforms(&c)
	c.StrokeLine2(draw.LineStyle{Color: h.color, Width: 0.75, Dashes: []vg.Length{3, 2}}, c.Min.X, trY(h.y), c.Max.X, trY(h.y))
}

// label returns the display form of a token id the derived hooks mention.
func label(tr *trace.Trace, id int) string {
	if s, ok := tr.Labels[id]; ok {
		return s
	}
	return fmt.Sprintf("#%d", id)
}

// logitsFigure plots the top-k next-token probabilities at one position as
// horizontal bars, most probable on top, marking the token that actually
// follows in the prompt when it is among them.
func logitsFigure(tr *trace.Trace, req Request, o *output) (*figure, error) {
	T := len(tr.Tokens)
	pos := req.Pos
	if pos < 0 {
		pos += T
	}
	if pos < 0 || pos >= T {
		return nil, fmt.Errorf("%w: position %d: the trace has positions 0 to %d (or −1 to −%d from the end)", ErrRange, req.Pos, T-1, T)
	}
	ids, probs, K, err := needTop(tr, trace.NextTopIDs, trace.NextTopProbs, T)
	if err != nil {
		return nil, err
	}
	actual := -1
	if pos+1 < len(tr.IDs) {
		actual = tr.IDs[pos+1]
	}
	p := newPlot(o.t("plot.nextAfter", "token", shorten(tr.Tokens[pos], 24), "pos", pos))
	p.Title.Text = o.text(p.Title.Text)
	bars := make([]bar, K)
	ticks := make([]plot.Tick, K)
	pmax, marked := 0.0, false
	for k := range K {
		id := int(ids.Data[pos*K+k])
		v := float64(probs.Data[pos*K+k])
		slot := K - 1 - k
		b := bar{slot: slot, value: v, color: barCol, note: percent(v)}
		if id == actual {
			b.color, marked = actualCol, true
		}
		bars[k] = b
		ticks[k] = plot.Tick{Value: float64(slot) + 0.5, Label: o.text(shorten(label(tr, id), maxLabelRunes))}
		pmax = max(pmax, v)
	}
	p.Add(barPlotter{bars: bars, horizontal: true})
	p.Y.Min, p.Y.Max = 0, float64(K)
	p.Y.Tick.Marker = plot.ConstantTicks(ticks)
	p.Y.Tick.Label.Font.Size = 9
	p.X.Min, p.X.Max = 0, math.Max(pmax*1.2, 1e-6)
	p.X.Label.Text = o.t("plot.probability")
	if marked {
		p.X.Label.Text = o.t("plot.probabilityActual")
	}
	return panelRow("", []*plot.Plot{p}, []vg.Length{300}, 16*vg.Length(K), nil, o), nil
}

// percent formats a probability for a bar's note.
func percent(p float64) string {
	switch {
	case p >= 0.1:
		return fmt.Sprintf("%.0f%%", 100*p)
	case p >= 0.001:
		return fmt.Sprintf("%.1f%%", 100*p)
	}
	return fmt.Sprintf("%.2g%%", 100*p)
}

// lossFigure plots −ln p(token t+1 | tokens 0..t) for each predicted token,
// with the mean as a dashed line.
func lossFigure(tr *trace.Trace, _ Request, o *output) (*figure, error) {
	tokens, err := checkTokens(tr)
	if err != nil {
		return nil, err
	}
	T := len(tokens)
	if T < 2 {
		return nil, fmt.Errorf("%w: the loss needs at least two tokens, the trace has one", ErrEmpty)
	}
	loss, err := need(tr, trace.NextLoss)
	if err != nil {
		return nil, err
	}
	if err := checkShape(loss, T-1); err != nil {
		return nil, err
	}
	n := T - 1
	bars := make([]bar, n)
	var sum, top float64
	for k := range n {
		v := float64(loss.Data[k])
		bars[k] = bar{slot: k, value: v, color: barCol}
		sum += v
		top = max(top, v)
	}
	mean := sum / float64(n)
	p := newPlot(o.t("plot.loss", "mean", fmt.Sprintf("%.2f", mean)))
	cell := min(max(480/vg.Length(n), 2), 28)
	stride := tokenAxis(&p.X, tokens[1:], cell, false, o)
	rotateTicks(&p.X)
	p.X.Label.Text = o.thinned(o.t("plot.predicted"), stride)
	p.Y.Min, p.Y.Max = 0, math.Max(top*1.1, 1e-6)
	p.Y.Label.Text = o.text(o.t("plot.lossAxis"))
	p.Add(barPlotter{bars: bars}, hline{y: mean, color: actualCol})
	return panelRow("", []*plot.Plot{p}, []vg.Length{cell * vg.Length(n)}, 200, nil, o), nil
}
