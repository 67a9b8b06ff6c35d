package lessons

import (
	"fmt"
	"sort"
	"unicode/utf8"

	"github.com/transformer-explorer/explorer/lessons/expr"
	"github.com/transformer-explorer/explorer/trace"
)

// variables are the names an expression may use. A variable the model or
// prompt does not have fails with errRange and shows as unavailable.
var variables = map[string]func(e *env) (float64, error){
	"layer":   func(e *env) (float64, error) { return float64(e.layer), nil },
	"head":    func(e *env) (float64, error) { return float64(e.head), nil },
	"q":       func(e *env) (float64, error) { return float64(e.query), nil },
	"k":       func(e *env) (float64, error) { return float64(e.key), nil },
	"T":       func(e *env) (float64, error) { return float64(len(e.data.IDs)), nil },
	"L":       func(e *env) (float64, error) { return float64(e.data.Model.NLayer), nil },
	"H":       func(e *env) (float64, error) { return float64(e.data.Model.NHead), nil },
	"C":       func(e *env) (float64, error) { return float64(e.data.Model.NEmbd), nil },
	"D":       func(e *env) (float64, error) { return float64(e.data.Model.HeadSize()), nil },
	"F":       func(e *env) (float64, error) { return float64(e.data.Model.Inner()), nil },
	"V":       func(e *env) (float64, error) { return float64(e.data.Model.VocabSize), nil },
	"N_ctx":   func(e *env) (float64, error) { return known(float64(e.data.Model.NCtx)) },
	"eps":     func(e *env) (float64, error) { return known(e.data.Model.Epsilon) },
	"P":       func(e *env) (float64, error) { return params(e.data.Model) },
	"n_chars": func(e *env) (float64, error) { return float64(utf8.RuneCountInString(e.data.Text)), nil },
	"n_bytes": func(e *env) (float64, error) { return float64(len(e.data.Text)), nil },
	"mid":     func(e *env) (float64, error) { return float64((len(e.data.IDs) - 1) / 2), nil },
	"ans": func(e *env) (float64, error) {
		if e.ans == nil {
			return 0, fmt.Errorf("ans is only defined in an exercise's tol=")
		}
		return *e.ans, nil
	},
}

func init() {
	for name, f := range measuredVars {
		variables[name] = f
	}
}

// params returns the model's parameter count (trace.ModelInfo.Params).
// params returns the model's parameter count, which needs its context
// length (the position table is N_ctx × C).
func params(m trace.ModelInfo) (float64, error) {
	if m.NCtx <= 0 {
		return 0, errUnknownSetting
	}
	return float64(m.Params()), nil
}

// known returns a model setting, or errUnknownSetting when the trace does
// not state it (zero: no GPT-2 setting is zero or negative).
func known(v float64) (float64, error) {
	if !(v > 0) {
		return 0, errUnknownSetting
	}
	return v, nil
}

// names are the variables and functions of lesson expressions, for
// expr.Parse.
func names() expr.Names {
	vars := make([]string, 0, len(variables))
	for v := range variables {
		vars = append(vars, v)
	}
	sort.Strings(vars)
	return expr.Names{Vars: vars, Funcs: hostFuncNames()}
}

// Var implements expr.Env.
func (e *env) Var(name string) (float64, error) { return variables[name](e) }

// TokenID implements expr.Env.
func (e *env) TokenID(pos int) (int, error) {
	if pos < 0 || pos >= len(e.data.IDs) {
		return 0, fmt.Errorf("id: position %d outside the %d tokens: %w", pos, len(e.data.IDs), errRange)
	}
	return e.data.IDs[pos], nil
}

var _ expr.Env = (*env)(nil)
