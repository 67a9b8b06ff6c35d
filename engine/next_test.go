package engine

import (
	"context"
	"math"
	"slices"
	"testing"

	"github.com/transformer-explorer/explorer/trace"
	"github.com/transformer-explorer/explorer/trace/tracetest"
)

// TestRecordNextMatchesForward derives the next-token hooks from the
// logits alone, as for a trace read from a file, and checks them against
// a traced pass (the same ids, probabilities within 1e-6) and against a
// float64 softmax of the logits.
func TestRecordNextMatchesForward(t *testing.T) {
	m := smallModel(t, 21)
	const T = 9
	ids := randomIDs(T, m.Config.VocabSize, 22)
	full := trace.New(m.Info(), "", ids, nil, nil)
	if _, err := m.Forward(context.Background(), ids, full); err != nil {
		t.Fatal(err)
	}
	logits, _ := full.Tensor(trace.Logits)
	for _, known := range []bool{true, false} {
		tr := trace.New(m.Info(), "", ids, nil, nil)
		if !known {
			for i := range tr.IDs {
				tr.IDs[i] = trace.UnknownID
			}
		}
		if err := tr.Record(logits); err != nil {
			t.Fatal(err)
		}
		if err := RecordNext(tr); err != nil {
			t.Fatal(err)
		}
		passIDs, _ := full.Tensor(trace.NextTopIDs)
		passP, _ := full.Tensor(trace.NextTopProbs)
		tracetest.CheckHook(t, tr, trace.NextTopIDs, passIDs.Data, trace.Tolerance{})
		tracetest.CheckHook(t, tr, trace.NextTopProbs, passP.Data, trace.Tolerance{Abs: 1e-6})
		// An independent float64 softmax of the logits.
		V := m.Config.VocabSize
		gotIDs, _ := tr.Tensor(trace.NextTopIDs)
		wantP := make([]float64, T*TopK)
		wantLoss := make([]float64, T-1)
		for p := range T {
			z := logits.Data[p*V : (p+1)*V]
			maxz := float64(slices.Max(z))
			sum := 0.0
			for _, x := range z {
				sum += math.Exp(float64(x) - maxz)
			}
			lse := maxz + math.Log(sum)
			for k := range TopK {
				wantP[p*TopK+k] = math.Exp(float64(z[int(gotIDs.Data[p*TopK+k])]) - lse)
			}
			if p+1 < T {
				wantLoss[p] = lse - float64(z[ids[p+1]])
			}
		}
		tracetest.CheckHook(t, tr, trace.NextTopProbs, wantP, trace.Tolerance{Abs: 1e-6})
		if known {
			tracetest.CheckHook(t, tr, trace.NextLoss, wantLoss, trace.Tolerance{Abs: 1e-5, Rel: true})
		} else if tr.Has(trace.NextLoss) {
			t.Error("RecordNext scored the next tokens of a trace whose ids are unknown")
		}
	}
	bad := trace.New(m.Info(), "", []int{1, 100000}, nil, nil)
	bad.Record(trace.Tensor{Name: trace.Logits, Shape: []int{2, 3}, Data: make([]float32, 6)})
	if err := RecordNext(bad); err == nil {
		t.Error("RecordNext accepted a token id outside the logits")
	}
}
