package viz

import (
	"fmt"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"

	"github.com/transformer-explorer/explorer/trace"
	"github.com/transformer-explorer/explorer/viz/palette"
)

// headMatrix reads head h's [T, T] slice of an attention hook [H, T, T].
func headMatrix(tr *trace.Trace, layer, head int, point string) (func(i, j int) float64, int, error) {
	if err := checkLayer(tr, layer); err != nil {
		return nil, 0, err
	}
	if err := checkHead(tr, head); err != nil {
		return nil, 0, err
	}
	tokens, err := checkTokens(tr)
	if err != nil {
		return nil, 0, err
	}
	t, err := need(tr, trace.Block(layer, point))
	if err != nil {
		return nil, 0, err
	}
	T := len(tokens)
	if err := checkShape(t, tr.Model.NHead, T, T); err != nil {
		return nil, 0, err
	}
	base := head * T * T
	return func(i, j int) float64 { return float64(t.Data[base+i*T+j]) }, T, nil
}

// matrixFigure draws one head's [T, T] matrix with token labels: queries
// down the rows, keys along the columns, the causal mask hatched.
func matrixFigure(tr *trace.Trace, title string, h *heat, cb *colorbar, o *output) *figure {
	T := h.rows
	cell := cellSize(T, 2, 36)
	p := newPlot(title)
	sx := tokenAxis(&p.X, tr.Tokens, cell, false, o)
	sy := tokenAxis(&p.Y, tr.Tokens, cell, true, o)
	rotateTicks(&p.X)
	p.X.Label.Text = o.thinned(o.t("plot.key"), sx)
	p.Y.Label.Text = o.thinned(o.t("plot.query"), sy)
	p.Add(heatPlotter{h: h, o: o, all: T * T})
	side := cell * vg.Length(T)
	return panelRow("", []*plot.Plot{p}, []vg.Length{side}, side, cb, o)
}

// attentionFigure plots one head's pattern softmax(QKᵀ/√D + M) [T, T].
func attentionFigure(tr *trace.Trace, req Request, o *output) (*figure, error) {
	at, T, err := headMatrix(tr, req.Layer, req.Head, trace.AttnPattern)
	if err != nil {
		return nil, err
	}
	h := &heat{rows: T, cols: T, at: at, masked: causal, pal: palette.Sequential(), lo: 0, hi: 1, hatch: true}
	cb := &colorbar{pal: h.pal, lo: 0, hi: 1, label: o.t("plot.weight")}
	title := o.t("plot.attention", "layer", req.Layer, "head", req.Head)
	return matrixFigure(tr, title, h, cb, o), nil
}

// scoresFigure plots one head's scaled scores QKᵀ/√D before the softmax,
// with a diverging palette centred at zero; the masked future (−∞ in the
// trace) is hatched.
func scoresFigure(tr *trace.Trace, req Request, o *output) (*figure, error) {
	at, T, err := headMatrix(tr, req.Layer, req.Head, trace.AttnScores)
	if err != nil {
		return nil, err
	}
	m := 0.0
	for i := range T {
		for j := 0; j <= i; j++ {
			if v := math.Abs(at(i, j)); !math.IsInf(v, 0) && !math.IsNaN(v) {
				m = max(m, v)
			}
		}
	}
	if m == 0 {
		m = 1
	}
	h := &heat{rows: T, cols: T, at: at, masked: causal, pal: palette.Diverging(), lo: -m, hi: m, hatch: true}
	cb := &colorbar{pal: h.pal, lo: -m, hi: m, label: o.t("plot.score")}
	title := o.t("plot.scores", "layer", req.Layer, "head", req.Head)
	return matrixFigure(tr, title, h, cb, o), nil
}

// qkvFigure plots head h's queries, keys and values [T, D] side by side on
// one diverging scale centred at zero.
func qkvFigure(tr *trace.Trace, req Request, o *output) (*figure, error) {
	if err := checkLayer(tr, req.Layer); err != nil {
		return nil, err
	}
	if err := checkHead(tr, req.Head); err != nil {
		return nil, err
	}
	tokens, err := checkTokens(tr)
	if err != nil {
		return nil, err
	}
	T, H, D := len(tokens), tr.Model.NHead, tr.Model.HeadSize()
	points := []struct{ hook, name string }{
		{trace.AttnQ, o.t("plot.q")}, {trace.AttnK, o.t("plot.k")}, {trace.AttnV, o.t("plot.v")},
	}
	ats := make([]func(i, j int) float64, len(points))
	m := 0.0
	for k, pt := range points {
		t, err := need(tr, trace.Block(req.Layer, pt.hook))
		if err != nil {
			return nil, err
		}
		if err := checkShape(t, T, H, D); err != nil {
			return nil, err
		}
		// [T, H, D]: position i, head h, dimension j at (i·H + h)·D + j.
		ats[k] = func(i, j int) float64 { return float64(t.Data[(i*H+req.Head)*D+j]) }
		for i := range T {
			for j := range D {
				m = max(m, math.Abs(ats[k](i, j)))
			}
		}
	}
	if m == 0 || math.IsInf(m, 0) || math.IsNaN(m) {
		m = 1
	}
	rowH := cellSize(T, 2, 24)
	colW := min(max(200/vg.Length(D), 2), 24)
	panels := make([]*plot.Plot, len(points))
	widths := make([]vg.Length, len(points))
	for k, pt := range points {
		p := newPlot(pt.name)
		p.Title.TextStyle.Font.Size = labelSize
		if k == 0 {
			sy := tokenAxis(&p.Y, tokens, rowH, true, o)
			p.Y.Label.Text = o.thinned(o.t("plot.token"), sy)
		} else {
			p.Y.Min, p.Y.Max = 0, float64(T)
			p.Y.Tick.Marker = plot.ConstantTicks(nil)
		}
		p.X.Min, p.X.Max = 0, float64(D)
		p.X.Tick.Marker = dimTicks(D)
		p.X.Label.Text = o.t("plot.dimension")
		h := &heat{rows: T, cols: D, at: ats[k], pal: palette.Diverging(), lo: -m, hi: m}
		p.Add(heatPlotter{h: h, o: o, all: 3 * T * D})
		panels[k], widths[k] = p, colW*vg.Length(D)
	}
	cb := &colorbar{pal: palette.Diverging(), lo: -m, hi: m, label: o.t("plot.value")}
	title := o.t("plot.qkv", "layer", req.Layer, "head", req.Head)
	return panelRow(title, panels, widths, rowH*vg.Length(T), cb, o), nil
}

// dimTicks labels about eight evenly spaced dimensions of a D-wide axis at
// their cell centres.
func dimTicks(D int) plot.Ticker {
	step := 1
	for D/step > 8 {
		step *= 2
	}
	var ticks []plot.Tick
	for d := 0; d < D; d += step {
		ticks = append(ticks, plot.Tick{Value: float64(d) + 0.5, Label: fmt.Sprint(d)})
	}
	return plot.ConstantTicks(ticks)
}
