// Package tracetest checks tensors against their references in tests (and
// reads how the kernel maps memory, VMFlags). It
// wraps trace.Compare, so a NaN, an infinity, a value that should be
// masked and is not, a length mismatch or a missing hook always fails,
// whatever the tolerance.
package tracetest

import (
	"testing"

	"github.com/transformer-explorer/explorer/trace"
)

// Check compares got with want and reports a test error naming label
// unless every value is within tol. It returns the comparison, whose Worst
// the caller may log or accumulate (it is +Inf after a failure).
func Check[G, W trace.Float](t testing.TB, label string, got []G, want []W, tol trace.Tolerance) trace.Diff {
	t.Helper()
	d := trace.Compare(got, want, tol)
	if !d.OK() {
		t.Errorf("%s: %v", label, d)
	}
	return d
}

// CheckScalar compares one number with its reference, as Check does.
func CheckScalar(t testing.TB, label string, got, want float64, tol trace.Tolerance) trace.Diff {
	t.Helper()
	return Check(t, label, []float64{got}, []float64{want}, tol)
}

// CheckHook compares the hook name of tr with want, as Check does; a hook
// missing from the trace is an error.
func CheckHook[W trace.Float](t testing.TB, tr *trace.Trace, name string, want []W, tol trace.Tolerance) trace.Diff {
	t.Helper()
	d := trace.CompareHook(tr, name, want, tol)
	if !d.OK() {
		t.Errorf("%s: %v", name, d)
	}
	return d
}
