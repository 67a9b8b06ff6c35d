package lessons

import (
	"fmt"
	"html/template"
	"math"
	"strconv"
	"strings"
	"sync"

	"github.com/transformer-explorer/explorer/trace"
)

// {{positions max=4}} puts the two ways of encoding position side by side
// for the positions of the prompt: the original Transformer's sinusoids,
// computed here for the model's width C, and the learned table W_P that
// the loaded model adds (hook_pos_embed). It shows a table of the first
// channels and a small inline SVG plot of both against position.

// sinusoid is the encoding of "Attention Is All You Need" (section 3.5):
// PE(pos, 2i) = sin(pos / 10000^(2i/C)), PE(pos, 2i+1) = cos(the same).
func sinusoid(pos, channel, width int) float64 {
	i := channel / 2
	angle := float64(pos) / math.Pow(10000, float64(2*i)/float64(width))
	if channel%2 == 0 {
		return math.Sin(angle)
	}
	return math.Cos(angle)
}

type positionsRow struct {
	Pos       int
	Token     template.HTML
	Query     bool
	Sin, Lern []string
}

type svgLine struct {
	Points, Color, Label string
}

type svgPanel struct {
	X     int
	Title string
	Lines []svgLine
}

type positionsView struct {
	SinHead, LearnHead string
	Cols               []int
	Rows               []positionsRow
	Note               string
	Panels             []svgPanel
	Width, Height      int
	PlotLabel, XLabel  string
	Last               int
}

var positionsTemplate = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("positions").Parse(
		`<div class="lesson-matrix"><table class="lesson-table positions"><thead>` +
			`<tr><th></th><th colspan="{{len .Cols}}">{{.SinHead}}</th><th colspan="{{len .Cols}}">{{.LearnHead}}</th></tr>` +
			`<tr><th></th>{{range .Cols}}<th>{{.}}</th>{{end}}{{range .Cols}}<th>{{.}}</th>{{end}}</tr></thead><tbody>` +
			`{{range .Rows}}<tr{{if .Query}} class="qrow"{{end}}><th><span class="ix">{{.Pos}}</span> {{.Token}}</th>{{range .Sin}}<td>{{.}}</td>{{end}}{{range .Lern}}<td>{{.}}</td>{{end}}</tr>{{end}}` +
			`</tbody></table>{{if .Note}}<p class="lesson-note">{{.Note}}</p>{{end}}</div>` +
			`<figure class="lesson-plot" data-plot="positions"><svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{{.PlotLabel}}" width="{{.Width}}" height="{{.Height}}" viewBox="0 0 {{.Width}} {{.Height}}">` +
			`{{range .Panels}}<g transform="translate({{.X}},0)"><text x="4" y="14" font-size="12">{{.Title}}</text>` +
			`<rect x="30" y="20" width="260" height="120" fill="none" stroke="#bbb"/><line x1="30" y1="80" x2="290" y2="80" stroke="#ddd"/>` +
			`<text x="26" y="24" font-size="10" text-anchor="end">1</text><text x="26" y="84" font-size="10" text-anchor="end">0</text><text x="26" y="144" font-size="10" text-anchor="end">−1</text>` +
			`<text x="30" y="154" font-size="10">0</text><text x="290" y="154" font-size="10" text-anchor="end">{{$.Last}}</text>` +
			`{{range .Lines}}<polyline fill="none" stroke="{{.Color}}" stroke-width="1.5" points="{{.Points}}"><title>{{.Label}}</title></polyline>{{end}}</g>{{end}}` +
			`</svg><figcaption>{{.PlotLabel}} {{.XLabel}}</figcaption></figure>`))
})

var lineColors = []string{"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"}

func positionsHTML(r *renderer, d *directive) (string, error) {
	e := r.env
	limit := 4
	if m, ok := d.args["max"]; ok {
		n, err := strconv.Atoi(m)
		if err != nil || n < 1 || n > len(lineColors) {
			return "", fmt.Errorf("max=%q: want 1 to %d", m, len(lineColors))
		}
		limit = n
	}
	shape, learned, ok := e.data.Tensor(trace.PosEmbed)
	if !ok {
		return "", &MissingHookError{Hook: trace.PosEmbed}
	}
	if len(shape) != 2 {
		return "", fmt.Errorf("hook %q has shape %v, want [T, C]", trace.PosEmbed, shape)
	}
	T, C := shape[0], shape[1]
	limit = min(limit, C)
	v := positionsView{SinHead: r.ui("sinusoid"), LearnHead: fmt.Sprintf(r.ui("learnedPos"), e.data.Model.Name),
		Width: 600, Height: 160, Last: T - 1,
		PlotLabel: fmt.Sprintf(r.ui("positionsPlot"), limit, limit), XLabel: r.ui("positionsAxis")}
	for c := range limit {
		v.Cols = append(v.Cols, c)
	}
	for _, i := range lastUpTo(T, 8, e.query, true) {
		row := positionsRow{Pos: i, Query: i == e.query}
		if i < len(e.data.Tokens) {
			row.Token = template.HTML(tokenHTML(e.data.Tokens[i]))
		}
		for c := range limit {
			row.Sin = append(row.Sin, strconv.FormatFloat(sinusoid(i, c, C), 'f', 4, 64))
			row.Lern = append(row.Lern, strconv.FormatFloat(float64(learned[i*C+c]), 'f', 4, 64))
		}
		v.Rows = append(v.Rows, row)
	}
	if T > len(v.Rows) {
		v.Note = fmt.Sprintf(r.ui("partOf"), len(v.Rows), 2*limit, T, 2*C)
	}
	// The sinusoid panel draws the sines of the first frequencies
	// (channels 0, 2, 4, …); the learned panel the first channels of W_P,
	// scaled to its largest entry so that both fit one axis.
	scale := 0.0
	for i := range T {
		for c := range limit {
			scale = math.Max(scale, math.Abs(float64(learned[i*C+c])))
		}
	}
	if scale == 0 || math.IsNaN(scale) || math.IsInf(scale, 0) {
		scale = 1
	}
	x := func(i int) float64 {
		if T == 1 {
			return 160
		}
		return 30 + 260*float64(i)/float64(T-1)
	}
	y := func(val float64) float64 { return 80 - 60*val }
	sinPanel := svgPanel{X: 0, Title: r.ui("sinusoid")}
	learnPanel := svgPanel{X: 300, Title: fmt.Sprintf(r.ui("learnedScaled"), e.data.Model.Name, strconv.FormatFloat(scale, 'g', 3, 64))}
	for n := range limit {
		var sp, lp strings.Builder
		sc := min(2*n, C-1)
		for i := range T {
			fmt.Fprintf(&sp, "%.1f,%.1f ", x(i), y(sinusoid(i, sc, C)))
			fmt.Fprintf(&lp, "%.1f,%.1f ", x(i), y(float64(learned[i*C+n])/scale))
		}
		sinPanel.Lines = append(sinPanel.Lines, svgLine{Points: strings.TrimSpace(sp.String()), Color: lineColors[n], Label: "PE channel " + strconv.Itoa(sc)})
		learnPanel.Lines = append(learnPanel.Lines, svgLine{Points: strings.TrimSpace(lp.String()), Color: lineColors[n], Label: "W_P channel " + strconv.Itoa(n)})
	}
	v.Panels = []svgPanel{sinPanel, learnPanel}
	var b strings.Builder
	err := positionsTemplate().Execute(&b, v)
	return b.String(), err
}
