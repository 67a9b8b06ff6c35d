package viz

import (
	"fmt"
	"gonum.org/v1/plot/vg"
	"math"
	"testing"

	"github.com/transformer-explorer/explorer/trace"
)

// synthTokens are display strings that exercise the label rules: the
// tokenizer's whitespace symbols, a byte token, non-ASCII letters, and
// PostScript's special characters.
var synthTokens = []string{"The", "␣cat", "↵", "<0xE8>", "é", "(x)", "␣back\\slash", "中"}

// synth returns a trace of an L-layer, H-head model over T tokens with every
// hook a plot reads, filled with deterministic values: patterns are causal
// and sum to 1 along keys, scores are −Inf in the masked future.
func synth(t testing.TB, L, H, T, D int) *trace.Trace {
	t.Helper()
	const K, V = 5, 1000
	info := trace.ModelInfo{Name: "synthetic", NLayer: L, NHead: H, NEmbd: H * D, NInner: 4 * H * D, NCtx: 1024, VocabSize: V}
	ids := make([]int, T)
	tokens := make([]string, T)
	for i := range T {
		ids[i] = (7*i + 3) % V
		tokens[i] = synthTokens[i%len(synthTokens)]
		if i >= len(synthTokens) {
			tokens[i] = fmt.Sprintf("%s%d", tokens[i], i)
		}
	}
	tr := trace.New(info, "synthetic", ids, tokens, tokens)
	rec := func(name string, shape []int, f func(i int) float32) {
		t.Helper()
		n := 1
		for _, s := range shape {
			n *= s
		}
		data := make([]float32, n)
		for i := range data {
			data[i] = f(i)
		}
		if err := tr.Record(trace.Tensor{Name: name, Shape: shape, Data: data}); err != nil {
			t.Fatal(err)
		}
	}
	for l := range L {
		// pattern[h, i, j] ∝ 1 + ((l + h + i·j) mod 5) for j ≤ i.
		pat := make([]float32, H*T*T)
		for h := range H {
			for i := range T {
				var sum float32
				for j := 0; j <= i; j++ {
					v := float32(1 + (l+h+i*j)%5)
					pat[(h*T+i)*T+j] = v
					sum += v
				}
				for j := 0; j <= i; j++ {
					pat[(h*T+i)*T+j] /= sum
				}
			}
		}
		rec(trace.Block(l, trace.AttnPattern), []int{H, T, T}, func(i int) float32 { return pat[i] })
		rec(trace.Block(l, trace.AttnScores), []int{H, T, T}, func(k int) float32 {
			i, j := (k/T)%T, k%T
			if j > i {
				return float32(math.Inf(-1))
			}
			return float32(math.Sin(float64(k))) * 4
		})
		for p, point := range []string{trace.AttnQ, trace.AttnK, trace.AttnV} {
			rec(trace.Block(l, point), []int{T, H, D}, func(k int) float32 { return float32(math.Cos(float64(k*(p+2)))) * 2 })
		}
	}
	topID := func(k int) float32 { return float32((k*13 + 1) % V) }
	topP := func(k int) float32 { return 0.5 / float32(1+k%K) }
	rec(trace.NextTopIDs, []int{T, K}, topID)
	rec(trace.NextTopProbs, []int{T, K}, topP)
	rec(trace.NextLoss, []int{T - 1}, func(k int) float32 { return 1 + float32(k%4) })
	rec(trace.LensTopIDs, []int{L + 1, T, K}, topID)
	rec(trace.LensTopProbs, []int{L + 1, T, K}, topP)
	for k := range (L + 1) * T * K {
		id := int(topID(k))
		tr.Labels[id] = fmt.Sprintf("␣w%d", id)
	}
	return tr
}

// lengthOf converts points for tests.
func lengthOf(pt float64) vg.Length { return vg.Length(pt) }

// withTop is a trace of tr's prompt holding only a pair of top-K hooks,
// ids and probs, of the given shapes (all zeros).
func withTop(t testing.TB, tr *trace.Trace, ids, probs string, idsShape, probsShape []int) *trace.Trace {
	t.Helper()
	out := trace.New(tr.Model, "", tr.IDs, tr.Tokens, tr.TokenStrings)
	for _, h := range []trace.Tensor{{Name: ids, Shape: idsShape}, {Name: probs, Shape: probsShape}} {
		h.Data = make([]float32, h.Len())
		if err := out.Record(h); err != nil {
			t.Fatal(err)
		}
	}
	return out
}
