package engine

import (
	"context"
	"math"
	"slices"
	"testing"

	"github.com/transformer-explorer/explorer/trace"
)

// smallModel returns a random 3-layer model with a 500-token vocabulary,
// closed when t ends.
func smallModel(t *testing.T, seed uint64) *Model {
	t.Helper()
	cfg := Config{ModelType: "gpt2", VocabSize: 500, NPositions: 128, NEmbd: 48, NLayer: 3, NHead: 4,
		LayerNormEpsilon: 1e-5, ActivationFunction: "gelu_new"}
	m, err := randomModel(cfg, seed)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// TestOnDemandMatchesForward records a whole prompt pass of a small random
// model, then recomputes every layer's attention from its recorded
// hook_resid_pre with AttentionAt (which must agree bit for bit) and the
// logit lens of a few rows with LensAt (probabilities within 1e-6, the
// same ids).
func TestOnDemandMatchesForward(t *testing.T) {
	m := smallModel(t, 11)
	cfg := m.Config
	ctx := context.Background()
	const T = 70
	ids := randomIDs(T, cfg.VocabSize, 12)
	tr := trace.New(m.Info(), "", ids, nil, nil)
	if _, err := m.Forward(ctx, ids, tr); err != nil {
		t.Fatal(err)
	}
	get := func(name string) []float32 {
		x, ok := tr.Tensor(name)
		if !ok {
			t.Fatalf("trace has no %s", name)
		}
		return x.Data
	}
	lensIDs, lensP := get(trace.LensTopIDs), get(trace.LensTopProbs)
	for l := 0; l < cfg.NLayer; l++ {
		resid := get(trace.Block(l, trace.ResidPre))
		scores, pattern, err := m.AttentionAt(ctx, l, resid, T)
		if err != nil {
			t.Fatal(err)
		}
		for name, got := range map[string][]float32{trace.AttnScores: scores, trace.AttnPattern: pattern} {
			want := get(trace.Block(l, name))
			for i := range want {
				if got[i] != want[i] && !(math.IsInf(float64(got[i]), -1) && math.IsInf(float64(want[i]), -1)) {
					t.Fatalf("AttentionAt(%d) %s[%d] = %v, want %v", l, name, i, got[i], want[i])
				}
			}
		}
		// The lens of rows 0, 33 and 69 of layer l.
		rows := []int{0, 33, T - 1}
		sel := make([]float32, 0, len(rows)*cfg.NEmbd)
		for _, r := range rows {
			sel = append(sel, resid[r*cfg.NEmbd:(r+1)*cfg.NEmbd]...)
		}
		gotIDs, gotP := make([]float32, len(rows)*TopK), make([]float32, len(rows)*TopK)
		if err := m.LensAt(ctx, gotIDs, gotP, sel, len(rows)); err != nil {
			t.Fatal(err)
		}
		for i, r := range rows {
			for j := 0; j < TopK; j++ {
				off := (l*T+r)*TopK + j
				if gotIDs[i*TopK+j] != lensIDs[off] || !(math.Abs(float64(gotP[i*TopK+j]-lensP[off])) <= 1e-6) {
					t.Errorf("LensAt layer %d row %d rank %d = (%v, %v), want (%v, %v)", l, r, j,
						gotIDs[i*TopK+j], gotP[i*TopK+j], lensIDs[off], lensP[off])
				}
			}
		}
	}
	if _, _, err := m.AttentionAt(ctx, cfg.NLayer, nil, T); err == nil {
		t.Error("AttentionAt past the last layer: no error")
	}
	if _, _, err := m.AttentionAt(ctx, 0, make([]float32, 10), T); err == nil {
		t.Error("AttentionAt with a short residual: no error")
	}
	if err := m.LensAt(ctx, nil, nil, make([]float32, cfg.NEmbd), 1); err == nil {
		t.Error("LensAt with short outputs: no error")
	}
}

// TestRecordLensMatchesForward records a pass without the lens, adds it
// with RecordLens, and compares it with a pass that recorded the lens
// (same ids, probabilities within 1e-6); a trace without the residual
// stream is refused.
func TestRecordLensMatchesForward(t *testing.T) {
	m := smallModel(t, 13)
	cfg := m.Config
	ctx := context.Background()
	ids := randomIDs(70, cfg.VocabSize, 14)
	want := trace.New(m.Info(), "", ids, nil, nil)
	if _, err := m.Forward(ctx, ids, want); err != nil {
		t.Fatal(err)
	}
	noLens, err := trace.Select(cfg.NLayer, "hook_*", "blocks.**", "ln_final.**", "logits", "next.**")
	if err != nil {
		t.Fatal(err)
	}
	got := trace.New(m.Info(), "", ids, nil, nil)
	if _, err := m.Forward(ctx, ids, trace.Only(noLens, got)); err != nil {
		t.Fatal(err)
	}
	if got.Has(trace.LensTopIDs) {
		t.Fatal("the pass recorded the lens it was not asked for")
	}
	if err := RecordLens(ctx, m, got); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{trace.LensTopIDs, trace.LensTopProbs} {
		g, _ := got.Tensor(name)
		w, _ := want.Tensor(name)
		if !slices.Equal(g.Shape, w.Shape) {
			t.Fatalf("%s shape %v, want %v", name, g.Shape, w.Shape)
		}
		for i := range w.Data {
			if d := math.Abs(float64(g.Data[i] - w.Data[i])); !(d <= 1e-6) {
				t.Fatalf("%s[%d] = %v, want %v", name, i, g.Data[i], w.Data[i])
			}
		}
	}
	if err := RecordLens(ctx, m, got); err != nil || len(got.Passes(trace.LensTopIDs)) != 1 {
		t.Errorf("a second RecordLens: %v, %d passes", err, len(got.Passes(trace.LensTopIDs)))
	}
	if err := RecordLens(ctx, m, trace.New(m.Info(), "", ids, nil, nil)); err == nil {
		t.Error("RecordLens on an empty trace: no error")
	}
}
