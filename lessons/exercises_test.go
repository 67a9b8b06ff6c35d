package lessons

import (
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/net/html"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/stat"

	"github.com/transformer-explorer/explorer/trace"
	"github.com/transformer-explorer/explorer/trace/tracetest"
)

// Every exercise is checked twice, on several prompts and contexts:
//
//   - independently: the test computes the right answer from the trace's
//     tensors in float64, with its own code (softmax of the logits, dot
//     products of the recorded q and k, …), never through the lesson's
//     expression, and the lesson's answer must agree;
//   - from the page: the test reads the numbers the rendered lesson shows
//     (the text of its {{… name=N}} values, or the cells of its tables),
//     solves the exercise with them as a learner would, and Check must
//     accept that answer at the exercise's stated tolerance.
//
// An exercise without a case here fails the test.

// A page is one lesson rendered in one context.
type page struct {
	t    *testing.T
	l    *Lesson
	r    *renderer
	html string
	tr   *trace.Trace
	q, k int // the resolved query and key
}

// shown parses the text a named {{value}}, {{config}} or {{vector}} (its
// entry i) shows on the page.
func (p *page) shown(name string, i ...int) float64 {
	p.t.Helper()
	for _, d := range p.l.directives() {
		if d.args["name"] != name {
			continue
		}
		var s string
		var err error
		switch d.name {
		case "config":
			s, err = configNames[d.pos[0]](p.r.env.data.Model)
		case "vector":
			var parts []string
			parts, _, err = p.r.vectorParts(d, false)
			if err == nil && len(i) == 1 && i[0] < len(parts) {
				s = parts[i[0]]
			}
		default:
			s, err = p.r.scalarText(d, false)
		}
		if err != nil {
			p.t.Fatalf("%s: shown %s: %v", p.l.File, name, err)
		}
		return parseShown(p.t, s)
	}
	p.t.Fatalf("%s: no value named %q on the page", p.l.File, name)
	return 0
}

// parseShown reads a number as formatNumber writes it: "−1.5", "124,439",
// "1.2×10⁻⁵".
func parseShown(t *testing.T, s string) float64 {
	t.Helper()
	s = strings.ReplaceAll(s, ",", "")
	s = strings.ReplaceAll(s, "−", "-")
	if mant, exp, ok := strings.Cut(s, "×10"); ok {
		exp = strings.Map(func(r rune) rune {
			if i := strings.IndexRune("⁰¹²³⁴⁵⁶⁷⁸⁹", r); i >= 0 {
				return rune('0' + utf8.RuneCountInString("⁰¹²³⁴⁵⁶⁷⁸⁹"[:i]))
			}
			if r == '⁻' {
				return '-'
			}
			return r
		}, exp)
		s = mant + "e" + exp
	}
	x, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		t.Fatalf("shown number %q: %v", s, err)
	}
	return x
}

// tables returns the text of every cell of the page's tables, table by
// table and row by row (head rows included).
func (p *page) tables() [][][]string {
	doc, err := html.Parse(strings.NewReader(p.html))
	if err != nil {
		p.t.Fatal(err)
	}
	var out [][][]string
	var text func(n *html.Node) string
	text = func(n *html.Node) string {
		if n.Type == html.TextNode {
			return n.Data
		}
		var b strings.Builder
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			b.WriteString(text(c))
		}
		return b.String()
	}
	element := func(n *html.Node, names ...string) bool {
		return n.Type == html.ElementNode && slices.Contains(names, n.Data)
	}
	visit(doc, func(n *html.Node) bool {
		if !element(n, "table") {
			return true
		}
		var rows [][]string
		visit(n, func(n *html.Node) bool {
			if !element(n, "tr") {
				return true
			}
			var cells []string
			for c := range n.ChildNodes() {
				if element(c, "td", "th") {
					cells = append(cells, strings.TrimSpace(text(c)))
				}
			}
			rows = append(rows, cells)
			return false
		})
		out = append(out, rows)
		return false
	})
	return out
}

// table returns the first table whose head row has a cell equal to col,
// and that column's index.
func (p *page) table(col string) ([][]string, int) {
	p.t.Helper()
	for _, tb := range p.tables() {
		if len(tb) == 0 {
			continue
		}
		for j, c := range tb[0] {
			if c == col {
				return tb, j
			}
		}
	}
	p.t.Fatalf("%s: no table with a column %q", p.l.File, col)
	return nil, 0
}

