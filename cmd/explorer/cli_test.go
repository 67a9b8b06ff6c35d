package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/transformer-explorer/explorer/engine/tokenizer"
	"github.com/transformer-explorer/explorer/trace"
	"github.com/transformer-explorer/explorer/trace/safetensors"
	"github.com/transformer-explorer/explorer/trace/tracetest"
)

// The conformance fixtures: a tiny random GPT-2 in Hugging Face layout and
// the tensors independent float64 implementations computed for its prompts.
const (
	tinyModel    = "../../testdata/conformance/tiny-gpt2"
	tinyModelF16 = "../../testdata/conformance/tiny-gpt2-f16"
	tokenCases   = "../../testdata/conformance/tokenizer-cases.jsonl"
)

// runCLI runs the explorer in-process and returns its exit code and output.
func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

type prompt struct {
	Text string `json:"text"`
	IDs  []int  `json:"ids"`
}

func readPrompts(t *testing.T, dir string) []prompt {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "prompts.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ps []prompt
	if err := json.Unmarshal(b, &ps); err != nil {
		t.Fatal(err)
	}
	return ps
}

// TestCLITokenizeReadsNoWeights runs tokenize on a folder that holds only
// the tokenizer's files: splitting text needs no model.
func TestCLITokenizeReadsNoWeights(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"vocab.json", "merges.txt"} {
		b, err := os.ReadFile(filepath.Join(tinyModel, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	code, out, errs := runCLI(t, "tokenize", "--model", dir, "--prompt", "Hello world", "--json")
	if code != 0 || !strings.Contains(out, `"ids":[15496,995]`) {
		t.Errorf("tokenize without weights: exit %d, stdout %s, stderr %s; want ids [15496 995]", code, out, errs)
	}
}

// TestCLITokenize checks `explorer tokenize --json` against cases produced
// by OpenAI's reference encoder.
func TestCLITokenize(t *testing.T) {
	cases := readJSONL[struct {
		Text   string   `json:"text"`
		IDs    []int    `json:"ids"`
		Tokens []string `json:"tokens"`
	}](t, tokenCases, 25)
	if len(cases) < 25 {
		t.Fatalf("only %d tokenizer cases read", len(cases))
	}
	for _, want := range cases {
		file := filepath.Join(t.TempDir(), "text")
		if err := os.WriteFile(file, []byte(want.Text), 0o644); err != nil {
			t.Fatal(err)
		}
		code, out, errs := runCLI(t, "tokenize", "--model", tinyModel, "--file", file, "--json")
		if code != 0 {
			t.Fatalf("tokenize %q: exit %d: %s", want.Text, code, errs)
		}
		var got struct {
			IDs    []int    `json:"ids"`
			Tokens []string `json:"tokens"`
		}
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatalf("tokenize %q: output is not JSON: %v\n%s", want.Text, err, out)
		}
		if fmt.Sprint(got.IDs) != fmt.Sprint(nonNilInts(want.IDs)) || strings.Join(got.Tokens, "\x00") != strings.Join(want.Tokens, "\x00") {
			t.Errorf("tokenize %q:\n got %v %q\nwant %v %q", want.Text, got.IDs, got.Tokens, want.IDs, want.Tokens)
		}
	}
}

// countingWriter counts the writes made to it.
type countingWriter struct {
	bytes.Buffer
	writes int
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.writes++
	return w.Buffer.Write(p)
}

// TestCLITokenizeTable checks the table `explorer tokenize` prints, a line
// per token with the ids --json gives, and that it reaches stdout in a few
// large writes, not one per line (on a terminal or pipe each write is a
// system call).
func TestCLITokenizeTable(t *testing.T) {
	text := strings.Repeat("The attention pattern of head 3 looks back. ", 40)
	code, js, errs := runCLI(t, "tokenize", "--model", tinyModel, "--prompt", text, "--json")
	if code != 0 {
		t.Fatalf("tokenize --json: exit %d: %s", code, errs)
	}
	var want struct{ IDs []int }
	if err := json.Unmarshal([]byte(js), &want); err != nil {
		t.Fatal(err)
	}
	var out countingWriter
	if code := run(context.Background(), []string{"tokenize", "--model", tinyModel, "--prompt", text}, &out, io.Discard); code != 0 {
		t.Fatalf("tokenize: exit %d", code)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if lines[0] != fmt.Sprintf("%d tokens", len(want.IDs)) || len(lines) != len(want.IDs)+1 {
		t.Fatalf("tokenize printed %d lines, first %q; want %d tokens, one line each", len(lines), lines[0], len(want.IDs))
	}
	for i, id := range want.IDs {
		f := strings.Fields(lines[i+1])
		if len(f) < 2 || f[0] != strconv.Itoa(i) || f[1] != strconv.Itoa(id) {
			t.Fatalf("line %d is %q, want position %d and id %d", i+1, lines[i+1], i, id)
		}
	}
	if out.writes > 4 {
		t.Errorf("tokenize wrote %d lines in %d writes; want them buffered", len(lines), out.writes)
	}
}

// readJSONL decodes the first max lines of a JSON Lines file (every line
// when max ≤ 0) as Ts.
func readJSONL[T any](t *testing.T, path string, max int) []T {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	var out []T
	for (max <= 0 || len(out) < max) && sc.Scan() {
		var v T
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			t.Fatalf("%s line %d: %v", path, len(out)+1, err)
		}
		out = append(out, v)
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	return out
}

// TestCLITrace writes a trace for every conformance prompt, in F32 and F16,
// and compares its tensors with the expected ones at the README's tolerances.
func TestCLITrace(t *testing.T) {
	for _, dir := range []string{tinyModel, tinyModelF16} {
		expected, err := safetensors.Open(filepath.Join(dir, "expected.safetensors"))
		if err != nil {
			t.Fatal(err)
		}
		defer expected.Close()
		for j, p := range readPrompts(t, dir) {
			t.Run(fmt.Sprintf("%s/p%d", filepath.Base(dir), j), func(t *testing.T) {
				out := filepath.Join(t.TempDir(), "trace.safetensors")
				ids := strings.Trim(strings.ReplaceAll(fmt.Sprint(p.IDs), " ", ","), "[]")
				code, _, errs := runCLI(t, "trace", "--model", dir, "--ids", ids, "--out", out)
				if code != 0 {
					t.Fatalf("exit %d: %s", code, errs)
				}
				tr, err := trace.ReadFile(out)
				if err != nil {
					t.Fatal(err)
				}
				tracetest.CheckConformance(t, tr, expected, j)
			})
		}
	}
}

// TestCLIGenerate checks greedy generation (temperature 0) against the
// fixture's greedy continuation of each prompt.
func TestCLIGenerate(t *testing.T) {
	expected, err := safetensors.Open(filepath.Join(tinyModel, "expected.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	defer expected.Close()
	tok := testTokenizer(t, tinyModel)
	for j, p := range readPrompts(t, tinyModel) {
		_, greedy, err := expected.Int64s(fmt.Sprintf("p%d.greedy_ids", j))
		if err != nil {
			continue // the fixture has no continuation when it would not fit
		}
		t.Run(fmt.Sprint("p", j), func(t *testing.T) {
			code, out, errs := runCLI(t, "generate", "--model", tinyModel, "--prompt", p.Text,
				"--max-new-tokens", "16", "--temperature", "0", "--ignore-eos")
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errs)
			}
			ids := make([]int, len(greedy))
			for i, id := range greedy {
				ids[i] = int(id)
			}
			text, err := tok.Decode(ids)
			if err != nil {
				t.Fatal(err)
			}
			want := p.Text + string(text)
			if strings.TrimSuffix(out, "\n") != want {
				t.Errorf("greedy continuation:\n got %q\nwant %q", out, want)
			}
		})
	}
}

// TestCLIErrors checks that bad input gives a clear message and a non-zero
// exit, never a panic.
func TestCLIErrors(t *testing.T) {
	dir := t.TempDir()
	badUTF8 := filepath.Join(dir, "bad.txt")
	if err := os.WriteFile(badUTF8, []byte("caf\xe9"), 0o644); err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("word ", 80) // 80 tokens, context is 64
	empty := filepath.Join(dir, "empty")
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	truncated := filepath.Join(dir, "truncated")
	copyModel(t, tinyModel, truncated)
	st := filepath.Join(truncated, "model.safetensors")
	b, err := os.ReadFile(st)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(st, b[:len(b)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	// A NaN weight in block 1's MLP: one-shot commands check each matrix
	// as the pass first reads it, and fail as loading would.
	nan := filepath.Join(dir, "nan")
	copyModel(t, tinyModel, nan)
	nanWeights := filepath.Join(nan, "model.safetensors")
	if b, err = os.ReadFile(nanWeights); err != nil {
		t.Fatal(err)
	}
	f, err := safetensors.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	info, _ := f.Info("h.1.mlp.c_fc.weight")
	binary.LittleEndian.PutUint32(b[f.DataOffset+info.Begin+4*9:], 0x7fc00000)
	if err := os.WriteFile(nanWeights, b, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"unknown command", []string{"frobnicate"}, 2, "unknown command"},
		{"NaN weight", []string{"trace", "--model", nan, "--prompt", "hi", "--out", filepath.Join(dir, "x.safetensors")}, 1, "h.1.mlp.c_fc.weight\": weight is not a finite number: element 9 is NaN"},
		{"unknown flag", []string{"tokenize", "--nope"}, 2, "flag provided but not defined"},
		{"no text", []string{"tokenize", "--model", tinyModel}, 1, "--prompt"},
		{"invalid utf-8", []string{"tokenize", "--model", tinyModel, "--file", badUTF8}, 1, "UTF-8"},
		{"too long", []string{"trace", "--model", tinyModel, "--prompt", long, "--out", filepath.Join(dir, "x.safetensors")}, 1, "context"},
		{"bad id", []string{"trace", "--model", tinyModel, "--ids", "1,99999999", "--out", filepath.Join(dir, "x.safetensors")}, 1, "99999999"},
		{"unknown hook", []string{"trace", "--model", tinyModel, "--prompt", "hi", "--hooks", "blocks.*.hook_nonsense", "--out", filepath.Join(dir, "x.safetensors")}, 1, "hook_nonsense"},
		{"missing model dir", []string{"tokenize", "--model", filepath.Join(dir, "nowhere"), "--prompt", "hi"}, 1, "no such directory"},
		{"model dir without files", []string{"trace", "--model", empty, "--prompt", "hi", "--out", filepath.Join(dir, "x.safetensors")}, 1, "config.json"},
		{"model dir without a tokenizer", []string{"tokenize", "--model", empty, "--prompt", "hi"}, 1, "vocab.json"},
		{"truncated checkpoint", []string{"trace", "--model", truncated, "--prompt", "hi", "--out", filepath.Join(dir, "x.safetensors")}, 1, "model.safetensors"},
		{"NaN temperature", []string{"generate", "--model", tinyModel, "--prompt", "hi", "--temperature", "NaN"}, 2, "finite"},
		{"infinite temperature", []string{"generate", "--model", tinyModel, "--prompt", "hi", "--temperature", "+Inf"}, 2, "finite"},
		{"NaN top-p", []string{"generate", "--model", tinyModel, "--prompt", "hi", "--top-p", "nan"}, 2, "finite"},
		{"top-p above 1", []string{"generate", "--model", tinyModel, "--prompt", "hi", "--top-p", "1.5"}, 1, "--top-p must be in [0, 1]"},
		{"NaN learning rate", []string{"train", "--lr", "NaN"}, 2, "finite"},
		{"bad memory size", []string{"serve", "--memory", "lots"}, 2, "not a size"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errs := runCLI(t, tt.args...)
			if code != tt.code || !strings.Contains(errs, tt.want) {
				t.Errorf("exit %d, stderr:\n%s\nwant exit %d and a message containing %q", code, errs, tt.code, tt.want)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "x.safetensors")); err == nil {
		t.Error("a failed trace left an output file behind")
	}
}

// copyModel copies a model directory, following symlinks.
func copyModel(t *testing.T, from, to string) {
	t.Helper()
	if err := os.MkdirAll(to, 0o755); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(from)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(from, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(to, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func testTokenizer(t *testing.T, dir string) *tokenizer.Tokenizer {
	t.Helper()
	vocab, err := os.ReadFile(filepath.Join(dir, "vocab.json"))
	if err != nil {
		t.Fatal(err)
	}
	merges, err := os.ReadFile(filepath.Join(dir, "merges.txt"))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := tokenizer.Load(vocab, merges)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestCLIHelp(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"--help"}, {"-h"}} {
		code, out, _ := runCLI(t, args...)
		if code != 0 || !strings.Contains(out, "Commands:") || !strings.Contains(out, "serve") {
			t.Errorf("%v: exit %d\n%s", args, code, out)
		}
	}
	code, out, _ := runCLI(t, "help", "trace")
	if code != 0 || !strings.Contains(out, "--hooks") {
		t.Errorf("help trace: exit %d\n%s", code, out)
	}
}

// TestCLIPlotTrainingLog draws the loss curve of a training log and
// refuses a malformed one.
func TestCLIPlotTrainingLog(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "train_log.jsonl")
	lines := `{"step":1,"loss":7.5,"lr":0.0001}
{"step":2,"loss":6.9,"lr":0.0002,"val_loss":7.0}
{"step":3,"loss":5.1,"lr":0.0003}
`
	if err := os.WriteFile(log, []byte(lines), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "loss.png")
	code, stdout, errs := runCLI(t, "plot", "--train-log", log, "-o", out)
	if code != 0 || !strings.Contains(stdout, "3 steps") {
		t.Fatalf("exit %d: %s %s", code, stdout, errs)
	}
	if b, _ := os.ReadFile(out); !strings.HasPrefix(string(b), "\x89PNG") {
		t.Fatal("the loss curve is not a PNG")
	}
	os.WriteFile(log, []byte(lines+"{oops\n"), 0o644)
	bad := filepath.Join(dir, "bad.png")
	if code, _, errs := runCLI(t, "plot", "--train-log", log, "-o", bad); code == 0 || !strings.Contains(errs, "record 4") {
		t.Fatalf("a malformed log: exit %d %s", code, errs)
	}
	if _, err := os.Stat(bad); err == nil {
		t.Error("a failed plot left a file")
	}
}
