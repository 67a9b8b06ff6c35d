package main

import (
	"bytes"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/transformer-explorer/explorer/trace"
	"github.com/transformer-explorer/explorer/viz"
)

// TestCLIPlot runs `explorer plot` on the tiny model for every kind, and
// from a saved trace, and checks the files.
func TestCLIPlot(t *testing.T) {
	dir := t.TempDir()
	const text = "The cat sat on the mat.\nIt was happy!"
	for _, kind := range viz.Kinds() {
		out := filepath.Join(dir, kind+".png")
		code, stdout, stderr := runCLI(t, "plot", "--model", tinyModel, "--prompt", text,
			"--kind", kind, "--layer", "1", "--head", "3", "--dpi", "72", "-o", out)
		if code != 0 {
			t.Fatalf("plot --kind %s: exit %d: %s", kind, code, stderr)
		}
		if !strings.Contains(stdout, "wrote "+kind+" plot") {
			t.Errorf("plot --kind %s printed %q", kind, stdout)
		}
		f, err := os.Open(out)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", out, err)
		}
		if b := img.Bounds(); b.Dx() < 150 || b.Dy() < 80 {
			t.Errorf("%s is %v pixels, implausibly small", out, b.Size())
		}
	}

	// A trace saved with only the pattern hooks plots attention as SVG,
	// with the prompt's tokens as labels, but not the logit lens.
	saved := filepath.Join(dir, "t.safetensors")
	if code, _, stderr := runCLI(t, "trace", "--model", tinyModel, "--prompt", text,
		"--hooks", "blocks.*.attn.hook_pattern", "--out", saved); code != 0 {
		t.Fatalf("trace: exit %d: %s", code, stderr)
	}
	svg := filepath.Join(dir, "a.svg")
	if code, _, stderr := runCLI(t, "plot", "--trace", saved, "--kind", "attention", "--layer", "1", "--head", "2", "-o", svg); code != 0 {
		t.Fatalf("plot --trace: exit %d: %s", code, stderr)
	}
	b, err := os.ReadFile(svg)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := trace.ReadFile(saved)
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range tr.Tokens {
		if !bytes.Contains(b, []byte(">"+tok)) {
			t.Errorf("SVG from the saved trace lacks the token label %q", tok)
		}
	}
	if !bytes.Contains(b, []byte("layer 1 · head 2")) {
		t.Errorf("SVG lacks the title")
	}
	code, _, stderr := runCLI(t, "plot", "--trace", saved, "--kind", "lens", "-o", filepath.Join(dir, "lens.pdf"))
	if code != 1 || !strings.Contains(stderr, `lacks a hook the plot needs "lens.top_ids"`) {
		t.Errorf("plot lens from a pattern-only trace: exit %d, stderr %q", code, stderr)
	}
}

func TestCLIPlotErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--model", tinyModel, "--prompt", "hi", "--kind", "attention"}, 1, "give the output file with -o"},
		{[]string{"--model", tinyModel, "--prompt", "hi", "-o", filepath.Join(dir, "x.gif")}, 1, "needs a .png, .svg, .pdf or .eps extension"},
		{[]string{"--model", tinyModel, "--prompt", "hi", "--kind", "pie", "-o", filepath.Join(dir, "x.png")}, 1, `unknown plot kind "pie"`},
		{[]string{"--model", tinyModel, "--prompt", "hi", "--layer", "2", "-o", filepath.Join(dir, "x.png")}, 1, "layer 2: the model has layers 0 to 1"},
		{[]string{"--model", tinyModel, "--prompt", "hi", "--head", "4", "-o", filepath.Join(dir, "x.png")}, 1, "head 4: the model has heads 0 to 3"},
		{[]string{"--model", tinyModel, "--prompt", "hi there", "--kind", "logits", "--pos", "5", "-o", filepath.Join(dir, "x.png")}, 1, "position 5"},
		{[]string{"--model", tinyModel, "--prompt", "hi", "-o", filepath.Join(dir, "no", "such", "x.png")}, 1, filepath.Join(dir, "no", "such", "x.png")},
		{[]string{"--model", tinyModel, "-o", filepath.Join(dir, "x.png")}, 1, "give the prompt with --prompt TEXT, or a saved trace"},
		{[]string{"--trace", "t.safetensors", "--prompt", "hi", "-o", filepath.Join(dir, "x.png")}, 1, "not both"},
		{[]string{"--trace", filepath.Join(dir, "missing.safetensors"), "-o", filepath.Join(dir, "x.png")}, 1, "missing.safetensors"},
		{[]string{"--dpi", "x"}, 2, "invalid value"},
	}
	for _, tc := range tests {
		code, _, stderr := runCLI(t, append([]string{"plot"}, tc.args...)...)
		if code != tc.code || !strings.Contains(stderr, tc.want) {
			t.Errorf("explorer plot %s: exit %d, stderr %q; want exit %d mentioning %q", strings.Join(tc.args, " "), code, stderr, tc.code, tc.want)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("failed plots left files: %v", entries)
	}
}

