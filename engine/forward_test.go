package engine

import (
	"context"
	"slices"
	"testing"

	"github.com/transformer-explorer/explorer/trace"
)

// TestReachOf checks how far Model.Record runs for what the recorder
// wants: the blocks up to the last wanted hook, that block's attention
// half alone when nothing after it is wanted, and everything for the
// final hooks.
func TestReachOf(t *testing.T) {
	m := smallModel(t, 3) // 3 layers
	full := reach{layer: 2, half: 2, final: true}
	tests := []struct {
		patterns []string
		want     reach
	}{
		{nil, full}, // a recorder without Wants wants everything
		{[]string{"logits"}, full},
		{[]string{"next.top_ids"}, full},
		{[]string{"lens.top_probs"}, full},
		{[]string{"ln_final.hook_scale"}, full},
		{[]string{"hook_embed"}, reach{layer: -1}},
		{[]string{"hook_embed", "hook_pos_embed"}, reach{layer: -1}},
		{[]string{"blocks.0.hook_resid_pre"}, reach{layer: 0}},
		{[]string{"blocks.0.attn.hook_pattern"}, reach{layer: 0, half: 1}},
		{[]string{"blocks.1.hook_resid_mid"}, reach{layer: 1, half: 1}},
		{[]string{"blocks.1.ln1.hook_scale"}, reach{layer: 1, half: 1}},
		{[]string{"blocks.1.ln2.hook_scale"}, reach{layer: 1, half: 2}},
		{[]string{"blocks.0.attn.hook_pattern", "blocks.1.mlp.hook_post"}, reach{layer: 1, half: 2}},
		{[]string{"blocks.*.attn.hook_pattern"}, reach{layer: 2, half: 1}},
		{[]string{"blocks.2.hook_resid_post"}, reach{layer: 2, half: 2}},
	}
	for _, tt := range tests {
		var rec trace.Recorder = trace.RecorderFunc(func(trace.Tensor) error { return nil })
		if tt.patterns != nil {
			sel, err := trace.Select(m.Config.NLayer, tt.patterns...)
			if err != nil {
				t.Fatal(err)
			}
			rec = trace.Only(sel, rec)
		}
		if got := m.reachOf(rec); got != tt.want {
			t.Errorf("reachOf(%q) = %+v, want %+v", tt.patterns, got, tt.want)
		}
	}
}

// TestRecordMatchesForward checks that Model.Record, which stops where
// the wanted hooks end, reports exactly the hooks a whole pass reports,
// with the same values, and only those.
func TestRecordMatchesForward(t *testing.T) {
	m := smallModel(t, 5)
	ctx := context.Background()
	ids := randomIDs(21, m.Config.VocabSize, 6)
	whole := trace.New(m.Info(), "", ids, nil, nil)
	if _, err := m.Forward(ctx, ids, whole); err != nil {
		t.Fatal(err)
	}
	for _, patterns := range [][]string{
		{"hook_embed"},
		{"blocks.0.attn.hook_pattern"},
		{"blocks.1.attn.hook_z", "blocks.0.mlp.hook_post"},
		{"blocks.2.hook_resid_post"},
		{"logits", "blocks.1.ln2.hook_scale"},
	} {
		sel, err := trace.Select(m.Config.NLayer, patterns...)
		if err != nil {
			t.Fatal(err)
		}
		tr := trace.New(m.Info(), "", ids, nil, nil)
		if err := m.Record(ctx, ids, trace.Only(sel, tr)); err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, name := range whole.Names() {
			if sel.Match(name) {
				want = append(want, name)
			}
		}
		if got := tr.Names(); !slices.Equal(got, want) {
			t.Errorf("Record(%q) reported %q, want %q", patterns, got, want)
		}
		for _, name := range want {
			a, _ := tr.Tensor(name)
			b, _ := whole.Tensor(name)
			if !slices.Equal(a.Data, b.Data) || !slices.Equal(a.Shape, b.Shape) {
				t.Errorf("Record(%q): %s differs from the whole pass's", patterns, name)
			}
		}
	}
}
