package viz_test

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/transformer-explorer/explorer/trace"
	"github.com/transformer-explorer/explorer/viz"
)

// ExampleRender plots one head's attention pattern from a hand-made trace
// of three tokens.
func ExampleRender() {
	info := trace.ModelInfo{Name: "toy", NLayer: 1, NHead: 1, NEmbd: 4}
	tr := trace.New(info, "Hi there!", []int{17250, 612, 0}, []string{"Hi", "␣there", "!"}, nil)
	// pattern [H, T, T]: each query row sums to 1 over keys 0..row.
	tr.Record(trace.Tensor{
		Name:  trace.Block(0, trace.AttnPattern),
		Shape: []int{1, 3, 3},
		Data: []float32{
			1, 0, 0,
			0.3, 0.7, 0,
			0.2, 0.5, 0.3,
		},
	})
	var svg bytes.Buffer
	err := viz.Render(&svg, tr, viz.Request{Kind: viz.KindAttention, Layer: 0, Head: 0, Format: "svg"})
	fmt.Println(err, strings.Contains(svg.String(), "layer 0 · head 0"), strings.Contains(svg.String(), ">␣there"))

	err = viz.Render(&svg, tr, viz.Request{Kind: viz.KindAttention, Head: 1, Format: "svg"})
	fmt.Println(err)
	// Output:
	// <nil> true true
	// viz: out of range: head 1: the model has heads 0 to 0
}

func ExampleFormatOf() {
	for _, path := range []string{"fig.PDF", "plot.svg", "heads.jpg"} {
		format, err := viz.FormatOf(path)
		fmt.Printf("%q %v\n", format, err)
	}
	// Output:
	// "pdf" <nil>
	// "svg" <nil>
	// "" viz: unknown image format: "heads.jpg" needs a .png, .svg, .pdf or .eps extension
}

func ExampleHooks() {
	hooks, _ := viz.Hooks(viz.KindQKV, 3, 12)
	fmt.Println(hooks)
	// Output: [blocks.3.attn.hook_q blocks.3.attn.hook_k blocks.3.attn.hook_v]
}
