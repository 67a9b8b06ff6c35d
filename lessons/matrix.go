package lessons

import (
	"fmt"
	"html/template"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// {{matrix hook=H at="…" rows=tokens cols=tokens max=8 fmt=F hidden=sum}}
// draws a 2-D slice of a hook (or a 1-D slice as one row) as a table.

func checkMatrix(d *directive) error {
	for _, k := range []string{"rows", "cols"} {
		if v, ok := d.args[k]; ok && v != "tokens" && v != "index" {
			return fmt.Errorf("%s=%q: want tokens or index", k, v)
		}
	}
	if h, ok := d.args["hidden"]; ok && h != "sum" {
		return fmt.Errorf(`hidden=%q: want sum`, h)
	}
	return checkFmt(d)
}

// lastUpTo returns up to limit indices of an axis of length n: for a token
// axis, the last ones up to and including the query; else the first ones.
func lastUpTo(n, limit, query int, tokens bool) []int {
	lo, hi := 0, min(n, limit)
	if tokens && n > limit {
		hi = min(query+1, n)
		lo = max(0, hi-limit)
	}
	out := make([]int, 0, hi-lo)
	for i := lo; i < hi; i++ {
		out = append(out, i)
	}
	return out
}

// keyColumns chooses at most limit key columns of a row of n entries that
// a query at position query sees: always the worked key and the row's
// largest entry among the visible keys, then the latest keys up to the
// query. With n ≤ limit every column is shown.
func keyColumns(row []float32, limit, query, key int) []int {
	n := len(row)
	if n <= limit {
		return lastUpTo(n, limit, query, false)
	}
	must := []int{}
	visible := min(query+1, n)
	best := 0
	for j := 1; j < visible; j++ {
		if row[j] > row[best] {
			best = j
		}
	}
	for _, j := range []int{key, best} {
		if j >= 0 && j < visible && !slices.Contains(must, j) {
			must = append(must, j)
		}
	}
	cols := append([]int(nil), must...)
	for j := visible - 1; j >= 0 && len(cols) < limit; j-- {
		if !slices.Contains(cols, j) {
			cols = append(cols, j)
		}
	}
	slices.Sort(cols)
	return cols
}

// A matrixCell is one cell of a table: "…" for skipped columns.
type matrixCell struct {
	Text      string
	Highlight bool
}

type matrixRow struct {
	Head  template.HTML
	Query bool
	Cells []matrixCell
}

type matrixView struct {
	Heads []template.HTML
	Rows  []matrixRow
	Note  string
}

var matrixTemplate = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("matrix").Parse(
		`<div class="lesson-matrix"><table class="lesson-table"><thead><tr><th></th>{{range .Heads}}<th>{{.}}</th>{{end}}</tr></thead><tbody>` +
			`{{range .Rows}}<tr{{if .Query}} class="qrow"{{end}}><th>{{.Head}}</th>{{range .Cells}}<td{{if .Highlight}} class="hl"{{end}}>{{.Text}}</td>{{end}}</tr>{{end}}` +
			`</tbody></table>{{if .Note}}<p class="lesson-note">{{.Note}}</p>{{end}}</div>`))
})

// withGaps returns cols with -1 wherever indices are skipped (before the
// first, between two, or after the last of n).
func withGaps(cols []int, n int) []int {
	var out []int
	next := 0
	for _, c := range cols {
		if c > next {
			out = append(out, -1)
		}
		out = append(out, c)
		next = c + 1
	}
	if next < n {
		out = append(out, -1)
	}
	return out
}

