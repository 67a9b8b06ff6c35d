package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"

	"github.com/transformer-explorer/explorer/trace"
)

// runDiff compares two traces of the same prompt hook by hook and fails
// when any hook they share differs by more than the tolerance.
func runDiff(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("diff", "A.safetensors B.safetensors [--tol T] [--abs] [--hooks PATTERNS]", stderr)
	tol := fs.Float64("tol", trace.DiffTolerance().Abs, "the largest difference `T` allowed")
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
	tolerance := trace.Tolerance{Abs: *tol, Rel: !*abs}
	r := diffReport{trace.CompareTraces(a, b, sel.Match, tolerance), tolerance}
	r.print(stdout)
	switch {
	case len(r.Hooks) == 0:
		return fmt.Errorf("A and B share no hook to compare (A has %s; B has %s)", shortList(a.Names(), 4), shortList(b.Names(), 4))
	case r.Failed > 0:
		return fmt.Errorf("%d of %d hooks differ by more than %s", r.Failed, len(r.Hooks), r.tol)
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

// diffReport is the comparison of two traces, as printed.
type diffReport struct {
	trace.TraceDiff
	tol trace.Tolerance
}

// print writes the report as a table, one hook a line.
func (r diffReport) print(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "hook\tshape\tmax diff\tat\tA\tB\t")
	worst, worstHook := 0.0, ""
	for _, d := range r.Hooks {
		switch {
		case d.Problem != "":
			fmt.Fprintf(tw, "%s\t%v\tFAIL: %s\t\t\t\t\n", d.Hook, d.Shape, d.Problem)
			continue
		case d.At < 0:
			fmt.Fprintf(tw, "%s\t%v\t0\t\t\t\t\n", d.Hook, d.Shape)
			continue
		}
		mark := ""
		if !d.OK() {
			mark = "  FAIL"
		}
		fmt.Fprintf(tw, "%s\t%v\t%.3g%s\t%v\t%v\t%v\t\n", d.Hook, d.Shape, d.Worst, mark, trace.Index(d.Shape, d.At), float32(d.Want), float32(d.Got))
		if d.Worst > worst {
			worst, worstHook = d.Worst, d.Hook
		}
	}
	tw.Flush()
	if len(r.OnlyRef) > 0 {
		fmt.Fprintf(w, "only in A (not compared): %s\n", shortList(r.OnlyRef, 8))
	}
	if len(r.OnlyGot) > 0 {
		fmt.Fprintf(w, "only in B (not compared): %s\n", shortList(r.OnlyGot, 8))
	}
	for _, n := range r.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
	summary := fmt.Sprintf("%d hooks compared, %d differ by more than %s", len(r.Hooks), r.Failed, r.tol)
	if worstHook != "" {
		summary += fmt.Sprintf("; the largest difference is %.3g, in %s", worst, worstHook)
	} else if r.Failed == 0 && len(r.Hooks) > 0 {
		summary += "; every value is equal"
	}
	fmt.Fprintln(w, summary)
}
