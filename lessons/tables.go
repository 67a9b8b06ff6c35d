package lessons

import (
	"fmt"
	"html/template"
	"math"
	"strconv"
	"strings"
	"sync"

	"github.com/transformer-explorer/explorer/lessons/expr"
)

// The table directives ({{tokens}}, {{topk}}, {{lens}}, {{losses}},
// {{heads}}) build a tableView and render it with one template; {{plot}}
// has its own.

// A tableCell is a cell's HTML (already escaped) and whether it heads its
// row.
type tableCell struct {
	HTML template.HTML
	Head bool
	Span int // colspan, when more than 1
}

type tableRow struct {
	Class string
	Cells []tableCell
}

type tableView struct {
	Class      string
	Head, Foot []tableCell
	Rows       []tableRow
}

var tableTemplate = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("table").Parse(
		`{{define "cell"}}{{if .Head}}<th{{if gt .Span 1}} colspan="{{.Span}}"{{end}}>{{.HTML}}</th>{{else}}<td{{if gt .Span 1}} colspan="{{.Span}}"{{end}}>{{.HTML}}</td>{{end}}{{end}}` +
			`<table class="lesson-table{{with .Class}} {{.}}{{end}}"><thead><tr>{{range .Head}}{{template "cell" .}}{{end}}</tr></thead><tbody>` +
			`{{range .Rows}}<tr{{with .Class}} class="{{.}}"{{end}}>{{range .Cells}}{{template "cell" .}}{{end}}</tr>{{end}}</tbody>` +
			`{{if .Foot}}<tfoot><tr>{{range .Foot}}{{template "cell" .}}{{end}}</tr></tfoot>{{end}}</table>`))
})

func (v tableView) html() (string, error) {
	var b strings.Builder
	err := tableTemplate().Execute(&b, v)
	return b.String(), err
}

// cellText is a cell of plain text; head a heading cell; tok a token cell.
func cellText(s string) tableCell {
	return tableCell{HTML: template.HTML(template.HTMLEscapeString(s))}
}
func head(s string) tableCell              { c := cellText(s); c.Head = true; return c }
func tok(s string) tableCell               { return tableCell{HTML: template.HTML(tokenHTML(s))} }
func num(x float64, spec string) tableCell { s, _ := formatNumber(x, spec, false); return cellText(s) }
func heads(names ...string) (out []tableCell) {
	for _, n := range names {
		out = append(out, head(n))
	}
	return out
}

func tokensHTML(r *renderer, _ *directive) (string, error) {
	v := tableView{Class: "tokens", Head: heads(r.ui("pos"), "id", r.ui("token"), r.ui("vocab"))}
	for i, id := range r.env.data.IDs {
		row := tableRow{Cells: []tableCell{cellText(strconv.Itoa(i)), cellText(strconv.Itoa(id)), tok(""), {HTML: "<code></code>"}}}
		if i < len(r.env.data.Tokens) {
			row.Cells[2] = tok(r.env.data.Tokens[i])
		}
		if i < len(r.env.data.TokenStrings) {
			row.Cells[3].HTML = template.HTML("<code>" + template.HTMLEscapeString(r.env.data.TokenStrings[i]) + "</code>")
		}
		if i == r.env.query {
			row.Class = "hl"
		}
		v.Rows = append(v.Rows, row)
	}
	return v.html()
}

// topkHTML lists the most likely next tokens, with p to four significant
// digits however small it is, so that exercises can be solved from it.
func topkHTML(r *renderer, d *directive) (string, error) {
	p, err := r.posArg(d)
	if err != nil {
		return "", err
	}
	count := 5
	if n, ok := d.exprs["n"]; ok {
		v, err := n.Eval(r.env)
		if err != nil {
			return "", err
		}
		count = int(v.S)
	}
	ids, err := r.env.Tensor("next.top_ids", []int{p})
	if err != nil {
		return "", err
	}
	probs, err := r.env.Tensor("next.top_probs", []int{p})
	if err != nil {
		return "", err
	}
	v := tableView{Head: heads("#", r.ui("next"), "id", "p")}
	for i := 0; i < count && i < len(ids.V); i++ {
		id := int(ids.V[i])
		v.Rows = append(v.Rows, tableRow{Cells: []tableCell{cellText(strconv.Itoa(i + 1)), tok(r.label(id)), cellText(strconv.Itoa(id)), num(probs.V[i], ".4g")}})
	}
	return v.html()
}