// TestCLIPlotChinese is the issue's check: `explorer plot --prompt
// "从前有一个小女孩，她叫小红。" --kind attention -o x.pdf`, then
// pdftotext reads the Chinese tokens back from the PDF, and the Chinese
// titles with --lang zh. Every token that is whole Chinese characters
// must be there (the embedded model's tokenizer decides which are; with
// byte tokens only the characters it merges show as characters).
func TestCLIPlotChinese(t *testing.T) {
	if _, err := viz.CJKFont(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	pdftotext, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("pdftotext is required under CI=true (apt-get install poppler-utils)")
		}
		t.Skip("no pdftotext")
	}
	const prompt = "从前有一个小女孩，她叫小红。"
	for _, model := range []string{"", tinyModel} {
		out := filepath.Join(t.TempDir(), "x.pdf")
		args := []string{"plot", "--prompt", prompt, "--kind", "attention", "--lang", "zh", "-o", out}
		if model != "" {
			args = append(args, "--model", model)
		}
		if code, _, stderr := runCLI(t, args...); code != 0 {
			t.Fatalf("plot %v: exit %d: %s", args, code, stderr)
		}
		text, err := exec.Command(pdftotext, out, "-").Output()
		if err != nil {
			t.Fatalf("pdftotext: %v", err)
		}
		for _, want := range []string{"第 0 层", "键：被关注的词元", "注意力权重"} {
			if !strings.Contains(string(text), want) {
				t.Errorf("model %q: the PDF's text lacks the title %q", model, want)
			}
		}
		tr := tracePrompt(t, model, prompt)
		found := 0
		for _, tok := range tr.Tokens {
			if !wholeCJK(tok) {
				continue
			}
			found++
			if !strings.Contains(string(text), tok) {
				t.Errorf("model %q: the PDF's text lacks the token %q", model, tok)
			}
		}
		t.Logf("model %q: %d of %d tokens are whole Chinese characters, all in the PDF's text", model, found, len(tr.Tokens))
	}
}

// wholeCJK reports whether a display token is only CJK characters and
// punctuation.
func wholeCJK(tok string) bool {
	if tok == "" {
		return false
	}
	for _, r := range tok {
		if r < 0x2E80 || r >= 0xFFF0 {
			return false
		}
	}
	return true
}

// tracePrompt records prompt's tokens with the model (the embedded one
// for "").
func tracePrompt(t *testing.T, model, prompt string) *trace.Trace {
	t.Helper()
	out := filepath.Join(t.TempDir(), "t.safetensors")
	args := []string{"trace", "--prompt", prompt, "--hooks", "hook_embed", "--out", out}
	if model != "" {
		args = append(args, "--model", model)
	}
	if code, _, stderr := runCLI(t, args...); code != 0 {
		t.Fatalf("trace: exit %d: %s", code, stderr)
	}
	tr, err := trace.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}
