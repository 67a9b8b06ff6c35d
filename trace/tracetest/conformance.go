package tracetest

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/transformer-explorer/explorer/trace"
	"github.com/transformer-explorer/explorer/trace/safetensors"
)

// Conformance holds the tolerances of the shared GPT-2 conformance
// fixtures (testdata/conformance/README.md), by hook name or, inside the
// blocks, by hook point.
var Conformance = map[string]trace.Tolerance{
	trace.Logits:            {Abs: 1e-3},
	trace.AttnPattern:       {Abs: 1e-5},
	trace.AttnScores:        {Abs: 1e-4, Rel: true},
	trace.AttnQ:             {Abs: 1e-4, Rel: true},
	trace.AttnK:             {Abs: 1e-4, Rel: true},
	trace.AttnV:             {Abs: 1e-4, Rel: true},
	trace.ResidPre:          {Abs: 1e-4, Rel: true},
	trace.ResidPost:         {Abs: 1e-4, Rel: true},
	trace.LNFinalNormalized: {Abs: 1e-4},
	trace.NextLoss:          {Abs: 1e-4}, // the mean over positions, against the reference loss
}

// fixtureInputs are the fixture's per-prompt entries that are inputs or are
// checked by decoding, not compared with a hook.
var fixtureInputs = map[string]bool{"input_ids": true, "logit_positions": true, "greedy_ids": true}

// CheckConformance compares the trace tr of the fixture's prompt j with
// every tensor expected holds for it ("p{j}.{hook}"), at the Conformance
// tolerances, and returns the worst error per hook point. Every reference
// is checked: one without a tolerance, or one the trace lacks, is an
// error. Logits are compared at the fixture's logit_positions; the loss is
// the mean of the trace's next.loss.
func CheckConformance(t testing.TB, tr *trace.Trace, expected *safetensors.File, j int) map[string]float64 {
	t.Helper()
	prefix := fmt.Sprintf("p%d.", j)
	worst := map[string]float64{}
	note := func(key string, d trace.Diff) { worst[key] = max(worst[key], d.Worst) }
	for _, name := range expected.SortedNames() {
		hook, ok := strings.CutPrefix(name, prefix)
		if !ok || fixtureInputs[hook] {
			continue
		}
		_, want, err := expected.Float32s(name)
		if err != nil {
			t.Errorf("reference %s: %v", name, err)
			continue
		}
		key := hook
		if _, point, ok := trace.ParseBlock(hook); ok {
			key = point
		}
		if hook == "loss" {
			key = trace.NextLoss
		}
		tol, ok := Conformance[key]
		if !ok {
			t.Errorf("%s: the fixture holds a tensor with no tolerance", name)
			continue
		}
		switch key {
		case trace.NextLoss:
			loss, ok := tr.Tensor(trace.NextLoss)
			if !ok || len(loss.Data) == 0 || len(want) != 1 {
				t.Errorf("%s: the trace has no %s to compare with", name, trace.NextLoss)
				worst[key] = math.Inf(1)
				continue
			}
			var mean float64
			for _, x := range loss.Data {
				mean += float64(x)
			}
			note(key, CheckScalar(t, name+" (mean next-token loss)", mean/float64(len(loss.Data)), float64(want[0]), tol))
		case trace.Logits:
			note(key, checkLogitRows(t, tr, expected, prefix, want, tol))
		default:
			note(key, CheckHook(t, tr, hook, want, tol))
		}
	}
	return worst
}

// checkLogitRows compares the logits of the positions the fixture lists.
func checkLogitRows(t testing.TB, tr *trace.Trace, expected *safetensors.File, prefix string, want []float32, tol trace.Tolerance) trace.Diff {
	t.Helper()
	got, ok := tr.Tensor(trace.Logits)
	_, pos, err := expected.Int64s(prefix + "logit_positions")
	if !ok || err != nil {
		d := trace.CompareHook(tr, trace.Logits, want, tol)
		if ok {
			d = trace.Diff{Worst: math.Inf(1), Problem: fmt.Sprintf("reference %slogit_positions: %v", prefix, err)}
		}
		t.Errorf("%slogits: %v", prefix, d)
		return d
	}
	V := tr.Model.VocabSize
	var rows []float32
	for _, q := range pos {
		if q < 0 || (int(q)+1)*V > len(got.Data) {
			d := trace.Diff{Worst: math.Inf(1), Problem: fmt.Sprintf("logit position %d outside the %d recorded values", q, len(got.Data))}
			t.Errorf("%slogits: %v", prefix, d)
			return d
		}
		rows = append(rows, got.Data[int(q)*V:(int(q)+1)*V]...)
	}
	return Check(t, prefix+"logits", rows, want, tol)
}
