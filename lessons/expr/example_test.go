package expr_test

import (
	"fmt"

	"github.com/transformer-explorer/explorer/lessons/expr"
)

// oneHook serves a single attention row and the variable q.
type oneHook struct{}

func (oneHook) Var(string) (float64, error) { return 2, nil }
func (oneHook) TokenID(pos int) (int, error) {
	return 0, expr.ErrRange
}
func (oneHook) Tensor(name string, idx []int) (expr.Value, error) {
	row := []float64{0.1, 0.2, 0.7}
	if len(idx) == 1 {
		return expr.Value{V: row, Vec: true}, nil
	}
	return expr.Scalar(row[idx[1]]), nil
}

func ExampleParse() {
	n, err := expr.Parse(`argmax(t("blocks.0.attn.hook_pattern", 0)) + sum(t("blocks.0.attn.hook_pattern", 0))`, expr.Names{Vars: []string{"q"}})
	if err != nil {
		panic(err)
	}
	v, err := n.Eval(oneHook{})
	fmt.Println(v.S, err)
	// Output: 3 <nil>
}
