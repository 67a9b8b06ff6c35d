package web

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/transformer-explorer/explorer/engine"
	"github.com/transformer-explorer/explorer/trace"
	"github.com/transformer-explorer/explorer/trace/tracetest"
)

// tinyTrace runs prompt through the tiny conformance model.
func tinyTrace(t *testing.T, prompt string) *trace.Trace {
	t.Helper()
	m, tok, _ := loadTiny(t)
	ids, err := tok.Encode(prompt)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := engine.NewTrace(m, tok, prompt, ids)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Forward(context.Background(), ids, tr); err != nil {
		t.Fatal(err)
	}
	return tr
}

// TestExplainCellMatchesTheEngine recomputes every cell of every head in
// float64 from the recorded queries and keys, and checks each step of the
// arithmetic against what the engine recorded independently: the scaled
// score (hook_attn_scores), the weight (hook_pattern), the mask, and that
// a row's weights sum to one.
func TestExplainCellMatchesTheEngine(t *testing.T) {
	tr := tinyTrace(t, "The cat sat on the mat")
	T, H := len(tr.IDs), tr.Model.NHead
	scoreTol := trace.Tolerance{Abs: 1e-4, Rel: true}
	weightTol := trace.Tolerance{Abs: 1e-5}
	for l := range tr.Model.NLayer {
		scores, _ := tr.Tensor(trace.Block(l, trace.AttnScores))
		pattern, _ := tr.Tensor(trace.Block(l, trace.AttnPattern))
		for h := range H {
			for q := range T {
				sum := 0.0
				for k := range T {
					c, err := explainCell(tr, l, h, q, k)
					if err != nil {
						t.Fatal(err)
					}
					i := (h*T+q)*T + k
					if k > q {
						if !c.Masked || c.Weight != 0 || !math.IsInf(float64(scores.Data[i]), -1) {
							t.Errorf("L%d H%d (%d, %d): a future key: masked %v, weight %v, recorded score %v", l, h, q, k, c.Masked, c.Weight, scores.Data[i])
						}
						continue
					}
					tracetest.CheckScalar(t, "score", c.Score, float64(scores.Data[i]), scoreTol)
					tracetest.CheckScalar(t, "weight", c.Weight, float64(pattern.Data[i]), weightTol)
					// The listed terms and the rest add up to the dot product.
					s := c.Rest
					for _, tm := range c.Terms {
						s += tm.P
					}
					tracetest.CheckScalar(t, "Σ terms", s, c.Dot, trace.Tolerance{Abs: 1e-9})
					sum += c.Weight
				}
				tracetest.CheckScalar(t, "Σ weights of a row", sum, 1, trace.Tolerance{Abs: 1e-9})
			}
		}
	}
}

func TestExplainCellRefusesBadCells(t *testing.T) {
	tr := tinyTrace(t, "The cat sat")
	for _, tc := range []struct{ l, h, q, k int }{
		{-1, 0, 0, 0}, {9, 0, 0, 0}, {0, -1, 0, 0}, {0, 4, 0, 0}, {0, 0, 3, 0}, {0, 0, 0, -1},
	} {
		if _, err := explainCell(tr, tc.l, tc.h, tc.q, tc.k); err == nil {
			t.Errorf("explainCell(%v) = nil error", tc)
		}
	}
}

// TestExplainCellMissingHooks: a trace without one of the hooks the cell's
// score needs (q, k, scores, pattern) is refused, naming it; without v or
// z, the arithmetic stops short of them and keeps the other.
func TestExplainCellMissingHooks(t *testing.T) {
	full := tinyTrace(t, "The cat sat")
	without := func(point string) *trace.Trace {
		tr := trace.New(full.Model, full.Text, full.IDs, full.Tokens, full.TokenStrings)
		for _, name := range full.Names() {
			if name == trace.Block(1, point) {
				continue
			}
			x, _ := full.Tensor(name)
			if err := tr.Record(x); err != nil {
				t.Fatal(err)
			}
		}
		return tr
	}
	for _, point := range []string{trace.AttnQ, trace.AttnK, trace.AttnScores, trace.AttnPattern} {
		if _, err := explainCell(without(point), 1, 0, 2, 1); err == nil || !strings.Contains(err.Error(), trace.Block(1, point)) {
			t.Errorf("without %s: error %v, want one naming it", point, err)
		}
	}
	for _, tc := range []struct {
		point        string
		wantV, wantZ bool
	}{{"", true, true}, {trace.AttnV, false, true}, {trace.AttnZ, true, false}} {
		c, err := explainCell(without(tc.point), 1, 0, 2, 1)
		if err != nil {
			t.Fatalf("without %q: %v", tc.point, err)
		}
		if (len(c.V) > 0) != tc.wantV || (len(c.Z) > 0) != tc.wantZ {
			t.Errorf("without %q: %d values of v, %d of z", tc.point, len(c.V), len(c.Z))
		}
	}
}

// TestExplainEndpoint renders a cell's arithmetic over HTTP in both
// languages, and refuses bad requests with a reason.
func TestExplainEndpoint(t *testing.T) {
	_, ts := newTestServer(t, nil)
	session, _ := runPrompt(t, ts, "The cat sat on the mat")
	base := ts.URL + "/explain?session=" + session
	for _, tc := range []struct {
		query  string
		status int
		has    []string
	}{
		{"&step=L1.weighted_sum&head=1&q=4&k=1&lang=en", 200, []string{"Cell: query 4", "× v", "the trace:"}},
		{"&step=L0.softmax&head=0&q=2&k=1&lang=zh", 200, []string{"格子：查询 2", "除以 √d_k"}},
		{"&step=L0.mask&head=0&q=1&k=3&lang=en", 200, []string{"a future token"}},
		{"&step=embed&head=0&q=1&k=0", 400, []string{"no attention cells"}},
		{"&step=L0.softmax&head=0&q=9&k=0", 400, []string{"outside"}},
		{"&step=L0.softmax&head=x&q=1&k=0", 400, []string{"not a whole number"}},
		{"&step=nope&head=0&q=1&k=0", 404, nil},
	} {
		code, _, body := get(t, base+tc.query)
		if code != tc.status {
			t.Errorf("GET explain%s = %d, want %d: %s", tc.query, code, tc.status, body)
		}
		for _, s := range tc.has {
			if !strings.Contains(body, s) {
				t.Errorf("GET explain%s lacks %q:\n%.400s", tc.query, s, body)
			}
		}
	}
}