// topP returns the shown probability of the i-th candidate of {{topk}}.
func (p *page) topP(i int) float64 {
	tb, j := p.table("p")
	return parseShown(p.t, tb[1+i][j])
}

// lossCol returns the shown −log p column of {{losses}}.
func (p *page) lossCol() []float64 {
	tb, j := p.table("−log p")
	var out []float64
	for _, row := range tb[1:] {
		if j < len(row) {
			out = append(out, parseShown(p.t, row[j]))
		}
	}
	return out // the footer (the mean) has fewer cells and is skipped
}

// patternRow returns the keys and weights the attention row's table shows
// and the sum its note gives for the hidden keys.
func (p *page) patternRow() (keys []int, weights []float64, hidden float64) {
	p.t.Helper()
	doc := p.html
	i := strings.Index(doc, `<div class="lesson-matrix">`)
	if i < 0 {
		p.t.Fatalf("%s: no matrix", p.l.File)
	}
	// The pattern row is the second matrix of the self-attention lesson.
	j := strings.Index(doc[i+1:], `<div class="lesson-matrix">`)
	sub := doc[i+1+j:]
	sub = sub[:strings.Index(sub, "</div>")]
	tp := &page{t: p.t, l: p.l, html: sub}
	tb := tp.tables()[0]
	for c, head := range tb[0][1:] {
		if head == "…" {
			continue
		}
		k, err := strconv.Atoi(strings.Fields(head)[0])
		if err != nil {
			p.t.Fatalf("key head %q: %v", head, err)
		}
		keys = append(keys, k)
		weights = append(weights, parseShown(p.t, tb[1][1+c]))
	}
	if n := strings.Index(sub, `class="lesson-note"`); n >= 0 {
		note := sub[n:]
		note = note[strings.Index(note, ">")+1:]
		note, _, _ = strings.Cut(note, "</p>")
		// The sum follows "add up to" ("加起来是"), when keys are hidden.
		for _, marker := range []string{"add up to ", "加起来是 "} {
			if _, after, ok := strings.Cut(note, marker); ok {
				hidden = parseShown(p.t, strings.TrimRight(after, ".。"))
			}
		}
	}
	return keys, weights, hidden
}

// Independent computations on the trace, in float64.

func rowOf(t *testing.T, tr *trace.Trace, name string, idx ...int) []float64 {
	t.Helper()
	x, ok := tr.Tensor(name)
	if !ok {
		t.Fatalf("hook %q is not in the trace", name)
	}
	off, stride := 0, len(x.Data)
	for a, i := range idx {
		stride /= x.Shape[a]
		off += i * stride
	}
	out := make([]float64, stride)
	for i := range out {
		out[i] = float64(x.Data[off+i])
	}
	return out
}

// softmax64 takes its route through gonum rather than the lesson's
// expression code: p_i = exp(z_i − log Σ_j exp z_j).
func softmax64(z []float64) []float64 {
	lse := floats.LogSumExp(z)
	out := make([]float64, len(z))
	for i, v := range z {
		out[i] = math.Exp(v - lse)
	}
	return out
}

// nextProb is the probability the model gives at position t to the token
// at t+1, from the logits.
func nextProb(t *testing.T, tr *trace.Trace, pos int) float64 {
	return softmax64(rowOf(t, tr, trace.Logits, pos))[tr.IDs[pos+1]]
}

// sortedProbs is the softmax of the logits at pos, largest first.
func sortedProbs(t *testing.T, tr *trace.Trace, pos int) []float64 {
	p := softmax64(rowOf(t, tr, trace.Logits, pos))
	sort.Sort(sort.Reverse(sort.Float64Slice(p)))
	return p
}

func gelu64(u float64) float64 {
	return 0.5 * u * (1 + math.Tanh(math.Sqrt(2/math.Pi)*(u+0.044715*u*u*u)))
}

// qk returns row i of the head's queries or keys.
func qk(t *testing.T, p *page, hook string, i int) []float64 {
	return rowOf(t, p.tr, trace.Block(p.r.env.layer, hook), i, p.r.env.head)
}

// paramsOf counts a tied GPT-2's parameters by hand: embeddings, twelve
// C² and thirteen C per block (with F = 4C), the final LayerNorm.
func paramsOf(m trace.ModelInfo) float64 {
	c := float64(m.NEmbd)
	return float64(m.VocabSize)*c + float64(m.NCtx)*c + float64(m.NLayer)*(12*c*c+13*c) + 2*c
}

