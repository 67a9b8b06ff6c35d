package train

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/transformer-explorer/explorer/engine"
	"github.com/transformer-explorer/explorer/trace"
)

// ProbeTokens returns the induction probe: the token bos followed by n
// random tokens drawn uniformly from [lo, hi) (never bos) and the same n
// tokens again, 2n+1 in all. On its second copy a head that has learned
// to copy ("induction") attends from each token to the token that
// followed the same token in the first copy. Drawing from the merged
// tokens of a BPE vocabulary (lo = 256) avoids single bytes that may
// never occur in training text.
func ProbeTokens(r *rand.Rand, n, lo, hi, bos int) []int {
	ids := make([]int, 0, 2*n+1)
	ids = append(ids, bos)
	for len(ids) < n+1 {
		id := lo + r.IntN(hi-lo)
		if id != bos {
			ids = append(ids, id)
		}
	}
	return append(ids, ids[1:]...)
}

// probeRange returns the [lo, hi) token range probes draw from: the
// merged tokens when the vocabulary has enough of them, else all.
func probeRange(vocab, n int) (lo, hi int) {
	if vocab-256 >= 4*n {
		return 256, vocab
	}
	return 0, vocab
}

// InductionScores returns, for each head, the standard induction score of
// an attention pattern att (NH, T, T) on a probe made by ProbeTokens with
// T = 2n+1: the mean, over the query positions i of the second copy
// (n+1 ≤ i ≤ 2n), of the attention from i to i−n+1, the position just
// after the earlier occurrence of token i. A head that copies scores near
// 1; uniform causal attention scores about 1/(1.5n).
func InductionScores(att []float32, NH, n int) []float64 {
	T := 2*n + 1
	scores := make([]float64, NH)
	for h := 0; h < NH; h++ {
		var s float64
		for i := n + 1; i <= 2*n; i++ {
			s += float64(att[(h*T+i)*T+i-n+1])
		}
		scores[h] = s / float64(n)
	}
	return scores
}

// ModelInductionScores runs reps probes of n random tokens (seeded by
// seed, drawn from the merged tokens) through m and returns the mean induction score of every head,
// indexed [layer][head]. The probes begin with the end-of-text token eot
// (as the training stories follow one), or token 0 when eot < 0.
func ModelInductionScores(ctx context.Context, m *engine.Model, eot, n, reps int, seed uint64) ([][]float64, error) {
	L, NH := m.Config.NLayer, m.Config.NHead
	if 2*n+1 > m.Config.NPositions {
		return nil, fmt.Errorf("train: induction probe of %d tokens is longer than the context %d", 2*n+1, m.Config.NPositions)
	}
	bos := max(eot, 0)
	r := rand.New(rand.NewPCG(seed, 0x1d))
	sum := make([][]float64, L)
	for l := range sum {
		sum[l] = make([]float64, NH)
	}
	for rep := 0; rep < reps; rep++ {
		lo, hi := probeRange(m.Config.VocabSize, n)
		ids := ProbeTokens(r, n, lo, hi, bos)
		rec := trace.RecorderFunc(func(t trace.Tensor) error {
			l, point, ok := trace.ParseBlock(t.Name)
			if ok && point == trace.AttnPattern {
				for h, s := range InductionScores(t.Data, NH, n) {
					sum[l][h] += s
				}
			}
			return nil
		})
		sel, err := trace.Select(L, "blocks.*."+trace.AttnPattern)
		if err != nil {
			return nil, fmt.Errorf("train: %w", err)
		}
		if err := m.Record(ctx, ids, trace.Only(sel, rec)); err != nil {
			return nil, fmt.Errorf("train: induction probe: %w", err)
		}
	}
	for l := range sum {
		for h := range sum[l] {
			sum[l][h] /= float64(reps)
		}
	}
	return sum, nil
}
