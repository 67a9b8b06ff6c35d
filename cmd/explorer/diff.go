package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/transformer-explorer/explorer/trace"
)

// runDiff compares two traces of the same prompt hook by hook and fails
// when any hook they share differs by more than the tolerance.
func runDiff(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("diff", "A.safetensors B.safetensors [--tol T] [--abs] [--hooks PATTERNS]", stderr)
	tol := fs.Float64("tol", 1e-4, "the largest difference `T` allowed")
	abs := fs.Bool("abs", false, "compare absolute differences; by default a difference is divided by max(1, |a|), so large values (logits) are held to a relative bound")
	hooks := fs.String("hooks", "", "compare only the hooks matching these comma-separated glob `PATTERNS`, e.g. 'blocks.*.attn.hook_pattern'")
	batchA := fs.Int("batch-index-a", 0, "the `ROW` of A to read when its tensors have a batch dimension")
	batchB := fs.Int("batch-index-b", 0, "the `ROW` of B to read when its tensors have a batch dimension")
	files, err := parseWithArgs(fs, args)
	if err != nil {
		return err
	}
	if len(files) != 2 {
		fmt.Fprintf(stderr, "explorer diff: give two trace files, A and B (got %d)\n", len(files))
		fs.Usage()
		return errUsage
	}
	if !(*tol >= 0) || math.IsInf(*tol, 0) {
		return fmt.Errorf("--tol %v: give a tolerance of 0 or more", *tol)
	}
	noTokens := ""
	a, err := openTrace(files[0], "", traceFileFlags{batch: batchA, tokens: &noTokens}, io.Discard)
	if err != nil {
		return fmt.Errorf("A: %w", err)
	}
	b, err := openTrace(files[1], "", traceFileFlags{batch: batchB, tokens: &noTokens}, io.Discard)
	if err != nil {
		return fmt.Errorf("B: %w", err)
	}
	sel := trace.All()
	if *hooks != "" {
		if sel, err = trace.Select(max(a.Model.NLayer, b.Model.NLayer, 1), strings.Split(*hooks, ",")...); err != nil {
			return err
		}
	}
	r := compareTraces(a, b, sel, trace.Tolerance{Abs: *tol, Rel: !*abs})
	r.print(stdout)
	switch {
	case len(r.rows) == 0:
		return fmt.Errorf("A and B share no hook to compare (A has %s; B has %s)", shortList(a.Names(), 4), shortList(b.Names(), 4))
	case r.failed > 0:
		return fmt.Errorf("%d of %d hooks differ by more than %s", r.failed, len(r.rows), r.tol)
	}
	return nil
}

// parseWithArgs parses flags given before, between or after positional
// arguments, which it returns in order.
func parseWithArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if err == flag.ErrHelp {
				return nil, err
			}
			return nil, errUsage
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// diffRow is the comparison of one hook.
type diffRow struct {
	hook  string
	shape []int
	d     trace.Diff
}

// diffReport is the comparison of two traces.
type diffReport struct {
	rows         []diffRow
	onlyA, onlyB []string
	tol          trace.Tolerance
	failed       int
	notes        []string
}

// compareTraces compares every selected hook of b with a's, the reference.
func compareTraces(a, b *trace.Trace, sel trace.Selection, tol trace.Tolerance) diffReport {
	r := diffReport{tol: tol}
	if len(a.IDs) != len(b.IDs) {
		r.notes = append(r.notes, fmt.Sprintf("A has %d positions and B %d: are they the same prompt?", len(a.IDs), len(b.IDs)))
	} else if !slices.Contains(a.IDs, trace.UnknownID) && !slices.Contains(b.IDs, trace.UnknownID) && !slices.Equal(a.IDs, b.IDs) {
		r.notes = append(r.notes, "A and B have different token ids: are they the same prompt?")
	}
	for _, name := range a.Names() {
		if !sel.Match(name) {
			continue
		}
		ta, _ := a.Tensor(name)
		tb, ok := b.Tensor(name)
		if !ok {
			r.onlyA = append(r.onlyA, name)
			continue
		}
		row := diffRow{hook: name, shape: ta.Shape}
		if !slices.Equal(ta.Shape, tb.Shape) {
			row.d = trace.Diff{N: len(ta.Data), At: -1, Worst: math.Inf(1), Tol: tol,
				Problem: fmt.Sprintf("shape %v in A, %v in B", ta.Shape, tb.Shape)}
		} else {
			row.d = trace.Compare(tb.Data, ta.Data, tol)
		}
		if !row.d.OK() {
			r.failed++
		}
		r.rows = append(r.rows, row)
	}
	for _, name := range b.Names() {
		if sel.Match(name) && !a.Has(name) {
			r.onlyB = append(r.onlyB, name)
		}
	}
	return r
}

// print writes the report as a table, one hook a line.
func (r diffReport) print(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "hook\tshape\tmax diff\tat\tA\tB\t")
	worst, worstHook := 0.0, ""
	for _, row := range r.rows {
		d := row.d
		switch {
		case d.Problem != "":
			fmt.Fprintf(tw, "%s\t%v\tFAIL: %s\t\t\t\t\n", row.hook, row.shape, d.Problem)
			continue
		case d.At < 0:
			fmt.Fprintf(tw, "%s\t%v\t0\t\t\t\t\n", row.hook, row.shape)
			continue
		}
		mark := ""
		if !d.OK() {
			mark = "  FAIL"
		}
		fmt.Fprintf(tw, "%s\t%v\t%.3g%s\t%v\t%v\t%v\t\n", row.hook, row.shape, d.Worst, mark, unflatten(row.shape, d.At), float32(d.Want), float32(d.Got))
		if d.Worst > worst {
			worst, worstHook = d.Worst, row.hook
		}
	}
	tw.Flush()
	if len(r.onlyA) > 0 {
		fmt.Fprintf(w, "only in A (not compared): %s\n", shortList(r.onlyA, 8))
	}
	if len(r.onlyB) > 0 {
		fmt.Fprintf(w, "only in B (not compared): %s\n", shortList(r.onlyB, 8))
	}
	for _, n := range r.notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
	summary := fmt.Sprintf("%d hooks compared, %d differ by more than %s", len(r.rows), r.failed, r.tol)
	if worstHook != "" {
		summary += fmt.Sprintf("; the largest difference is %.3g, in %s", worst, worstHook)
	} else if r.failed == 0 && len(r.rows) > 0 {
		summary += "; every value is equal"
	}
	fmt.Fprintln(w, summary)
}

// unflatten returns the multi-index of flat element i of a row-major shape.
func unflatten(shape []int, i int) []int {
	idx := make([]int, len(shape))
	for a := len(shape) - 1; a >= 0; a-- {
		if shape[a] > 0 {
			idx[a] = i % shape[a]
			i /= shape[a]
		}
	}
	return idx
}