// otherKey is a key other than the worked one, as the lesson picks it.
func otherKey(p *page) int {
	if p.k > 0 {
		return 0
	}
	return p.q
}

// exerciseCase checks one exercise: want computes the answer from the
// trace; shown solves it from the page (nil for a choice).
type exerciseCase struct {
	want  func(p *page) float64
	shown func(p *page) float64
}

var exerciseCases = map[string]exerciseCase{
	"history/incontext": {
		func(p *page) float64 {
			n := len(p.tr.IDs) - 1
			var loss []float64
			for i := range n {
				loss = append(loss, -math.Log(nextProb(p.t, p.tr, i)))
			}
			return stat.Mean(loss[:n/2], nil) - stat.Mean(loss[n/2:], nil)
		},
		func(p *page) float64 { return p.shown("first") - p.shown("second") },
	},
	"history/decoder":    {func(*page) float64 { return 1 }, nil},
	"tokenization/bytes": {func(*page) float64 { return float64(len("猫")) - 1 }, nil},
	"tokenization/bytes_per_token": {
		func(p *page) float64 { return float64(len(p.tr.Text)) / float64(len(p.tr.IDs)) },
		func(p *page) float64 { return p.shown("bytes") / p.shown("tokens") },
	},
	"token-embedding/size": {
		func(p *page) float64 { return float64(p.tr.Model.VocabSize * p.tr.Model.NEmbd) },
		func(p *page) float64 { return p.shown("V") * p.shown("C") },
	},
	"token-embedding/row": {
		func(p *page) float64 { return float64(p.tr.Model.NEmbd) },
		func(p *page) float64 { return p.shown("C") },
	},
	"positional-embedding/sum": {
		func(p *page) float64 {
			return rowOf(p.t, p.tr, trace.Embed, 0)[0] + rowOf(p.t, p.tr, trace.PosEmbed, 0)[0]
		},
		func(p *page) float64 { return p.shown("e00") + p.shown("p00") },
	},
	"positional-embedding/sinusoid": {
		func(p *page) float64 {
			return math.Sin(float64(p.q) / math.Pow(10000, 2/float64(p.tr.Model.NEmbd)))
		},
		func(p *page) float64 { return math.Sin(p.shown("pos") / math.Pow(10000, 2/p.shown("width"))) },
	},
	"residual-stream/mid": {
		func(p *page) float64 {
			l := p.r.env.layer
			return rowOf(p.t, p.tr, trace.Block(l, trace.ResidPre), p.q)[1] + rowOf(p.t, p.tr, trace.Block(l, trace.AttnOut), p.q)[1]
		},
		func(p *page) float64 { return p.shown("x1") + p.shown("a1") },
	},
	"layer-norm/second": {
		func(p *page) float64 {
			x := rowOf(p.t, p.tr, trace.Block(p.r.env.layer, trace.ResidPre), p.q)
			mu := stat.Mean(x, nil)
			v := 0.0
			for _, xi := range x {
				v += (xi - mu) * (xi - mu)
			}
			return (x[1] - mu) / math.Sqrt(v/float64(len(x))+p.tr.Model.Epsilon)
		},
		func(p *page) float64 { return (p.shown("x", 1) - p.shown("mu")) / p.shown("s") },
	},
	"self-attention/scaled": {
		func(p *page) float64 {
			return floats.Dot(qk(p.t, p, trace.AttnQ, p.q), qk(p.t, p, trace.AttnK, otherKey(p))) / math.Sqrt(float64(p.tr.Model.HeadSize()))
		},
		func(p *page) float64 { return p.shown("qk2") / math.Sqrt(p.shown("D")) },
	},
	"self-attention/argmax": {
		// The largest weight is the largest dot product (softmax keeps
		// the order).
		func(p *page) float64 {
			q, best := qk(p.t, p, trace.AttnQ, p.q), 0
			for j := 0; j <= p.q; j++ {
				if floats.Dot(q, qk(p.t, p, trace.AttnK, j)) > floats.Dot(q, qk(p.t, p, trace.AttnK, best)) {
					best = j
				}
			}
			return float64(best)
		},
		func(p *page) float64 {
			keys, w, _ := p.patternRow()
			best := 0
			for i := range w {
				if w[i] > w[best] {
					best = i
				}
			}
			return float64(keys[best])
		},
	},
	"self-attention/rowsum": {
		func(*page) float64 { return 1 },
		func(p *page) float64 {
			_, w, hidden := p.patternRow()
			s := hidden
			for _, x := range w {
				s += x
			}
			return s
		},
	},
	"attention-why/scaledvar": {
		func(p *page) float64 {
			var s []float64
			d := math.Sqrt(float64(p.tr.Model.HeadSize()))
			for i := range p.tr.IDs {
				for j := 0; j <= i; j++ {
					s = append(s, floats.Dot(qk(p.t, p, trace.AttnQ, i), qk(p.t, p, trace.AttnK, j))/d)
				}
			}
			m, v := stat.Mean(s, nil), 0.0
			for _, x := range s {
				v += (x - m) * (x - m)
			}
			return v / float64(len(s))
		},
		func(p *page) float64 { return p.shown("rawvar2") / p.shown("dk") },
	},
	"attention-why/future": {
		func(p *page) float64 {
			mid, T := (len(p.tr.IDs)-1)/2, len(p.tr.IDs)
			q := qk(p.t, p, trace.AttnQ, mid)
			z := make([]float64, T)
			for j := range z {
				z[j] = floats.Dot(q, qk(p.t, p, trace.AttnK, j)) / math.Sqrt(float64(p.tr.Model.HeadSize()))
			}
			s := 0.0
			for _, w := range softmax64(z)[mid+1:] {
				s += w
			}
			return s
		},
		func(p *page) float64 { return p.shown("future") },
	},
	"multi-head/wq": {
		func(p *page) float64 { return float64(p.tr.Model.NEmbd * p.tr.Model.HeadSize()) },
		func(p *page) float64 { return p.shown("C") * p.shown("D") },
	},
	"multi-head/wo": {
		func(p *page) float64 { return float64(p.tr.Model.NEmbd * p.tr.Model.NEmbd) },
		func(p *page) float64 { return p.shown("C") * p.shown("C") },
	},
	"feed-forward/gelu": {
		// The engine's own GELU output is the independent reference.
		func(p *page) float64 {
			row := rowOf(p.t, p.tr, trace.Block(p.r.env.layer, trace.MLPPost), p.q)
			return row[len(row)-1]
		},
		func(p *page) float64 { return gelu64(p.shown("u")) },
	},
	"output-layer/ratio": {
		func(p *page) float64 { s := sortedProbs(p.t, p.tr, p.q); return s[0] / s[4] },
		func(p *page) float64 { return math.Exp(p.shown("z1") - p.shown("z5")) },
	},
	"output-layer/top5": {
		func(p *page) float64 { s := sortedProbs(p.t, p.tr, p.q); return s[0] + s[1] + s[2] + s[3] + s[4] },
		func(p *page) float64 { return p.topP(0) + p.topP(1) + p.topP(2) + p.topP(3) + p.topP(4) },
	},
	"sampling/topk2": {
		func(p *page) float64 { s := sortedProbs(p.t, p.tr, p.q); return s[0] / (s[0] + s[1]) },
		func(p *page) float64 { return p.topP(0) / (p.topP(0) + p.topP(1)) },
	},
	"sampling/greedy": {func(*page) float64 { return 1 }, nil},
	"pretraining/half": {
		func(p *page) float64 { return -math.Log(nextProb(p.t, p.tr, 0) / 2) },
		func(p *page) float64 { return p.lossCol()[0] + math.Log(2) },
	},
	"pretraining/total": {
		func(p *page) float64 {
			s := 0.0
			for i := 0; i+1 < len(p.tr.IDs); i++ {
				s -= math.Log(nextProb(p.t, p.tr, i))
			}
			return s
		},
		func(p *page) float64 {
			s := 0.0
			for _, x := range p.lossCol() {
				s += x
			}
			return s
		},
	},
	"fine-tuning/grad": {
		func(p *page) float64 { return nextProb(p.t, p.tr, p.q-1) - 1 },
		func(p *page) float64 { return p.shown("py") - 1 },
	},
	"fine-tuning/adam": {func(*page) float64 { return 1 }, nil},
	"applications/top": {
		func(p *page) float64 { return sortedProbs(p.t, p.tr, p.q)[0] },
		func(p *page) float64 { return p.topP(0) },
	},
	"applications/tldr": {func(*page) float64 { return 1 }, nil},
	"scale/ratio": {
		func(p *page) float64 { return 175e9 / paramsOf(p.tr.Model) },
		func(p *page) float64 { return 175e9 / p.shown("P") },
	},
	"scale/attn_share": {
		func(p *page) float64 {
			m := p.tr.Model
			a := 2 * float64(m.NLayer*m.NCtx*m.NEmbd)
			return a / (2*paramsOf(m) + a)
		},
		func(p *page) float64 {
			a := 2 * p.shown("L") * p.shown("N") * p.shown("C")
			return a / (2*p.shown("P") + a)
		},
	},
	"challenges/gpt3": {
		func(*page) float64 { return 3.15 },
		func(*page) float64 { return 6 * 175e9 * 300e9 / 1e23 },
	},
	"challenges/perchar": {
		func(p *page) float64 { return float64(len(p.tr.IDs)) / float64(utf8.RuneCountInString(p.tr.Text)) },
		func(p *page) float64 { return p.shown("tokens") / p.shown("chars") },
	},
	"tools/logprob": {
		func(p *page) float64 { return math.Log(sortedProbs(p.t, p.tr, p.q)[0]) },
		func(p *page) float64 { return math.Log(p.shown("p1")) },
	},
	"tools/sample": {func(*page) float64 { return 1 }, nil},
}

