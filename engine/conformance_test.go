package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/transformer-explorer/explorer/trace"
	"github.com/transformer-explorer/explorer/trace/safetensors"
	"github.com/transformer-explorer/explorer/trace/tracetest"
)

// conformanceDir holds the shared GPT-2 fixtures: tiny checkpoints with
// tensors computed in float64 by independent implementations.
const conformanceDir = "../testdata/conformance"

var conformanceModels = []string{"tiny-gpt2", "tiny-gpt2-f16"}

type expected struct {
	f *safetensors.File
}

func (e expected) floats(t testing.TB, name string) ([]int, []float32, bool) {
	t.Helper()
	info, ok := e.f.Info(name)
	if !ok {
		return nil, nil, false
	}
	_, data, err := e.f.Float32s(name)
	if err != nil {
		t.Fatalf("expected %s: %v", name, err)
	}
	return info.Shape, data, true
}

func (e expected) ints(t testing.TB, name string) ([]int, bool) {
	t.Helper()
	if _, ok := e.f.Info(name); !ok {
		return nil, false
	}
	_, v, err := e.f.Int64s(name)
	if err != nil {
		t.Fatalf("expected %s: %v", name, err)
	}
	out := make([]int, len(v))
	for i, x := range v {
		out[i] = int(x)
	}
	return out, true
}

func openExpected(t *testing.T, model string) expected {
	t.Helper()
	f, err := safetensors.Open(filepath.Join(conformanceDir, model, "expected.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return expected{f}
}

func numPrompts(t *testing.T, model string) int {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(conformanceDir, model, "prompts.json"))
	if err != nil {
		t.Fatal(err)
	}
	var prompts []struct {
		Text string `json:"text"`
		IDs  []int  `json:"ids"`
	}
	if err := json.Unmarshal(raw, &prompts); err != nil {
		t.Fatal(err)
	}
	return len(prompts)
}

// recorderModes are the ways TestConformance hands a trace to the engine:
// lending the memory of every hook, of none (the trace copies each), and of
// every other hook, so that lent and own buffers alternate along the
// residual stream.
var recorderModes = []struct {
	name string
	wrap func(tr *trace.Trace) trace.Recorder
}{
	{"lent", func(tr *trace.Trace) trace.Recorder { return tr }},
	{"copied", func(tr *trace.Trace) trace.Recorder { return trace.RecorderFunc(tr.Record) }},
	{"mixed", func(tr *trace.Trace) trace.Recorder { return &alternateLender{tr: tr} }},
}

// alternateLender records into a trace and lends the memory of every other
// hook the engine asks for.
type alternateLender struct {
	tr    *trace.Trace
	asked int
}

func (a *alternateLender) Record(t trace.Tensor) error { return a.tr.Record(t) }

func (a *alternateLender) Lend(name string, n int) []float32 {
	a.asked++
	if a.asked%2 == 0 {
		return nil
	}
	return a.tr.Lend(name, n)
}

func TestConformance(t *testing.T) {
	for _, mode := range recorderModes {
		t.Run(mode.name, func(t *testing.T) { testConformance(t, mode.wrap) })
	}
}

func testConformance(t *testing.T, wrap func(*trace.Trace) trace.Recorder) {
	for _, model := range conformanceModels {
		t.Run(model, func(t *testing.T) {
			m, tok, err := LoadDir(context.Background(), filepath.Join(conformanceDir, model))
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			exp := openExpected(t, model)
			worst := map[string]float64{}
			for j := 0; j < numPrompts(t, model); j++ {
				p := fmt.Sprintf("p%d.", j)
				ids, _ := exp.ints(t, p+"input_ids")
				tr, err := NewTrace(m, tok, "", ids)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := m.Forward(context.Background(), ids, wrap(tr)); err != nil {
					t.Fatalf("prompt %d: %v", j, err)
				}
				for key, w := range tracetest.CheckConformance(t, tr, exp.f, j) {
					worst[key] = max(worst[key], w)
				}
				if want, ok := exp.ints(t, p+"greedy_ids"); ok {
					seqs, err := m.Generate(context.Background(), tok, ids, GenerateOptions{MaxNewTokens: len(want), IgnoreEOS: true, Sample: SampleOptions{Temperature: 0}})
					if err != nil {
						t.Fatal(err)
					}
					if !slices.Equal(seqs[0].IDs, want) {
						t.Errorf("prompt %d: greedy ids %v, want %v", j, seqs[0].IDs, want)
					}
					if got := greedyWithoutCache(t, m, ids, len(want)); !slices.Equal(got, want) {
						t.Errorf("prompt %d: greedy ids without cache %v, want %v", j, got, want)
					}
				}
			}
			keys := make([]string, 0, len(worst))
			for k := range worst {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			for _, k := range keys {
				t.Logf("%-26s worst error %.2e", k, worst[k])
			}
		})
	}
}

// greedyWithoutCache decodes by recomputing the whole sequence each step.
func greedyWithoutCache(t *testing.T, m *Model, ids []int, n int) []int {
	seq := slices.Clone(ids)
	var out []int
	for range n {
		logits, err := m.Forward(context.Background(), seq, nil)
		if err != nil {
			t.Fatal(err)
		}
		id := argmax(logits)
		out = append(out, id)
		seq = append(seq, id)
	}
	return out
}
