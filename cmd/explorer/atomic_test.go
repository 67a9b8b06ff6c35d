package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// TestAtomicFile: an aborted file leaves nothing behind and an existing
// file untouched; a committed one replaces it.
func TestAtomicFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.txt")
	os.WriteFile(path, []byte("old"), 0o644)
	a, err := createAtomic(path)
	if err != nil {
		t.Fatal(err)
	}
	a.WriteString("half of the new")
	a.Abort()
	if b, _ := os.ReadFile(path); string(b) != "old" {
		t.Fatalf("after Abort: %q", b)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Fatalf("after Abort the directory holds %d files", len(entries))
	}
	a, _ = createAtomic(path)
	a.WriteString("new")
	if err := a.Commit(); err != nil {
		t.Fatal(err)
	}
	a.Abort() // a no-op after Commit
	if b, _ := os.ReadFile(path); string(b) != "new" {
		t.Fatalf("after Commit: %q", b)
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
