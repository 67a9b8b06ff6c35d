package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCLICorpusParts writes one part of the corpus in one language, as
// documents and as task items.
func TestCLICorpusParts(t *testing.T) {
	dir := t.TempDir()
	text := filepath.Join(dir, "qa.txt")
	if code, out, stderr := runCLI(t, "corpus", "--out", text, "--stories", "5", "--parts", "qa", "--lang", "zh"); code != 0 || !strings.Contains(out, "wrote 5 documents") {
		t.Fatalf("corpus --parts qa: exit %d: %s %s", code, out, stderr)
	}
	b, err := os.ReadFile(text)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(string(b), "问："); got != 15 {
		t.Errorf("5 Chinese QA documents hold %d questions, want 15", got)
	}
	if strings.Contains(string(b), "Q:") {
		t.Error("--lang zh wrote English questions")
	}

	items := filepath.Join(dir, "items.jsonl")
	if code, out, stderr := runCLI(t, "corpus", "--out", items, "--stories", "4", "--parts", "summary", "--lang", "en", "--format", "jsonl"); code != 0 || !strings.Contains(out, "wrote 4 task items") {
		t.Fatalf("corpus --format jsonl: exit %d: %s %s", code, out, stderr)
	}
	recs := readJSONL[struct{ Part, Lang, Prompt, Answer string }](t, items, 0)
	for _, rec := range recs {
		if rec.Part != "summary" || rec.Lang != "en" || !strings.HasSuffix(rec.Prompt, "TL;DR:") || !strings.HasPrefix(rec.Answer, " ") {
			t.Errorf("item %+v", rec)
		}
	}
	if len(recs) != 4 {
		t.Errorf("%d items, want 4", len(recs))
	}

	for _, bad := range [][]string{{"--parts", "poems"}, {"--lang", "fr"}, {"--format", "xml"}, {"--parts", "qa=0"}} {
		if code, _, _ := runCLI(t, append([]string{"corpus", "--out", filepath.Join(dir, "x")}, bad...)...); code == 0 {
			t.Errorf("corpus %v succeeded", bad)
		}
	}
}

// TestCorpusInterruptedLeavesNoFile stops explorer corpus mid-way (issue
// 15: a failed write left a truncated file).
func TestCorpusInterruptedLeavesNoFile(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "corpus.txt")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := runCorpus(ctx, []string{"--out", out, "--stories", "5000"}, io.Discard, io.Discard); err == nil {
		t.Fatal("an interrupted corpus succeeded")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("an interrupted corpus left %d files: %v", len(entries), entries)
	}
}
