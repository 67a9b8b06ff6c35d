package main

import (
	"bytes"
	"encoding/json"
	"image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/transformer-explorer/explorer/trace"
	"github.com/transformer-explorer/explorer/trace/npy"
	"github.com/transformer-explorer/explorer/trace/safetensors"
	"github.com/transformer-explorer/explorer/trace/table"
	"github.com/transformer-explorer/explorer/trace/tracetest"
)

// tlCache writes a TransformerLens-style cache with numpy alone.
func tlCache(t *testing.T, args ...string) (string, tracetest.Cache) {
	t.Helper()
	return tracetest.TLCache(t, t.TempDir(), args...)
}

// readWithNumpy is run by python: it loads an .npy file with numpy.load and
// a CSV file with the csv module, each cell read as a float32 (the CSV's
// decimals are the shortest that read back as the float32 shown), and
// prints both as flat lists (null for −∞) with the CSV's labels.
const readWithNumpy = `
import csv, json, sys
import numpy as np
a = np.load(sys.argv[1])
with open(sys.argv[2], newline="", encoding="utf-8") as f:
    rows = list(csv.reader(f))
flat = lambda xs: [None if np.isneginf(x) else float(x) for x in xs]
json.dump({
    "npy": {"dtype": a.dtype.str, "shape": list(a.shape), "values": flat(a.astype(np.float64).ravel())},
    "csv": {"header": rows[0], "labels": [r[0] for r in rows[1:]],
            "values": flat(np.array([[float(x) for x in r[1:]] for r in rows[1:]], dtype=np.float32).ravel())},
}, sys.stdout)
`

