package lessons

import (
	"fmt"
	"unicode/utf8"

	"github.com/transformer-explorer/explorer/lessons/expr"
)

// variables are the names an expression may use.
var variables = map[string]func(e *env) float64{
	"layer":   func(e *env) float64 { return float64(e.layer) },
	"head":    func(e *env) float64 { return float64(e.head) },
	"q":       func(e *env) float64 { return float64(e.query) },
	"k":       func(e *env) float64 { return float64(e.key) },
	"T":       func(e *env) float64 { return float64(len(e.data.IDs)) },
	"L":       func(e *env) float64 { return float64(e.data.Model.NLayer) },
	"H":       func(e *env) float64 { return float64(e.data.Model.NHead) },
	"C":       func(e *env) float64 { return float64(e.data.Model.NEmbd) },
	"D":       func(e *env) float64 { return float64(e.data.Model.HeadSize()) },
	"F":       func(e *env) float64 { return float64(e.data.Model.Inner()) },
	"V":       func(e *env) float64 { return float64(e.data.Model.VocabSize) },
	"N_ctx":   func(e *env) float64 { return float64(e.data.Model.NCtx) },
	"eps":     func(e *env) float64 { return e.data.Model.Epsilon },
	"P":       func(e *env) float64 { return float64(e.data.Model.Params()) },
	"n_chars": func(e *env) float64 { return float64(utf8.RuneCountInString(e.data.Text)) },
	"n_bytes": func(e *env) float64 { return float64(len(e.data.Text)) },
}

// varNames are the variables of lesson expressions, for expr.Parse.
func variableNames() []string {
	return []string{"layer", "head", "q", "k", "T", "L", "H", "C", "D", "F", "V", "N_ctx", "eps", "P", "n_chars", "n_bytes"}
}

// Var implements expr.Env.
func (e *env) Var(name string) float64 { return variables[name](e) }

// TokenID implements expr.Env.
func (e *env) TokenID(pos int) (int, error) {
	if pos < 0 || pos >= len(e.data.IDs) {
		return 0, fmt.Errorf("id: position %d outside the %d tokens: %w", pos, len(e.data.IDs), errRange)
	}
	return e.data.IDs[pos], nil
}

var _ expr.Env = (*env)(nil)

func argmax(v []float64) int {
	best := 0
	for i, x := range v {
		if x > v[best] {
			best = i
		}
	}
	return best
}

func mean(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}