// TestExercisesIndependently checks every exercise of every lesson, in
// both languages, on several prompts, two models (the random tiny one and
// the trained default) and two contexts: its answer against a computation
// of the test's own, and the answer a learner gets from the shown numbers
// against Check.
func TestExercisesIndependently(t *testing.T) {
	lib := mustLoad(t)
	seen := map[string]bool{}
	var traces []*trace.Trace
	for _, prompt := range testPrompts {
		traces = append(traces, tinyTrace(t, prompt), defaultTrace(t, prompt))
	}
	for _, tr := range traces {
		if len(tr.IDs) < 2 {
			continue // TestFirstQuery covers what a one-token prompt lacks
		}
		d := FromTrace(tr)
		for _, lang := range Langs() {
			ls, _ := lib.List(lang)
			for _, l := range ls {
				for _, ctx := range renderCases(d)[:2] {
					ctx.Static = true
					h, err := lib.Render(l.ID, lang, ctx)
					if err != nil {
						t.Fatal(err)
					}
					e, err := ctx.resolve()
					if err != nil {
						t.Fatal(err)
					}
					p := &page{t: t, l: l, r: &renderer{env: e, lesson: l, lang: lang, runs: lib.runs}, html: string(h), tr: tr, q: e.query, k: e.key}
					for _, id := range l.Exercises {
						key := l.ID + "/" + id
						c, ok := exerciseCases[key]
						if !ok {
							t.Errorf("%s: exercise %s has no independent check in exerciseCases", l.File, id)
							continue
						}
						seen[key] = true
						solveExercise(t, lib, p, id, c, ctx)
					}
				}
			}
		}
	}
	for key := range exerciseCases {
		if !seen[key] {
			t.Errorf("exerciseCases has %s, which no lesson has", key)
		}
	}
}