// TestCLIForeignTrace reads a TransformerLens-style cache (a batch
// dimension, no metadata, F16) written by numpy alone with plot --trace,
// export and lessons export, and checks that the exported numbers are the
// stored ones exactly, as the CLI's own reader and numpy both see them.
func TestCLIForeignTrace(t *testing.T) {
	python := tracetest.Python(t)
	cache, want := tlCache(t, "--dtype", "F16", "--ids")
	dir := t.TempDir()
	pattern := trace.Block(1, trace.AttnPattern)

	img := filepath.Join(dir, "attention.png")
	if code, _, stderr := runCLI(t, "plot", "--trace", cache, "--kind", "attention", "--layer", "1", "--head", "2", "-o", img); code != 0 {
		t.Fatalf("plot --trace: exit %d\n%s", code, stderr)
	}
	if f, err := os.Open(img); err != nil {
		t.Fatal(err)
	} else if _, err := png.Decode(f); err != nil {
		t.Errorf("plot --trace wrote no PNG: %v", err)
	}

	csvFile, npyFile, jsonFile := filepath.Join(dir, "p.csv"), filepath.Join(dir, "p.npy"), filepath.Join(dir, "p.json")
	for _, out := range []string{csvFile, npyFile, jsonFile} {
		code, stdout, stderr := runCLI(t, "export", "--trace", cache, "--hook", pattern, "--head", "2", "--model", tinyModel, "-o", out)
		if code != 0 || !strings.Contains(stdout, "[5 5]") {
			t.Fatalf("export -o %s: exit %d\n%s%s", out, code, stdout, stderr)
		}
	}
	wantHead := want.Head(pattern, 0, 2)
	exact := trace.Tolerance{}

	// The explorer's own readers.
	f, _ := os.Open(csvFile)
	tab, err := table.ReadCSV(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	tracetest.Check(t, "CSV", tab.Data, wantHead, exact)
	buf, _ := os.ReadFile(npyFile)
	arr, err := npy.Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	tracetest.Check(t, "npy", arr.Data, wantHead, exact)
	var js struct {
		Values [][]*float64 `json:"values"`
		Axes   []struct {
			Labels []string `json:"labels"`
		} `json:"axes"`
	}
	if b, err := os.ReadFile(jsonFile); err != nil || json.Unmarshal(b, &js) != nil {
		t.Fatalf("export json: %v", err)
	}
	var jsonValues []float64
	for _, r := range js.Values {
		for _, v := range r {
			jsonValues = append(jsonValues, float64(float32(*v))) // read as a float32
		}
	}
	tracetest.Check(t, "JSON", jsonValues, wantHead, exact)

	// numpy's reading of the same files.
	out, err := exec.Command(python, "-c", readWithNumpy, npyFile, csvFile).Output()
	if err != nil {
		t.Fatalf("numpy: %v", err)
	}
	var np struct {
		Npy struct {
			DType  string     `json:"dtype"`
			Shape  []int      `json:"shape"`
			Values []*float64 `json:"values"`
		} `json:"npy"`
		CSV struct {
			Header []string   `json:"header"`
			Labels []string   `json:"labels"`
			Values []*float64 `json:"values"`
		} `json:"csv"`
	}
	if err := json.Unmarshal(out, &np); err != nil {
		t.Fatal(err)
	}
	if np.Npy.DType != "<f4" || !slices.Equal(np.Npy.Shape, []int{5, 5}) {
		t.Errorf("numpy loads %s%v, want <f4[5 5]", np.Npy.DType, np.Npy.Shape)
	}
	tracetest.Check(t, "npy in numpy", deref(np.Npy.Values), wantHead, exact)
	tracetest.Check(t, "CSV in Python", deref(np.CSV.Values), wantHead, exact)
	// The labels name the tokens --model's tokenizer gives the file's ids.
	ids := want.Row(trace.InputIDs, 0)
	if len(np.CSV.Labels) != 5 || !strings.HasPrefix(np.CSV.Labels[0], "0:") || np.CSV.Header[0] != `query\key` ||
		!slices.Equal(np.CSV.Header[1:], np.CSV.Labels) || !slices.Equal(tab.Axes[0].Labels, np.CSV.Labels) || len(js.Axes[0].Labels) != 5 {
		t.Errorf("CSV header %q, labels %q (ids %v)", np.CSV.Header, np.CSV.Labels, ids)
	}

	handout := filepath.Join(dir, "handout")
	if code, _, stderr := runCLI(t, "lessons", "export", "--trace", cache, "--out", handout); code != 0 {
		t.Fatalf("lessons export --trace: exit %d\n%s", code, stderr)
	}
	page, err := os.ReadFile(filepath.Join(handout, "index.html"))
	if err != nil || !bytes.Contains(page, []byte(`class="lesson"`)) || !bytes.Contains(page, []byte("lens.top_ids")) {
		t.Errorf("the handout has no lessons, or no note on the lens it cannot show (%v)", err)
	}
}

func deref(v []*float64) []float64 {
	out := make([]float64, len(v))
	for i, p := range v {
		out[i] = math.Inf(-1)
		if p != nil {
			out[i] = *p
		}
	}
	return out
}

// TestCLIForeignTraceErrors checks that malformed files and bad flags
// give errors that say what is wrong.
func TestCLIForeignTraceErrors(t *testing.T) {
	cache, _ := tlCache(t, "--batch", "2")
	dir := t.TempDir()
	nan := filepath.Join(dir, "nan.safetensors")
	writeSafetensors(t, nan, []safetensors.Tensor{{Name: trace.Logits, DType: safetensors.F32, Shape: []int{1, 2, 2},
		Data: safetensors.EncodeFloat32([]float32{0, 1, float32(math.NaN()), 2})}}, nil)
	odd := filepath.Join(dir, "odd.safetensors")
	writeSafetensors(t, odd, []safetensors.Tensor{
		{Name: trace.Block(0, trace.AttnPattern), DType: safetensors.F32, Shape: []int{2, 3, 3}, Data: safetensors.EncodeFloat32(make([]float32, 18))},
		{Name: trace.Block(0, trace.AttnQ), DType: safetensors.F32, Shape: []int{3, 4, 2}, Data: safetensors.EncodeFloat32(make([]float32, 24))},
	}, nil)
	empty := filepath.Join(dir, "empty.safetensors")
	writeSafetensors(t, empty, nil, map[string]string{"format": "pt"})
	out := filepath.Join(dir, "out.csv")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"export", "--trace", nan, "--hook", trace.Logits, "-o", out}, "logits[1 0] is NaN"},
		{[]string{"export", "--trace", odd, "--hook", trace.Embed, "-o", out}, "blocks.0.attn.hook_pattern has 2 heads (H), but blocks.0.attn.hook_q has 4"},
		{[]string{"plot", "--trace", empty, "--kind", "attention", "-o", filepath.Join(dir, "x.png")}, "the file holds no tensors"},
		{[]string{"export", "--trace", cache, "--batch-index", "2", "--hook", trace.Embed, "-o", out}, "a batch of 2 (rows 0 to 1)"},
		{[]string{"export", "--trace", cache, "--hook", trace.Block(0, trace.AttnPattern), "-o", out}, "take one head"},
		{[]string{"export", "--trace", cache, "--hook", trace.Embed, "--head", "0", "-o", out}, "hook_embed has no heads"},
		{[]string{"export", "--trace", cache, "--hook", "hook_nope", "-o", out}, `no such hook "hook_nope"`},
		{[]string{"export", "--trace", cache, "--hook", trace.Embed, "-o", filepath.Join(dir, "x.xlsx")}, "needs a .csv, .npy or .json extension"},
		{[]string{"export", "--trace", cache, "--hook", trace.Embed, "--tokens", `["a"]`, "-o", out}, "1 token strings given for 5 positions"},
		{[]string{"export", "--trace", cache, "--hook", trace.Embed, "--tokens", `{"a":1}`, "-o", out}, "give a JSON list of strings"},
	} {
		code, _, stderr := runCLI(t, tc.args...)
		if code == 0 || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want an error saying %q", tc.args, code, stderr, tc.want)
		}
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a failed export left %s behind (%v)", out, err)
	}
	// Row 1 of the batch, and tokens given on the command line.
	code, stdout, stderr := runCLI(t, "export", "--trace", cache, "--batch-index", "1", "--hook", trace.Embed,
		"--tokens", `["The"," cat"," sat"," on"," it"]`, "--format", "csv", "-o", "-")
	if code != 0 || !strings.HasPrefix(stdout, "position\\channel,0,1,") || !strings.Contains(stdout, "\n1: cat,") {
		t.Errorf("export -o -: exit %d\n%s%s", code, stdout, stderr)
	}
}

