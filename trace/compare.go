package trace

import (
	"fmt"
	"math"
)

// MaskedBelow is the value at or below which a reference number means
// "masked" (−∞): causal attention scores above the diagonal are stored as
// −∞ by TransformerLens and as a large negative number by some exporters.
const MaskedBelow = -1e30

// A Tolerance bounds how far a value may be from its reference.
type Tolerance struct {
	// Abs is the largest allowed difference.
	Abs float64
	// Rel divides each difference by max(1, |want|) before comparing it
	// with Abs, so large values are held to a relative bound and small ones
	// to an absolute one.
	Rel bool
}

// String formats the tolerance as "±1e-05" or "±1e-05 (relative)".
func (tol Tolerance) String() string {
	if tol.Rel {
		return fmt.Sprintf("±%.0e (relative)", tol.Abs)
	}
	return fmt.Sprintf("±%.0e", tol.Abs)
}

// A Diff is the outcome of comparing values with their references.
type Diff struct {
	// N is the number of values compared.
	N int
	// Worst is the largest difference found (scaled as the tolerance
	// says); +Inf when a value is NaN, infinite or unmasked where its
	// reference is finite or masked.
	Worst float64
	// At is the index of the worst value, or -1 when nothing differed.
	At int
	// Got and Want are the values at At.
	Got, Want float64
	// Problem describes the first failure that no tolerance can accept:
	// different lengths, a NaN, an infinity, a masked value that is not,
	// a missing tensor. It is empty when every value is comparable.
	Problem string
	// Tol is the tolerance the comparison used.
	Tol Tolerance
}

// OK reports whether every value is within the tolerance. It is false for
// a NaN, an infinity, a missing value or a length mismatch, whatever the
// tolerance.
func (d Diff) OK() bool { return d.Problem == "" && d.Worst <= d.Tol.Abs }

// String describes the comparison for a test failure or a report.
func (d Diff) String() string {
	if d.Problem != "" {
		return d.Problem
	}
	if d.At < 0 {
		return fmt.Sprintf("%d values, all equal", d.N)
	}
	return fmt.Sprintf("max error %.3g at %d (got %v, want %v) over %d values, tolerance %s",
		d.Worst, d.At, d.Got, d.Want, d.N, d.Tol)
}

// Float is the element type Compare accepts.
type Float interface{ ~float32 | ~float64 }

// Compare compares got with its reference want value by value. A reference
// at or below MaskedBelow (or −∞) is masked: got must be masked there too.
// Any other reference must be finite, and so must the value compared with
// it; a NaN or an infinity on either side is a Problem, never a small
// difference.
func Compare[G, W Float](got []G, want []W, tol Tolerance) Diff {
	d := Diff{N: len(want), At: -1, Tol: tol}
	if len(got) != len(want) {
		d.Problem = fmt.Sprintf("%d values, want %d", len(got), len(want))
		d.Worst = math.Inf(1)
		return d
	}
	for i := range want {
		g, w := float64(got[i]), float64(want[i])
		var fail string
		switch {
		case math.IsNaN(w) || math.IsInf(w, 1):
			fail = fmt.Sprintf("reference [%d] is %v", i, w)
		case w <= MaskedBelow:
			if g <= MaskedBelow {
				continue
			}
			fail = fmt.Sprintf("[%d] = %v, want masked (−∞)", i, g)
		case math.IsNaN(g) || math.IsInf(g, 0):
			fail = fmt.Sprintf("[%d] = %v, want %v", i, g, w)
		}
		if fail != "" {
			d.Problem, d.Worst, d.At, d.Got, d.Want = fail, math.Inf(1), i, g, w
			return d
		}
		diff := math.Abs(g - w)
		if tol.Rel {
			diff /= math.Max(1, math.Abs(w))
		}
		if diff > d.Worst {
			d.Worst, d.At, d.Got, d.Want = diff, i, g, w
		}
	}
	return d
}

// CompareHook compares the hook name of tr with want. A hook the trace
// does not hold is a Problem.
func CompareHook[W Float](tr *Trace, name string, want []W, tol Tolerance) Diff {
	t, ok := tr.Tensor(name)
	if !ok {
		return Diff{N: len(want), At: -1, Worst: math.Inf(1), Tol: tol,
			Problem: fmt.Sprintf("hook %q is missing from the trace", name)}
	}
	return Compare(t.Data, want, tol)
}
