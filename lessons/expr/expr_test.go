package expr

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
)

// fakeEnv is a 2×3 hook "m" = [[1 2 3] [4 5 6]], a hook "blocks.1.x" = [7 8],
// the variables layer=1 and q=1, and token ids 10, 20.
type fakeEnv struct{}

var fakeVars = Names{Vars: []string{"layer", "q"}, Funcs: []string{"twice"}}

func (fakeEnv) Var(name string) (float64, error) {
	return map[string]float64{"layer": 1, "q": 1}[name], nil
}

func (fakeEnv) Tensor(name string, idx []int) (Value, error) {
	data := map[string][][]float64{"m": {{1, 2, 3}, {4, 5, 6}}, "blocks.1.x": {{7, 8}}}[name]
	if data == nil {
		return Value{}, fmt.Errorf("hook %q is not in the trace", name)
	}
	switch len(idx) {
	case 1:
		if idx[0] >= len(data) {
			return Value{}, ErrRange
		}
		return Value{V: data[idx[0]], Vec: true}, nil
	case 2:
		if idx[0] >= len(data) || idx[1] >= len(data[0]) {
			return Value{}, ErrRange
		}
		return Scalar(data[idx[0]][idx[1]]), nil
	}
	return Value{}, fmt.Errorf("bad index %v", idx)
}

// Call implements Caller with one function, twice(x) = 2x.
func (fakeEnv) Call(name string, args []Value) (Value, error) {
	if name != "twice" || len(args) != 1 || args[0].Vec {
		return Value{}, fmt.Errorf("twice wants one number")
	}
	return Scalar(2 * args[0].S), nil
}

func (fakeEnv) TokenID(pos int) (int, error) {
	if pos < 0 || pos > 1 {
		return 0, ErrRange
	}
	return 10 * (pos + 1), nil
}

