package trace

import (
	"fmt"
	"math"
	"slices"
)

// DiffTolerance returns the default bound of explorer diff and of the
// page's comparisons: 1e-4, relative to values above 1 (float32 rounding
// of a GPT-2 pass computed in another order stays well inside it; a real
// discrepancy does not).
func DiffTolerance() Tolerance { return Tolerance{Abs: 1e-4, Rel: true} }

// A HookDiff is the comparison of one hook of two traces.
type HookDiff struct {
	Hook  string
	Shape []int // the reference's shape
	Diff
}

// A TraceDiff is the hook-by-hook comparison of two traces of a prompt.
type TraceDiff struct {
	// Hooks are the hooks both traces hold, in the reference's order.
	Hooks []HookDiff
	// OnlyRef and OnlyGot are the hooks only one of the traces holds;
	// they are not compared and are not failures.
	OnlyRef, OnlyGot []string
	// Failed counts the hooks that are not within the tolerance: a
	// difference above it, a NaN, an infinity, an unmasked value where the
	// reference is masked, or shapes that differ.
	Failed int
	// Notes say why the traces may not be of one prompt.
	Notes []string
}

// CompareTraces compares every hook of got that match selects (nil: every
// hook) with the same hook of ref, the reference, with Compare. Hooks
// only one trace holds are listed, not compared.
func CompareTraces(ref, got *Trace, match func(name string) bool, tol Tolerance) TraceDiff {
	var d TraceDiff
	if match == nil {
		match = func(string) bool { return true }
	}
	switch {
	case len(ref.IDs) != len(got.IDs):
		d.Notes = append(d.Notes, fmt.Sprintf("the traces have %d and %d positions: are they of the same prompt?", len(ref.IDs), len(got.IDs)))
	case !slices.Contains(ref.IDs, UnknownID) && !slices.Contains(got.IDs, UnknownID) && !slices.Equal(ref.IDs, got.IDs):
		d.Notes = append(d.Notes, "the traces have different token ids: are they of the same prompt?")
	}
	for _, name := range ref.Names() {
		if !match(name) {
			continue
		}
		a, _ := ref.Tensor(name)
		b, ok := got.Tensor(name)
		if !ok {
			d.OnlyRef = append(d.OnlyRef, name)
			continue
		}
		h := HookDiff{Hook: name, Shape: a.Shape}
		if slices.Equal(a.Shape, b.Shape) {
			h.Diff = Compare(b.Data, a.Data, tol)
		} else {
			h.Diff = Diff{N: len(a.Data), At: -1, Worst: math.Inf(1), Tol: tol,
				Problem: fmt.Sprintf("shape %v, the reference's is %v", b.Shape, a.Shape)}
		}
		if !h.OK() {
			d.Failed++
		}
		d.Hooks = append(d.Hooks, h)
	}
	for _, name := range got.Names() {
		if match(name) && !ref.Has(name) {
			d.OnlyGot = append(d.OnlyGot, name)
		}
	}
	return d
}

// Index returns the position of flat element i in a row-major tensor of
// the given shape, e.g. Index([]int{2, 3}, 4) = [1 1].
func Index(shape []int, i int) []int {
	idx := make([]int, len(shape))
	for a := len(shape) - 1; a >= 0; a-- {
		if shape[a] > 0 {
			idx[a] = i % shape[a]
			i /= shape[a]
		}
	}
	return idx
}