func lensHTML(r *renderer, d *directive) (string, error) {
	p, err := r.posArg(d)
	if err != nil {
		return "", err
	}
	v := tableView{Head: heads(r.ui("lensRow"), r.ui("top1"), "p", r.ui("top2"), "p")}
	for l := 0; l <= r.env.data.Model.NLayer; l++ {
		ids, err := r.env.Tensor("lens.top_ids", []int{l, p})
		if err != nil {
			return "", err
		}
		probs, err := r.env.Tensor("lens.top_probs", []int{l, p})
		if err != nil {
			return "", err
		}
		name := fmt.Sprintf(r.ui("lensEnter"), l)
		if l == r.env.data.Model.NLayer {
			name = r.ui("lensOut")
		}
		v.Rows = append(v.Rows, tableRow{Cells: []tableCell{head(name), tok(r.label(int(ids.V[0]))), num(probs.V[0], ".3f"),
			tok(r.label(int(ids.V[1]))), num(probs.V[1], ".3f")}})
	}
	return v.html()
}

func lossesHTML(r *renderer, _ *directive) (string, error) {
	loss, err := r.env.Tensor("next.loss", nil)
	if err != nil {
		return "", err
	}
	if !loss.Vec {
		loss = expr.Value{V: []float64{loss.S}, Vec: true}
	}
	v := tableView{Head: heads("t", r.ui("context"), r.ui("actualNext"), "p", "−log p")}
	toks := r.env.data.Tokens
	for t, l := range loss.V {
		if t+1 >= len(toks) {
			break
		}
		v.Rows = append(v.Rows, tableRow{Cells: []tableCell{cellText(strconv.Itoa(t)), tok(toks[t]), tok(toks[t+1]), num(math.Exp(-l), ""), num(l, ".3f")}})
	}
	foot := head(r.ui("meanLoss"))
	foot.Span = 4
	v.Foot = []tableCell{foot, num(expr.Mean(loss.V), ".3f")}
	return v.html()
}

// headsHTML lists, for every head of the layer, the key the query weights
// most and the weight it gives the chosen key.
func headsHTML(r *renderer, _ *directive) (string, error) {
	e := r.env
	top := head(r.ui("topKey"))
	top.Span = 2
	v := tableView{Head: []tableCell{head(r.ui("headCol")), top, head(fmt.Sprintf(r.ui("onKey"), e.key))}}
	name := "blocks." + strconv.Itoa(e.layer) + ".attn.hook_pattern"
	for h := 0; h < e.data.Model.NHead; h++ {
		row, err := e.Tensor(name, []int{h, e.query})
		if err != nil {
			return "", err
		}
		best := expr.Argmax(row.V[:e.query+1])
		key := tableCell{HTML: template.HTML(template.HTMLEscapeString(strconv.Itoa(best)) + " " + tokenHTML(r.label(e.data.IDs[best])))}
		tr := tableRow{Cells: []tableCell{head(strconv.Itoa(h)), key, num(row.V[best], ".3f"), num(row.V[e.key], ".3f")}}
		if h == e.head {
			tr.Class = "qrow"
		}
		v.Rows = append(v.Rows, tr)
	}
	return v.html()
}

type plotView struct{ Kind, Src, Caption string }

var plotTemplate = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("plot").Parse(
		`<figure class="lesson-plot" data-plot="{{.Kind}}"><img src="{{.Src}}" alt="{{.Caption}}"><figcaption>{{.Caption}}</figcaption></figure>`))
})

// plotHTML shows the image Context.Plot gives for the current layer, head
// and query, or nothing when the caller draws no plots.
func plotHTML(r *renderer, d *directive) (string, error) {
	if r.plot == nil {
		return "", nil
	}
	kind := d.args["kind"]
	if kind == "loss" && len(r.env.data.IDs) < 2 {
		// A one-token prompt has no next token to score.
		return "", fmt.Errorf("plot loss needs two tokens: %w", errRange)
	}
	src, err := r.plot(PlotRequest{Kind: kind, Layer: r.env.layer, Head: r.env.head, Pos: r.env.query})
	if err != nil {
		return "", fmt.Errorf("plot %s: %w", kind, err)
	}
	if src == "" {
		return "", nil // the caller has no such plot for this trace
	}
	format := r.ui("plot_" + kind)
	nums := []any{r.env.layer, r.env.head}
	var b strings.Builder
	err = plotTemplate().Execute(&b, plotView{Kind: kind, Src: src, Caption: fmt.Sprintf(format, nums[:strings.Count(format, "%d")]...)})
	return b.String(), err
}