func TestEval(t *testing.T) {
	for _, c := range []struct {
		src  string
		want float64
	}{
		// Arithmetic and precedence.
		{"1 + 2 * 3", 7},
		{"(1 + 2) * 3", 9},
		{"-2^2", -4},
		{"2^-1", 0.5},
		{"2^3^2", 512},
		{"1e-3 * 1000", 1},
		{"10 / 4 - 1", 1.5},
		// Variables and tensors.
		{"layer + q", 2},
		{`t("m", 1, 2)`, 6},
		{`t("m", q, q+1)`, 6},
		{`sum(t("m", 0))`, 6},
		{`t("blocks.{layer}.x", 0, 1)`, 8},
		{`dot(t("m", 0), t("m", 1))`, 32},
		{`norm(t("m", 0) - t("m", 0))`, 0},
		{`sum(t("m", 0) * 2 + 1)`, 15},
		// Reductions and functions.
		{`mean(t("m", 1))`, 5},
		{`var(t("m", 1))`, 2.0 / 3},
		{`std(t("m", 1))`, math.Sqrt(2.0 / 3)},
		{`max(t("m", 1))`, 6},
		{`min(3, 1, 2)`, 1},
		{`argmax(t("m", 0))`, 2},
		{`len(t("m", 0))`, 3},
		{`at(t("m", 1), 0)`, 4},
		{`sum(softmax(t("m", 0)))`, 1},
		{`at(softmax(t("m", 0)), 2) / at(softmax(t("m", 0)), 1)`, math.E},
		{"sqrt(16) + exp(0) + log(1) + abs(-2)", 7},
		{"gelu(0)", 0},
		{"gelu(1)", 0.8411919906082768},
		{"id(1)", 20},
		// Comparisons and the conditional.
		{"q < 2", 1}, {"q <= 1", 1}, {"q > 1", 0}, {"q >= 2", 0}, {"q == 1", 1}, {"q != 1", 0},
		{"1 + 1 == 2", 1},
		{"if(q == 1, 10, 20)", 10},
		{"if(q > 1, 10, 20)", 20},
		{`if(q > 1, t("m", 9, 9), 3)`, 3}, // the branch not taken may be unavailable
		{"if(0, na(), 5) + if(1, 1, na())", 6},
		{"(q < 2) * 4", 4},
		// More functions, and one of the caller's.
		{"sin(0) + cos(0)", 1},
		{"floor(2.7) + floor(-0.5)", 1},
		{`sum(slice(t("m", 1), 1, 3))`, 11},
		{`entropy(softmax(t("m", 0) * 0))`, math.Log(3)},
		{"entropy(at(t(\"m\", 0), 0) - 1)", 0},
		{"twice(q + 1)", 4},
	} {
		n, err := Parse(c.src, fakeVars)
		if err != nil {
			t.Errorf("Parse(%q): %v", c.src, err)
			continue
		}
		v, err := n.Eval(fakeEnv{})
		if err != nil || v.Vec || math.Abs(v.S-c.want) > 1e-12 {
			t.Errorf("Eval(%q) = %v, %v; want %v", c.src, v, err, c.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, c := range []struct{ src, want string }{
		{"", "want a number"},
		{"1 +", "want a number"},
		{"(1", `want ")"`},
		{"1 2", `unexpected "2"`},
		{"head", `unknown variable "head"`},
		{"frob(1)", `unknown function "frob"`},
		{`t("x`, "unterminated string"},
		{`t("blocks.{head}.x")`, `unknown variable "head"`},
		{"max(1 2)", `"," or ")"`},
		{"q = 1", `unknown operator "="`},
		{"q ! 1", `unknown operator "!"`},
		{"1 < 2 < 3", `unexpected "<"`},
	} {
		_, err := Parse(c.src, fakeVars)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Parse(%q) error = %v, want it to contain %q", c.src, err, c.want)
		}
	}
}

func TestEvalErrors(t *testing.T) {
	for _, c := range []struct {
		src   string
		want  string
		rangE bool
	}{
		{`t("nope", 0)`, `hook "nope" is not in the trace`, false},
		{`t("m", 5, 0)`, "not available", true},
		{"id(7)", "not available", true},
		{`at(t("m", 0), 3)`, "not available", true},
		{`dot(t("m", 0), t("blocks.1.x", 0))`, "same length", false},
		{`t("m", 0) + t("blocks.1.x", 0)`, "lengths 3 and 2", false},
		{`"m" + 1`, "only allowed as the hook", false},
		{`t(1)`, "quoted hook name", false},
		{"na()", "not available", true},
		{"if(1, na(), 0)", "not available", true},
		{`if(t("m", 0), 1, 2)`, "condition of if is a vector", false},
		{`t("m", 0) < 1`, "compares numbers", false},
		{"if(1, 2)", "two values", false},
		{`slice(t("m", 0), 2, 2)`, "not available", true},
		{`slice(t("m", 0), 0, 4)`, "not available", true},
		{"twice(1, 2)", "twice wants one number", false},
		{"exp(1, 2)", "want 1 argument, got 2", false},
		{"mean(1, 2)", "want 1 vector argument, got 2", false},
	} {
		n, err := Parse(c.src, fakeVars)
		if err != nil {
			t.Errorf("Parse(%q): %v", c.src, err)
			continue
		}
		_, err = n.Eval(fakeEnv{})
		if err == nil || !strings.Contains(err.Error(), c.want) || errors.Is(err, ErrRange) != c.rangE {
			t.Errorf("Eval(%q) error = %v, want %q (ErrRange %v)", c.src, err, c.want, c.rangE)
		}
	}
}

func TestParseList(t *testing.T) {
	list, err := ParseList("q, layer + 1, 2", fakeVars)
	if err != nil || len(list) != 3 {
		t.Fatalf("ParseList = %v, %v", list, err)
	}
	v, _ := list[1].Eval(fakeEnv{})
	if v.S != 2 {
		t.Errorf("second index = %v, want 2", v.S)
	}
	if _, err := ParseList("q,", fakeVars); err == nil {
		t.Errorf("ParseList(q,) succeeded")
	}
}

func TestHooksAndExpand(t *testing.T) {
	n, err := Parse(`t("a.{layer}", 0) + dot(t("m", 0), t("m", 1))`, fakeVars)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(Hooks(n), " "); got != "a.{layer} m m" {
		t.Errorf("Hooks = %q", got)
	}
	if got, err := Expand("blocks.{layer}.x.{q+1}", fakeEnv{}); err != nil || got != "blocks.1.x.2" {
		t.Errorf("Expand = %q, %v", got, err)
	}
	if _, err := Expand("blocks.{layer", fakeEnv{}); err == nil {
		t.Errorf("Expand of an unclosed { succeeded")
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"1+2*3", `t("m", q, 0)`, "max(1, 2)", "-(-q)^2", "if(q >= 1, 2, na())", `dot(t("m",0),t("m",1))`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		n, err := Parse(src, fakeVars)
		if err != nil {
			return
		}
		n.Eval(fakeEnv{}) // must not panic
	})
}
