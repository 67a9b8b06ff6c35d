package engine

import (
	"fmt"
	"slices"

	"github.com/transformer-explorer/explorer/trace"
)

// RecordNext adds the derived next-token hooks to a trace that holds the
// logits (T, V) but not them, such as a TransformerLens cache read from a
// file: next.top_ids and next.top_probs (T, TopK), the TopK most probable
// tokens at each position with their softmax probabilities, and, when
// every token id is known, next.loss (T−1), −log p(ids[t+1]). The values
// are those a traced pass gives (the same top-k selection, best first,
// ties to the lower id). It needs no weights. A trace that has the hooks
// already, or no logits, is left as it is; logits of the wrong shape or a
// token id outside the vocabulary are errors.
func RecordNext(tr *trace.Trace) error {
	if tr.Has(trace.NextTopIDs) || tr.Has(trace.NextTopProbs) {
		return nil
	}
	logits, ok := tr.Tensor(trace.Logits)
	if !ok {
		return nil
	}
	T := len(tr.IDs)
	if len(logits.Shape) != 2 || logits.Shape[0] != T || logits.Shape[1] < 1 {
		return fmt.Errorf("engine: next tokens: logits are %v, want [%d V]", logits.Shape, T)
	}
	V := logits.Shape[1]
	withLoss := T >= 2 && !slices.Contains(tr.IDs, trace.UnknownID)
	ids, probs := make([]float32, T*TopK), make([]float32, T*TopK)
	var loss []float32
	if withLoss {
		loss = make([]float32, T-1)
	}
	buf := make([]candidate, 0, TopK)
	for t := range T {
		z := logits.Data[t*V : (t+1)*V]
		lse := topK(ids[t*TopK:(t+1)*TopK], probs[t*TopK:(t+1)*TopK], z, buf)
		if withLoss && t+1 < T {
			next := tr.IDs[t+1]
			if next < 0 || next >= V {
				return fmt.Errorf("engine: next tokens: token id %d at position %d is outside the %d logits", next, t+1, V)
			}
			loss[t] = float32(lse - float64(z[next]))
		}
	}
	out := []trace.Tensor{
		{Name: trace.NextTopIDs, Shape: []int{T, TopK}, Data: ids},
		{Name: trace.NextTopProbs, Shape: []int{T, TopK}, Data: probs},
	}
	if withLoss {
		out = append(out, trace.Tensor{Name: trace.NextLoss, Shape: []int{T - 1}, Data: loss})
	}
	for _, x := range out {
		if err := tr.Record(x); err != nil {
			return err
		}
	}
	return nil
}
