package web

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"sort"

	"github.com/transformer-explorer/explorer/trace"
)

// A cellMath is the arithmetic of one cell of an attention head, from the
// run's own numbers, in float64: how query q's weight on key k comes out
// of q·k, the scale, the mask and the softmax, and how that weight scales
// k's value. The lesson panel shows it when the learner clicks a cell.
type cellMath struct {
	Layer, Head, Q, K, D int
	QTok, KTok           string
	// Terms are the largest q_d·k_d by size, Rest the sum of the others.
	Terms []term
	Rest  float64
	NRest int
	Dot   float64 // Σ_d q_d·k_d
	Sqrt  float64 // √D
	Score float64 // Dot/√D
	// TraceScore is the recorded score (−∞ when masked); Max, Exp,
	// SumExp and Weight use the float64 scores.
	TraceScore float64
	Masked     bool
	Max        float64 // the row's largest visible score
	Exp        float64 // e^(Score−Max), 0 when masked
	SumExp     float64 // Σ over the row's visible keys
	Visible    int
	Weight     float64 // Exp/SumExp
	// TraceWeight is the recorded attention weight.
	TraceWeight float64
	// V, WV and Z are the first dimensions of key k's value, of the
	// weight times it, and of query q's weighted sum (all keys), when the
	// trace has them.
	V, WV, Z []float64
}

// A term is one product q_d·k_d.
type term struct {
	Dim     int
	Q, K, P float64
}

// Sizes of the explanation.
const (
	explainTerms = 6 // products listed
	explainDims  = 8 // value dimensions listed
)

// errNotAttention is a cell request on a step with no attention matrix.
var errNotAttention = errors.New("this step has no attention cells: click a cell of the scores or the pattern")

// explainCell works out cell (q, k) of head h in layer l from tr.
func explainCell(tr *trace.Trace, l, h, q, k int) (*cellMath, error) {
	m := tr.Model
	T, H, D := len(tr.IDs), m.NHead, m.HeadSize()
	switch {
	case l < 0 || l >= m.NLayer:
		return nil, errNotAttention
	case h < 0 || h >= H:
		return nil, fmt.Errorf("head %d is outside 0…%d", h, H-1)
	case q < 0 || q >= T || k < 0 || k >= T:
		return nil, fmt.Errorf("cell (%d, %d) is outside the %d×%d pattern", q, k, T, T)
	}
	// hook reads one of the layer's hooks of the given shape; the first
	// that is missing or misshapen sets err, and the later reads do nothing.
	var err error
	hook := func(point string, shape ...int) []float32 {
		if err != nil {
			return nil
		}
		t, ok := tr.Tensor(trace.Block(l, point))
		switch {
		case !ok:
			err = fmt.Errorf("the run has no %s", trace.Block(l, point))
		case t.Len() != len(t.Data) || len(t.Data) != shape[0]*shape[1]*shape[2]:
			err = fmt.Errorf("%s has shape %v, want %v", t.Name, t.Shape, shape)
		}
		return t.Data
	}
	qs, ks := hook(trace.AttnQ, T, H, D), hook(trace.AttnK, T, H, D)
	scores, pattern := hook(trace.AttnScores, H, T, T), hook(trace.AttnPattern, H, T, T)
	if err != nil {
		return nil, err
	}
	c := &cellMath{Layer: l, Head: h, Q: q, K: k, D: D, QTok: tr.Tokens[q], KTok: tr.Tokens[k], Sqrt: math.Sqrt(float64(D))}
	qi, kj := (q*H+h)*D, (k*H+h)*D
	terms := make([]term, D)
	for d := range D {
		a, b := float64(qs[qi+d]), float64(ks[kj+d])
		terms[d] = term{Dim: d, Q: a, K: b, P: a * b}
		c.Dot += a * b
	}
	sort.SliceStable(terms, func(i, j int) bool { return math.Abs(terms[i].P) > math.Abs(terms[j].P) })
	n := min(explainTerms, D)
	c.Terms = terms[:n]
	for _, t := range terms[n:] {
		c.Rest += t.P
	}
	c.NRest = D - n
	c.Score = c.Dot / c.Sqrt
	row := (h*T + q) * T
	c.TraceScore = float64(scores[row+k])
	c.TraceWeight = float64(pattern[row+k])
	c.Masked = k > q
	// The softmax runs over the row's visible scores, recomputed in
	// float64 like this cell's, so the explanation adds up on its own.
	rowScores := make([]float64, q+1)
	c.Max = math.Inf(-1)
	for j := range rowScores {
		dot, kk := 0.0, (j*H+h)*D
		for d := range D {
			dot += float64(qs[qi+d]) * float64(ks[kk+d])
		}
		rowScores[j] = dot / c.Sqrt
		c.Max = max(c.Max, rowScores[j])
	}
	for _, sj := range rowScores {
		c.SumExp += math.Exp(sj - c.Max)
	}
	c.Visible = q + 1
	if !c.Masked {
		c.Exp = math.Exp(c.Score - c.Max)
		c.Weight = c.Exp / c.SumExp
	}
	// V and Z are optional: without them the arithmetic ends at the weight.
	if vs := hook(trace.AttnV, T, H, D); err == nil {
		for d := range min(explainDims, D) {
			v := float64(vs[kj+d])
			c.V = append(c.V, v)
			c.WV = append(c.WV, c.Weight*v)
		}
	}
	err = nil
	if zs := hook(trace.AttnZ, T, H, D); err == nil {
		for d := range min(explainDims, D) {
			c.Z = append(c.Z, float64(zs[qi+d]))
		}
	}
	return c, nil
}

// serveExplain renders the arithmetic of one attention cell:
// /explain?session=…&step=L0.softmax&head=0&q=3&k=1&lang=en.
func (s *Server) serveExplain(w http.ResponseWriter, r *http.Request) {
	lang := requestLang(r)
	tr, _, err := s.currentTrace(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	step, ok := s.findStep(r.FormValue("step"), tr.Model.NLayer)
	if !ok {
		http.Error(w, fmt.Sprintf("no step %q", r.FormValue("step")), http.StatusNotFound)
		return
	}
	var args [3]int
	for i, name := range []string{"head", "q", "k"} {
		if args[i], err = intParam(r, name, -1); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
	}
	c, err := explainCell(tr, step.Layer, args[0], args[1], args[2])
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	explainPanel(c, step.Kind, lang).Render(r.Context(), w)
}

// num writes a number of the explanation: five significant digits.
func num(x float64) string {
	switch {
	case math.IsInf(x, -1):
		return "−∞"
	case math.IsNaN(x):
		return "NaN"
	}
	s := fmt.Sprintf("%.5g", x)
	if len(s) > 0 && s[0] == '-' {
		s = "−" + s[1:]
	}
	return s
}
