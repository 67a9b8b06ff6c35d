package tracetest_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/transformer-explorer/explorer/trace"
	"github.com/transformer-explorer/explorer/trace/tracetest"
)

// spy is a testing.TB that records the errors reported to it.
type spy struct {
	testing.TB
	errors []string
}

func (s *spy) Helper() {}

func (s *spy) Errorf(format string, args ...any) {
	s.errors = append(s.errors, fmt.Sprintf(format, args...))
}

func TestCheckFails(t *testing.T) {
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	tol := trace.Tolerance{Abs: 1e-4}
	tr := trace.New(trace.ModelInfo{NLayer: 1, NHead: 1, NEmbd: 2}, "", []int{0}, []string{"a"}, []string{"a"})
	if err := tr.Record(trace.Tensor{Name: trace.Embed, Shape: []int{1, 2}, Data: []float32{1, 2}}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		run  func(tb testing.TB)
		fail bool
	}{
		{"equal", func(tb testing.TB) { tracetest.Check(tb, "x", []float32{1, 2}, []float64{1, 2}, tol) }, false},
		{"NaN", func(tb testing.TB) { tracetest.Check(tb, "x", []float32{1, nan}, []float64{1, 2}, tol) }, true},
		{"+Inf", func(tb testing.TB) { tracetest.Check(tb, "x", []float32{inf, 2}, []float64{1, 2}, tol) }, true},
		{"-Inf", func(tb testing.TB) { tracetest.Check(tb, "x", []float32{-inf, 2}, []float64{1, 2}, tol) }, true},
		{"unmasked", func(tb testing.TB) { tracetest.Check(tb, "x", []float32{0, 2}, []float64{math.Inf(-1), 2}, tol) }, true},
		{"masked", func(tb testing.TB) { tracetest.Check(tb, "x", []float32{-inf, 2}, []float64{math.Inf(-1), 2}, tol) }, false},
		{"beyond tolerance", func(tb testing.TB) { tracetest.Check(tb, "x", []float32{1.001}, []float64{1}, tol) }, true},
		{"length", func(tb testing.TB) { tracetest.Check(tb, "x", []float32{1}, []float64{1, 2}, tol) }, true},
		{"scalar NaN", func(tb testing.TB) { tracetest.CheckScalar(tb, "loss", math.NaN(), 2.5, tol) }, true},
		{"scalar ok", func(tb testing.TB) { tracetest.CheckScalar(tb, "loss", 2.50001, 2.5, tol) }, false},
		{"hook ok", func(tb testing.TB) { tracetest.CheckHook(tb, tr, trace.Embed, []float64{1, 2}, tol) }, false},
		{"hook missing", func(tb testing.TB) { tracetest.CheckHook(tb, tr, trace.PosEmbed, []float64{1, 2}, tol) }, true},
	}
	for _, tt := range tests {
		s := &spy{TB: t}
		tt.run(s)
		if failed := len(s.errors) > 0; failed != tt.fail {
			t.Errorf("%s: failed = %v (%q), want %v", tt.name, failed, s.errors, tt.fail)
		}
	}
}
