package engine

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/transformer-explorer/explorer/trace"
	"github.com/transformer-explorer/explorer/trace/safetensors"
	"github.com/transformer-explorer/explorer/trace/tracetest"
)

// spyTB is a testing.TB that collects the errors reported to it, so a test
// can check that a comparison fails.
type spyTB struct {
	testing.TB
	errors []string
}

func (s *spyTB) Helper() {}

func (s *spyTB) Errorf(format string, args ...any) {
	s.errors = append(s.errors, fmt.Sprintf(format, args...))
}

// tracePrompt0 runs the tiny model on the fixture's first prompt, recording
// every hook.
func tracePrompt0(t *testing.T, dir string) (*trace.Trace, expected) {
	t.Helper()
	m, tok, err := LoadDir(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	exp := openExpected(t, "tiny-gpt2")
	ids, _ := exp.ints(t, "p0.input_ids")
	tr, err := NewTrace(m, tok, "", ids)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Forward(context.Background(), ids, tr); err != nil {
		t.Fatal(err)
	}
	return tr, exp
}

// mutate returns a copy of tr whose hook name is changed by f, or left out
// when f is nil.
func mutate(t *testing.T, tr *trace.Trace, name string, f func(x trace.Tensor)) *trace.Trace {
	t.Helper()
	out := trace.New(tr.Model, tr.Text, tr.IDs, tr.Tokens, tr.TokenStrings)
	for _, n := range tr.Names() {
		x, _ := tr.Tensor(n)
		x = x.Clone()
		if n == name {
			if f == nil {
				continue
			}
			f(x)
		}
		if err := out.Record(x); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// transposeLast swaps the last two axes of each square matrix in x.
func transposeLast(x trace.Tensor) {
	n := x.Shape[len(x.Shape)-1]
	for off := 0; off+n*n <= len(x.Data); off += n * n {
		m := x.Data[off : off+n*n]
		for i := range n {
			for j := i + 1; j < n; j++ {
				m[i*n+j], m[j*n+i] = m[j*n+i], m[i*n+j]
			}
		}
	}
}

// TestConformanceCatchesMutations checks the conformance comparison itself:
// a NaN, an infinity, a missing hook or a transposed matrix in any checked
// hook must fail it, and so must a transposed weight in the forward pass.
func TestConformanceCatchesMutations(t *testing.T) {
	tr, exp := tracePrompt0(t, tinyDir)
	if spy := (&spyTB{TB: t}); len(tracetest.CheckConformance(spy, tr, exp.f, 0)) == 0 || len(spy.errors) > 0 {
		t.Fatalf("the unmutated trace must pass: %q", spy.errors)
	}
	var checked []string
	for _, name := range exp.f.SortedNames() {
		hook, ok := strings.CutPrefix(name, "p0.")
		if !ok || hook == "input_ids" || hook == "logit_positions" || hook == "greedy_ids" {
			continue
		}
		if hook == "loss" {
			hook = trace.NextLoss
		}
		checked = append(checked, hook)
	}
	at := func(x trace.Tensor) int { return len(x.Data) - 1 } // the last position: logits are checked there
	mutations := []struct {
		name string
		f    func(x trace.Tensor)
	}{
		{"NaN", func(x trace.Tensor) { x.Data[at(x)] = float32(math.NaN()) }},
		{"+Inf", func(x trace.Tensor) { x.Data[at(x)] = float32(math.Inf(1)) }},
		{"-Inf", func(x trace.Tensor) { x.Data[at(x)] = float32(math.Inf(-1)) }},
		{"missing", nil},
	}
	for _, hook := range checked {
		for _, mu := range mutations {
			spy := &spyTB{TB: t}
			tracetest.CheckConformance(spy, mutate(t, tr, hook, mu.f), exp.f, 0)
			if len(spy.errors) == 0 {
				t.Errorf("%s %s: the comparison passed", hook, mu.name)
			}
		}
	}
	for _, hook := range []string{trace.Block(0, trace.AttnPattern), trace.Block(1, trace.AttnScores)} {
		spy := &spyTB{TB: t}
		tracetest.CheckConformance(spy, mutate(t, tr, hook, transposeLast), exp.f, 0)
		if len(spy.errors) == 0 {
			t.Errorf("%s transposed: the comparison passed", hook)
		}
	}

	// A square weight stored transposed changes everything downstream.
	base := readTiny(t)
	for i, ct := range base {
		if ct.name == "h.0.attn.c_proj.weight" {
			x := trace.Tensor{Shape: ct.shape, Data: append([]float32(nil), ct.data...)}
			transposeLast(x)
			base[i].data = x.Data
		}
	}
	bad, _ := tracePrompt0(t, writeCheckpoint(t, base, safetensors.F32, 1, nil))
	spy := &spyTB{TB: t}
	tracetest.CheckConformance(spy, bad, exp.f, 0)
	if len(spy.errors) == 0 {
		t.Errorf("a transposed c_proj weight passed the comparison")
	}
}