func solveExercise(t *testing.T, lib *Library, p *page, id string, c exerciseCase, ctx Context) {
	t.Helper()
	d := p.l.exercises[id]
	label := p.l.File + " " + id + " on " + strconv.Quote(p.tr.Text)
	got, err := p.r.answer(d)
	if err != nil {
		t.Errorf("%s: %v", label, err)
		return
	}
	tracetest.CheckScalar(t, label+": the lesson's answer against the test's", got, c.want(p), trace.Tolerance{Abs: 1e-4, Rel: true})
	if c.shown == nil {
		if ok, _, err := lib.Check(p.l.ID, id, p.l.Lang, strconv.Itoa(int(c.want(p))), ctx); !ok || err != nil {
			t.Errorf("%s: Check rejects the right choice %v: %v", label, c.want(p), err)
		}
		return
	}
	learner := c.shown(p)
	answer := strconv.FormatFloat(learner, 'g', -1, 64)
	if ok, expl, err := lib.Check(p.l.ID, id, p.l.Lang, answer, ctx); !ok || err != nil {
		tol, rel, _ := p.r.tolerance(d)
		t.Errorf("%s: from the shown numbers a learner gets %s (exact %v, tolerance %v relative %v): Check says %q, %v", label, answer, got, tol, rel, expl, err)
	}
}
