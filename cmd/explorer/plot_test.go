package main

import (
	"bytes"
	"image/png"
	"os"
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
