package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCLITrainPipeline runs the whole recipe at toy size: generate a
// corpus, train a tokenizer on it, pre-train a tiny model, fine-tune it
// with --init, resume the first run, and generate from the result.
func TestCLITrainPipeline(t *testing.T) {
	dir := t.TempDir()
	corpusFile := filepath.Join(dir, "corpus.txt")
	if code, _, stderr := runCLI(t, "corpus", "--out", corpusFile, "--stories", "40", "--seed", "2"); code != 0 {
		t.Fatalf("corpus: exit %d: %s", code, stderr)
	}
	tokDir := filepath.Join(dir, "tok")
	if code, out, stderr := runCLI(t, "tokenizer", "train", "--corpus", corpusFile, "--vocab-size", "300", "--out", tokDir); code != 0 || !strings.Contains(out, "300-token") {
		t.Fatalf("tokenizer train: exit %d: %s%s", code, out, stderr)
	}
	vocab, err := os.ReadFile(filepath.Join(tokDir, "vocab.json"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(vocab), "endoftext"); n != 1 {
		t.Errorf("vocab.json mentions endoftext %d times, want once: the separator must not be learned as text", n)
	}
	model := filepath.Join(dir, "model")
	code, out, stderr := runCLI(t, "train", "--corpus", corpusFile, "--tokenizer", tokDir, "--layers", "1", "--heads", "2",
		"--width", "16", "--context", "32", "--batch", "2", "--steps", "6", "--eval-every", "3", "--out", model)
	if code != 0 {
		t.Fatalf("train: exit %d: %s%s", code, out, stderr)
	}
	for _, want := range []string{"step 6/6", "val ", "tok/s", "ETA", "done: 6 steps"} {
		if !strings.Contains(out, want) {
			t.Errorf("train output lacks %q:\n%s", want, out)
		}
	}
	code, out, stderr = runCLI(t, "train", "--corpus", corpusFile, "--resume", "--steps", "8", "--out", model)
	if code != 0 || !strings.Contains(out, "done: 8 steps") {
		t.Errorf("train --resume: exit %d: %s%s", code, out, stderr)
	}
	tuned := filepath.Join(dir, "tuned")
	code, out, stderr = runCLI(t, "train", "--corpus", corpusFile, "--init", model, "--steps", "2", "--batch", "1", "--out", tuned)
	if code != 0 {
		t.Errorf("train --init: exit %d: %s%s", code, out, stderr)
	}
	code, out, stderr = runCLI(t, "generate", "--model", tuned, "--prompt", "Once upon a time", "--max-new-tokens", "5", "--temperature", "0")
	if code != 0 || !strings.HasPrefix(out, "Once upon a time") {
		t.Errorf("generate from the trained model: exit %d: %q %s", code, out, stderr)
	}
	if code, _, _ := runCLI(t, "train", "--corpus", corpusFile, "--out", filepath.Join(dir, "x")); code == 0 {
		t.Error("train without --tokenizer, --init or --resume succeeded")
	}
}
