package table_test

import (
	"fmt"
	"os"

	"github.com/transformer-explorer/explorer/trace"
	"github.com/transformer-explorer/explorer/trace/table"
)

// ExampleOf takes one head's attention pattern out of a trace as CSV, with
// the tokens as row and column labels.
func ExampleOf() {
	tr := trace.New(trace.ModelInfo{NLayer: 1, NHead: 2, NEmbd: 4}, "The cat", []int{464, 3797}, []string{"The", "␣cat"}, nil)
	tr.Record(trace.Tensor{
		Name:  trace.Block(0, trace.AttnPattern),
		Shape: []int{2, 2, 2}, // [heads, queries, keys]
		Data:  []float32{1, 0, 0.25, 0.75, 1, 0, 0.6, 0.4},
	})
	tab, err := table.Of(tr, trace.Block(0, trace.AttnPattern), 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := tab.Write(os.Stdout, "csv"); err != nil {
		fmt.Println(err)
	}
	// Output:
	// query\key,0:The,1:␣cat
	// 0:The,1,0
	// 1:␣cat,0.6,0.4
}
