package trace

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestPythonReadsTraces writes a trace with known numbers and reads it back
// with a numpy-only reader (testdata/read_trace.py), which is what Python
// users do with safetensors.numpy.load_file.
func TestPythonReadsTraces(t *testing.T) {
	python := pythonWithNumpy()
	if python == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("python3 with numpy is required under CI=true")
		}
		t.Skip("needs python3 with numpy")
	}
	model := ModelInfo{Name: "test", NLayer: 1, NHead: 2, NEmbd: 4, NInner: 16, NCtx: 8, VocabSize: 10, Epsilon: 1e-5, Activation: "gelu_new"}
	tr := New(model, "a b c", []int{3, 1, 4}, []string{"a", "␣b", "␣c"}, []string{"a", "Ġb", "Ġc"})
	embed := make([]float32, 3*4)
	for i := range embed {
		embed[i] = float32(i)*0.25 - 1
	}
	pattern := []float32{1, 0, 0, 0.5, 0.5, 0, 0.2, 0.3, 0.5, 1, 0, 0, 0.9, 0.1, 0, 0.1, 0.1, 0.8}
	scores := append([]float32(nil), pattern...)
	scores[1] = float32(math.Inf(-1))
	for _, tt := range []Tensor{
		{Name: Embed, Shape: []int{3, 4}, Data: embed},
		{Name: Block(0, AttnPattern), Shape: []int{2, 3, 3}, Data: pattern},
		{Name: Block(0, AttnScores), Shape: []int{2, 3, 3}, Data: scores},
	} {
		if err := tr.Record(tt); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(t.TempDir(), "trace.safetensors")
	if err := tr.WriteFile(path); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(python, "testdata/read_trace.py", path).Output()
	if err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			t.Fatalf("read_trace.py: %v\n%s", err, exit.Stderr)
		}
		t.Fatalf("read_trace.py: %v", err)
	}
	var got struct {
		Metadata map[string]string `json:"metadata"`
		Tensors  map[string]struct {
			DType  string     `json:"dtype"`
			Shape  []int      `json:"shape"`
			Values []*float64 `json:"values"`
		} `json:"tensors"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	check := func(name string, shape []int, want []float64) {
		t.Helper()
		g, ok := got.Tensors[name]
		if !ok {
			t.Fatalf("python sees no %s", name)
		}
		if len(g.Values) != len(want) || len(g.Shape) != len(shape) {
			t.Fatalf("%s: shape %v, want %v", name, g.Shape, shape)
		}
		for i := range shape {
			if g.Shape[i] != shape[i] {
				t.Fatalf("%s: shape %v, want %v", name, g.Shape, shape)
			}
		}
		for i, w := range want {
			switch {
			case math.IsInf(w, -1):
				if g.Values[i] != nil {
					t.Errorf("%s[%d] = %v, want -inf", name, i, *g.Values[i])
				}
			case g.Values[i] == nil || math.Abs(*g.Values[i]-w) > 1e-7:
				t.Errorf("%s[%d] = %v, want %g", name, i, g.Values[i], w)
			}
		}
	}
	widen := func(x []float32) []float64 {
		out := make([]float64, len(x))
		for i, v := range x {
			out[i] = float64(v)
		}
		return out
	}
	check(Embed, []int{3, 4}, widen(embed))
	check(Block(0, AttnPattern), []int{2, 3, 3}, widen(pattern))
	check(Block(0, AttnScores), []int{2, 3, 3}, widen(scores))
	check(InputIDs, []int{3}, []float64{3, 1, 4})
	if got.Tensors[InputIDs].DType != "I64" {
		t.Errorf("input_ids are %s, want I64", got.Tensors[InputIDs].DType)
	}
	if got.Metadata[metaFormat] != FormatName {
		t.Errorf("python sees format %q, want %q", got.Metadata[metaFormat], FormatName)
	}
	if got.Metadata[metaText] != "a b c" {
		t.Errorf("python sees text %q, want %q", got.Metadata[metaText], "a b c")
	}
	var hooks []string
	if err := json.Unmarshal([]byte(got.Metadata[metaHooks]), &hooks); err != nil || len(hooks) != 3 {
		t.Errorf("python sees hooks %q (%v), want the 3 recorded", got.Metadata[metaHooks], err)
	}
}

// pythonWithNumpy returns the first python3 that imports numpy: the one on
// PATH, then the system's; "" when there is none.
func pythonWithNumpy() string {
	for _, p := range []string{"python3", "/usr/bin/python3"} {
		if path, err := exec.LookPath(p); err == nil && exec.Command(path, "-c", "import numpy").Run() == nil {
			return path
		}
	}
	return ""
}
