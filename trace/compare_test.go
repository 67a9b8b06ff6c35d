package trace_test

import (
	"math"
	"strings"
	"testing"

	"github.com/transformer-explorer/explorer/trace"
)

func TestCompare(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	abs := trace.Tolerance{Abs: 1e-3}
	rel := trace.Tolerance{Abs: 1e-3, Rel: true}
	tests := []struct {
		name      string
		got, want []float64
		tol       trace.Tolerance
		ok        bool
		problem   string // a substring of Diff.Problem, when one is expected
		worst, at float64
	}{
		{"equal", []float64{1, 2}, []float64{1, 2}, abs, true, "", 0, -1},
		{"within", []float64{1.0005, 2}, []float64{1, 2}, abs, true, "", 5e-4, 0},
		{"beyond", []float64{1, 2.01}, []float64{1, 2}, abs, false, "", 0.01, 1},
		{"worst of several", []float64{1.002, 2.0005, 2.997}, []float64{1, 2, 3}, abs, false, "", 3e-3, 2},
		{"relative", []float64{1000.5}, []float64{1000}, rel, true, "", 5e-4, 0},
		{"relative is absolute below one", []float64{0.0015}, []float64{0}, rel, false, "", 1.5e-3, 0},
		{"NaN got", []float64{1, nan}, []float64{1, 2}, abs, false, "NaN", inf, 1},
		{"NaN first", []float64{nan, 2}, []float64{1, 2}, abs, false, "NaN", inf, 0},
		{"+Inf got", []float64{inf}, []float64{1}, abs, false, "+Inf", inf, 0},
		{"-Inf got", []float64{-inf}, []float64{1}, abs, false, "-Inf", inf, 0},
		{"NaN reference", []float64{1}, []float64{nan}, abs, false, "reference", inf, 0},
		{"+Inf reference", []float64{inf}, []float64{inf}, abs, false, "reference", inf, 0},
		{"masked both", []float64{-inf, 1}, []float64{-inf, 1}, abs, true, "", 0, -1},
		{"masked by a large negative", []float64{-1e38, 1}, []float64{-inf, 1}, abs, true, "", 0, -1},
		{"masked reference, finite got", []float64{-3, 1}, []float64{-inf, 1}, abs, false, "masked", inf, 0},
		{"masked reference, NaN got", []float64{nan}, []float64{-inf}, abs, false, "masked", inf, 0},
		{"masked got, finite reference", []float64{-inf}, []float64{-3}, abs, false, "-Inf", inf, 0},
		{"shorter", []float64{1}, []float64{1, 2}, abs, false, "1 values, want 2", inf, -1},
		{"longer", []float64{1, 2, 3}, []float64{1, 2}, abs, false, "3 values, want 2", inf, -1},
		{"empty", nil, nil, abs, true, "", 0, -1},
		{"zero tolerance, equal", []float64{0.5}, []float64{0.5}, trace.Tolerance{}, true, "", 0, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := trace.Compare(tt.got, tt.want, tt.tol)
			if d.OK() != tt.ok {
				t.Errorf("Compare(%v, %v, %v).OK() = %v, want %v (%v)", tt.got, tt.want, tt.tol, d.OK(), tt.ok, d)
			}
			if (d.Problem != "") != (tt.problem != "") || !strings.Contains(d.Problem, tt.problem) {
				t.Errorf("Problem = %q, want one containing %q", d.Problem, tt.problem)
			}
			if math.Abs(d.Worst-tt.worst) > 1e-9 && d.Worst != tt.worst {
				t.Errorf("Worst = %v, want %v", d.Worst, tt.worst)
			}
			if float64(d.At) != tt.at {
				t.Errorf("At = %d, want %v", d.At, tt.at)
			}
			if d.String() == "" {
				t.Error("empty String()")
			}
		})
	}
}

// A float32 value compares with a float64 reference at float32 precision.
func TestCompareMixedPrecision(t *testing.T) {
	got := []float32{0.1, float32(math.Inf(-1))}
	want := []float64{0.1, math.Inf(-1)}
	if d := trace.Compare(got, want, trace.Tolerance{Abs: 1e-7}); !d.OK() {
		t.Errorf("float32(0.1) vs 0.1 at 1e-7: %v", d)
	}
	if d := trace.Compare(got, want, trace.Tolerance{Abs: 1e-10}); d.OK() {
		t.Errorf("float32(0.1) vs 0.1 at 1e-10 passed: %v", d)
	}
}

func TestCompareHook(t *testing.T) {
	tr := trace.New(trace.ModelInfo{NLayer: 1, NHead: 1, NEmbd: 2}, "", []int{0}, []string{"a"}, []string{"a"})
	if err := tr.Record(trace.Tensor{Name: trace.Embed, Shape: []int{1, 2}, Data: []float32{1, 2}}); err != nil {
		t.Fatal(err)
	}
	if d := trace.CompareHook(tr, trace.Embed, []float64{1, 2}, trace.Tolerance{}); !d.OK() {
		t.Errorf("recorded hook: %v", d)
	}
	d := trace.CompareHook(tr, trace.PosEmbed, []float64{1, 2}, trace.Tolerance{Abs: 1})
	if d.OK() || !strings.Contains(d.Problem, "missing") {
		t.Errorf("missing hook: OK=%v %v", d.OK(), d)
	}
}