func writeSafetensors(t *testing.T, path string, tensors []safetensors.Tensor, meta map[string]string) {
	t.Helper()
	var buf bytes.Buffer
	if err := safetensors.Write(&buf, tensors, meta); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// tinyTraceFile writes `explorer trace` of the tiny model on a short
// prompt into dir and opens it; the caller closes the file.
func tinyTraceFile(t *testing.T, dir string) (string, *safetensors.File) {
	t.Helper()
	path := filepath.Join(dir, "ours.safetensors")
	if code, _, stderr := runCLI(t, "trace", "--model", tinyModel, "--prompt", "The cat sat on the mat", "--out", path); code != 0 {
		t.Fatalf("trace: exit %d\n%s", code, stderr)
	}
	f, err := safetensors.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	return path, f
}

// TestCLIDiff compares an explorer trace with the same trace written with
// a batch dimension (every hook equal) and with a copy in which one value
// is perturbed (that hook differs by exactly the perturbation).
func TestCLIDiff(t *testing.T) {
	dir := t.TempDir()
	ours, f := tinyTraceFile(t, dir)
	defer f.Close()
	hook := trace.Block(1, trace.AttnPattern)
	const at, delta = 7, 0.0625 // exact in float32
	_, v, err := f.Float32s(hook)
	if err != nil {
		t.Fatal(err)
	}
	before := v[at]
	batched, perturbed := tracetest.Batched(f), tracetest.Perturbed(t, f, hook, at, delta)
	withBatch, changed := filepath.Join(dir, "batched.safetensors"), filepath.Join(dir, "perturbed.safetensors")
	writeSafetensors(t, withBatch, batched, f.Metadata)
	writeSafetensors(t, changed, perturbed, f.Metadata)

	code, stdout, stderr := runCLI(t, "diff", ours, withBatch)
	if code != 0 || !strings.Contains(stdout, "0 differ by more than") || !strings.Contains(stdout, "every value is equal") {
		t.Errorf("diff of a trace and itself with a batch dimension: exit %d\n%s%s", code, stdout, stderr)
	}
	tr, err := trace.ReadFile(ours)
	if err != nil {
		t.Fatal(err)
	}
	rows := 0
	for _, line := range strings.Split(stdout, "\n") {
		if fields := strings.Fields(line); len(fields) > 0 && tr.Has(fields[0]) {
			rows++
			if fields[len(fields)-1] != "0" {
				t.Errorf("diff reports a difference: %q", line)
			}
		}
	}
	if rows != len(tr.Names()) {
		t.Errorf("diff reports %d hooks, the trace has %d\n%s", rows, len(tr.Names()), stdout)
	}

	code, stdout, stderr = runCLI(t, "diff", ours, changed, "--abs")
	if code != 1 || !strings.Contains(stderr, "1 of ") {
		t.Errorf("diff of a perturbed trace: exit %d, stderr %q, want exit 1", code, stderr)
	}
	var row string
	for _, line := range strings.Split(stdout, "\n") {
		if strings.HasPrefix(line, hook+" ") {
			row = line
		}
	}
	// Element 7 of [4 6 6] is head 0, query 1, key 1.
	want := []string{hook, "0.0625", "FAIL", "[0 1 1]", table.FormatValue(before), table.FormatValue(before + delta)}
	for _, w := range want {
		if !strings.Contains(row, w) {
			t.Errorf("diff row %q does not say %q", row, w)
		}
	}
	if code, stdout, _ := runCLI(t, "diff", "--tol", "0.07", "--abs", ours, changed); code != 0 || !strings.Contains(stdout, "0.0625") {
		t.Errorf("diff --tol 0.07 of a 0.0625 perturbation: exit %d\n%s", code, stdout)
	}
	if code, _, stderr := runCLI(t, "diff", ours); code != 2 || !strings.Contains(stderr, "two trace files") {
		t.Errorf("diff with one file: exit %d, %q", code, stderr)
	}
}

// TestOpenTraceWithModel strips the explorer's metadata from a trace of
// the tiny model and adds a batch dimension, as a TransformerLens cache
// has: read with --model, the trace is described by the model's
// configuration (its context length and ε, which no tensor shows) and its
// ids are named by the model's tokenizer; read with a model of another
// shape, the shape stays the one inferred, and a note says why.
func TestOpenTraceWithModel(t *testing.T) {
	dir := t.TempDir()
	ours, f := tinyTraceFile(t, dir)
	foreign := filepath.Join(dir, "foreign.safetensors")
	writeSafetensors(t, foreign, tracetest.Batched(f), nil) // before Close: the data is the mapped file's
	f.Close()

	want, err := trace.ReadFile(ours)
	if err != nil {
		t.Fatal(err)
	}
	noTokens, row := "", 0
	ff := traceFileFlags{batch: &row, tokens: &noTokens}
	var stderr bytes.Buffer
	tr, err := openTrace(foreign, tinyModel, ff, &stderr)
	if err != nil {
		t.Fatal(err)
	}
	wantModel := want.Model
	wantModel.Name = tinyModel
	if tr.Model != wantModel || !slices.Equal(tr.Tokens, want.Tokens) || stderr.Len() != 0 {
		t.Errorf("read with --model: %+v, tokens %q, notes %q; want %+v, %q", tr.Model, tr.Tokens, stderr.String(), wantModel, want.Tokens)
	}
	stderr.Reset()
	tr, err = openTrace(foreign, "", ff, &stderr)
	if err != nil {
		t.Fatal(err)
	}
	if tr.Model.Epsilon != 0 || tr.Model.NCtx != 0 || tr.Model.NLayer != want.Model.NLayer || !strings.Contains(stderr.String(), "give --model") {
		t.Errorf("read without --model: %+v, notes %q", tr.Model, stderr.String())
	}
	// A model of another shape: the tensors' shape stands, with a note.
	cache, _ := tlCache(t)
	stderr.Reset()
	tr, err = openTrace(cache, tinyModel, ff, &stderr)
	if err != nil {
		t.Fatal(err)
	}
	if tr.Model.NHead != 3 || !strings.Contains(stderr.String(), "are not of --model") {
		t.Errorf("a cache of another shape: %+v, notes %q", tr.Model, stderr.String())
	}
}
