package trace_test

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/transformer-explorer/explorer/trace"
)

func TestCompareTraces(t *testing.T) {
	ref := smallTrace(t)
	tol := trace.Tolerance{Abs: 1e-6}
	same := trace.CompareTraces(ref, smallTrace(t), nil, tol)
	if same.Failed != 0 || len(same.Hooks) != len(ref.Names()) || len(same.Notes) != 0 {
		t.Errorf("a trace against itself: %+v", same)
	}
	for _, h := range same.Hooks {
		if h.At != -1 || h.Worst != 0 {
			t.Errorf("%s differs from itself: %v", h.Hook, h.Diff)
		}
	}
	// got: the embedding perturbed at [2 1], a NaN in the scores, the
	// pattern with another shape, no next.top_ids, an extra logits.
	got := trace.New(ref.Model, "", []int{3, 1, 5}, nil, nil)
	embed, _ := ref.Tensor(trace.Embed)
	e := slices.Clone(embed.Data)
	e[9] += 0.5
	scores, _ := ref.Tensor(trace.Block(0, trace.AttnScores))
	s := slices.Clone(scores.Data)
	s[4] = float32(math.NaN())
	for _, x := range []trace.Tensor{
		{Name: trace.Embed, Shape: []int{3, 4}, Data: e},
		{Name: trace.Block(0, trace.AttnPattern), Shape: []int{1, 3, 6}, Data: make([]float32, 18)},
		{Name: trace.Block(0, trace.AttnScores), Shape: []int{2, 3, 3}, Data: s},
		{Name: trace.Logits, Shape: []int{3, 2}, Data: make([]float32, 6)},
	} {
		if err := got.Record(x); err != nil {
			t.Fatal(err)
		}
	}
	d := trace.CompareTraces(ref, got, nil, tol)
	if d.Failed != 3 || len(d.Hooks) != 3 || !slices.Equal(d.OnlyRef, []string{trace.NextTopIDs}) || !slices.Equal(d.OnlyGot, []string{trace.Logits}) {
		t.Fatalf("CompareTraces = %+v", d)
	}
	if h := d.Hooks[0]; h.Hook != trace.Embed || h.Worst != 0.5 || !slices.Equal(trace.Index(h.Shape, h.At), []int{2, 1}) {
		t.Errorf("embedding: %v at %v", h.Diff, trace.Index(h.Shape, h.At))
	}
	if p := d.Hooks[1].Problem; !strings.Contains(p, "shape [1 3 6]") {
		t.Errorf("pattern problem %q", p)
	}
	if p := d.Hooks[2].Problem; !strings.Contains(p, "NaN") {
		t.Errorf("scores problem %q", p)
	}
	if len(d.Notes) != 1 || !strings.Contains(d.Notes[0], "different token ids") {
		t.Errorf("notes %q", d.Notes)
	}
	only := trace.CompareTraces(ref, got, func(name string) bool { return name == trace.Embed }, trace.Tolerance{Abs: 1})
	if only.Failed != 0 || len(only.Hooks) != 1 || len(only.OnlyRef)+len(only.OnlyGot) != 0 {
		t.Errorf("selected: %+v", only)
	}
}

func TestModelFits(t *testing.T) {
	gpt2 := trace.ModelInfo{Name: "gpt2", NLayer: 12, NHead: 12, NEmbd: 768, NCtx: 1024, VocabSize: 50257, Epsilon: 1e-5}
	for _, tc := range []struct {
		m    trace.ModelInfo
		want bool
	}{
		{trace.ModelInfo{NLayer: 12, NHead: 12, NEmbd: 768, NInner: 3072, VocabSize: 50257}, true},
		{trace.ModelInfo{NLayer: 2, NHead: 12}, true}, // the first blocks only, no logits
		{trace.ModelInfo{NLayer: 12, NHead: 12, NEmbd: 768, NInner: 3000}, false},
		{trace.ModelInfo{NLayer: 13, NHead: 12}, false},
		{trace.ModelInfo{NLayer: 12, NHead: 16, NEmbd: 768}, false},
		{trace.ModelInfo{NLayer: 1, VocabSize: 50258}, false},
	} {
		if got := tc.m.Fits(gpt2); got != tc.want {
			t.Errorf("%+v.Fits(gpt2) = %v", tc.m, got)
		}
	}
}
