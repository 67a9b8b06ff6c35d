package atomicfile_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/transformer-explorer/explorer/engine/atomicfile"
)

// names lists the files in dir.
func names(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

// TestAbortAndCommit: an aborted file leaves nothing behind and an
// existing file untouched; a committed one replaces it; a second Commit
// is an error.
func TestAbortAndCommit(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.txt")
	os.WriteFile(path, []byte("old"), 0o644)
	a, err := atomicfile.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	a.WriteString("half of the new")
	a.Abort()
	if b, _ := os.ReadFile(path); string(b) != "old" {
		t.Fatalf("after Abort: %q", b)
	}
	if got := names(t, dir); !slices.Equal(got, []string{"out.txt"}) {
		t.Fatalf("after Abort the directory holds %q", got)
	}
	a, _ = atomicfile.Create(path)
	a.WriteString("new")
	if err := a.Commit(); err != nil {
		t.Fatal(err)
	}
	a.Abort() // a no-op after Commit
	if b, _ := os.ReadFile(path); string(b) != "new" {
		t.Fatalf("after Commit: %q", b)
	}
	if err := a.Commit(); !errors.Is(err, atomicfile.ErrFinished) {
		t.Errorf("a second Commit: %v, want ErrFinished", err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", fi.Mode().Perm())
	}
}

// TestTemporariesAreUnique: two writers of one target use two
// temporaries, and the last to commit wins.
func TestTemporariesAreUnique(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "model.safetensors")
	a, _ := atomicfile.Create(path)
	b, _ := atomicfile.Create(path)
	a.WriteString("a")
	b.WriteString("b")
	if got := names(t, dir); len(got) != 2 {
		t.Fatalf("two writers hold %q, want two temporaries", got)
	} else {
		for _, name := range got {
			if !atomicfile.IsTemporary(name) {
				t.Errorf("IsTemporary(%q) = false for a writer's temporary", name)
			}
		}
	}
	for _, name := range []string{"model.safetensors", "model.tmp", ".hidden"} {
		if atomicfile.IsTemporary(name) {
			t.Errorf("IsTemporary(%q) = true", name)
		}
	}
	if err := a.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := b.Commit(); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(path); string(got) != "b" {
		t.Errorf("%q, want the last commit's", got)
	}
	if got := names(t, dir); !slices.Equal(got, []string{"model.safetensors"}) {
		t.Errorf("left %q", got)
	}
}

// TestFailuresLeaveNothing: a write that cannot be put in place (the
// target is a directory) or cannot start (no such directory) fails with
// the path and leaves no temporary, and the old target as it was.
func TestFailuresLeaveNothing(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(dir string) string // returns the target
		want  []string                // the directory's files after
	}{
		{"target is a directory", func(dir string) string {
			p := filepath.Join(dir, "config.json")
			os.Mkdir(p, 0o755)
			os.WriteFile(filepath.Join(p, "keep"), []byte("x"), 0o644)
			return p
		}, []string{"config.json"}},
		{"no such directory", func(dir string) string {
			return filepath.Join(dir, "missing", "config.json")
		}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := tc.setup(dir)
			err := atomicfile.WriteFile(path, []byte(`{"n_layer": 2}`))
			if err == nil {
				t.Fatal("the write succeeded")
			}
			if !strings.Contains(err.Error(), path) {
				t.Errorf("error %q does not name %s", err, path)
			}
			if got := names(t, dir); !slices.Equal(got, tc.want) {
				t.Errorf("the directory holds %q, want %q", got, tc.want)
			}
		})
	}
}

// TestLargeFileWhole checks that a file of several 2 MiB chunks, written
// in pieces of every size, is committed whole and in order (the buffer
// and the chunk writer under it are both flushed).
func TestLargeFileWhole(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big.bin")
	want := make([]byte, 5<<20+777)
	for i := range want {
		want[i] = byte(i*7 + i>>11)
	}
	a, err := atomicfile.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Abort()
	for rest, k := want, 1; len(rest) > 0; k = k*3 + 1 {
		n := min(k, len(rest))
		if _, err := a.Write(rest[:n]); err != nil {
			t.Fatal(err)
		}
		rest = rest[n:]
	}
	if err := a.Commit(); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("read back %d bytes, want the %d written", len(got), len(want))
	}
}