// matrixHTML draws a 2-D slice of a hook (or a 1-D slice as one row) as a
// table, with positions labelled by their tokens when rows= or cols= is
// tokens, and the (query, key) cell highlighted. Token columns always
// include the worked key and the largest entry of the query's row; with
// hidden=sum the note gives the sum of the row's entries that are not
// shown, so that "the row adds up to 1" can be checked from the page.
func matrixHTML(r *renderer, d *directive) (string, error) {
	name, err := r.env.expand(d.args["hook"])
	if err != nil {
		return "", err
	}
	idx, err := r.indices(d)
	if err != nil {
		return "", err
	}
	shape, data, ok := r.env.data.Tensor(name)
	if !ok {
		return "", &MissingHookError{Hook: name}
	}
	rest := len(shape) - len(idx)
	if rest != 1 && rest != 2 {
		return "", fmt.Errorf("hook %q has shape %v: at= must leave 1 or 2 axes, it leaves %d", name, shape, rest)
	}
	off := 0
	for a, i := range idx {
		if i < 0 || i >= shape[a] {
			return "", fmt.Errorf("hook %q: index %d of axis %d is outside [0, %d): %w", name, i, a, shape[a], errRange)
		}
		off = off*shape[a] + i
	}
	nr, nc := 1, shape[len(shape)-1]
	if rest == 2 {
		nr = shape[len(shape)-2]
	}
	off *= nr * nc
	limit := 8
	if m, ok := d.args["max"]; ok {
		if limit, err = strconv.Atoi(m); err != nil || limit < 2 {
			return "", fmt.Errorf("max=%q: want an integer ≥ 2", m)
		}
	}
	q := r.env.query
	rowTok, colTok := d.args["rows"] == "tokens", d.args["cols"] == "tokens"
	rows := []int{0}
	if rest == 2 {
		rows = lastUpTo(nr, limit, q, rowTok)
	}
	// The row whose keys decide the columns: the query's, when rows are
	// positions, else the one row.
	focus := 0
	if rest == 2 && rowTok && q < nr {
		focus = q
	}
	cols := lastUpTo(nc, limit, q, colTok)
	if colTok {
		cols = keyColumns(data[off+focus*nc:off+focus*nc+nc], limit, q, r.env.key)
	}
	head := func(i int, tok bool) template.HTML {
		if tok && i < len(r.env.data.Tokens) {
			return template.HTML(span("ix", strconv.Itoa(i)) + " " + tokenHTML(r.env.data.Tokens[i]))
		}
		return template.HTML(strconv.Itoa(i))
	}
	var v matrixView
	gapped := withGaps(cols, nc)
	if !colTok {
		gapped = cols
		if len(cols) < nc {
			gapped = append(gapped, -1)
		}
	}
	for _, j := range gapped {
		if j < 0 {
			v.Heads = append(v.Heads, "…")
			continue
		}
		v.Heads = append(v.Heads, head(j, colTok))
	}
	for _, i := range rows {
		row := matrixRow{Query: rest == 2 && rowTok && i == q}
		if rest == 2 {
			row.Head = head(i, rowTok)
		}
		for _, j := range gapped {
			if j < 0 {
				row.Cells = append(row.Cells, matrixCell{Text: "…"})
				continue
			}
			s, err := formatNumber(float64(data[off+i*nc+j]), d.args["fmt"], false)
			if err != nil {
				return "", err
			}
			hl := colTok && j == r.env.key && (rest == 1 || rowTok && i == q)
			row.Cells = append(row.Cells, matrixCell{Text: s, Highlight: hl})
		}
		v.Rows = append(v.Rows, row)
	}
	if nr > len(rows) || nc > len(cols) {
		v.Note = fmt.Sprintf(r.ui("partOf"), len(rows), len(cols), nr, nc)
	}
	if d.args["hidden"] == "sum" {
		hidden, count := 0.0, 0
		for j := 0; j < min(q+1, nc); j++ {
			if !slices.Contains(cols, j) {
				hidden += float64(data[off+focus*nc+j])
				count++
			}
		}
		if count > 0 {
			s, err := formatNumber(hidden, d.args["fmt"], false)
			if err != nil {
				return "", err
			}
			if math.IsNaN(hidden) {
				s = "NaN"
			}
			v.Note = strings.TrimSpace(v.Note + " " + fmt.Sprintf(r.ui("hiddenSum"), count, s))
		}
	}
	var b strings.Builder
	err = matrixTemplate().Execute(&b, v)
	return b.String(), err
}
