package trace_test

import (
	"fmt"
	"math"

	"github.com/transformer-explorer/explorer/trace"
)

func ExampleSelect() {
	sel, err := trace.Select(12, "blocks.*.attn.hook_pattern", "logits")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(sel.Match("blocks.5.attn.hook_pattern"))
	fmt.Println(sel.Match("blocks.5.attn.hook_q"))
	_, err = trace.Select(12, "blocks.*.attn.hook_patern")
	fmt.Println(err != nil)
	// Output:
	// true
	// false
	// true
}

func ExampleRecorderFunc() {
	// A recorder that prints the shape of each attention pattern it is sent.
	sel, _ := trace.Select(2, "blocks.*.attn.hook_pattern")
	rec := trace.Only(sel, trace.RecorderFunc(func(t trace.Tensor) error {
		fmt.Println(t.Name, t.Shape)
		return nil
	}))
	for _, name := range []string{trace.Block(0, trace.AttnQ), trace.Block(0, trace.AttnPattern)} {
		if trace.Wants(rec, name) {
			rec.Record(trace.Tensor{Name: name, Shape: []int{4, 3, 3}})
		}
	}
	// Output:
	// blocks.0.attn.hook_pattern [4 3 3]
}

func ExampleSteps() {
	for _, s := range trace.Steps(1)[:6] {
		fmt.Println(s.ID, s.Kind, s.Layer, s.Hooks)
	}
	// Output:
	// tokenize tokenize -1 []
	// embed embed -1 [hook_embed]
	// pos_embed pos_embed -1 [hook_pos_embed blocks.0.hook_resid_pre]
	// L0.ln1 ln1 0 [blocks.0.ln1.hook_normalized blocks.0.ln1.hook_scale blocks.0.hook_resid_pre]
	// L0.qkv qkv 0 [blocks.0.attn.hook_q blocks.0.attn.hook_k blocks.0.attn.hook_v]
	// L0.scores scores 0 [blocks.0.attn.hook_attn_scores]
}

// Compare fails on a NaN whatever the tolerance, so a broken computation
// cannot pass as "close enough".
func ExampleCompare() {
	want := []float64{0.25, 0.75, math.Inf(-1)}
	fmt.Println(trace.Compare([]float32{0.2501, 0.7499, float32(math.Inf(-1))}, want, trace.Tolerance{Abs: 1e-3}).OK())
	fmt.Println(trace.Compare([]float32{0.25, float32(math.NaN()), float32(math.Inf(-1))}, want, trace.Tolerance{Abs: 1}))
	// Output:
	// true
	// [1] = NaN, want 0.75
}
