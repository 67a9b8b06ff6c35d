package engine

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/transformer-explorer/explorer/engine/tokenizer"
)

// tokenizerDir copies GPT-2's vocab.json and merges.txt into a fresh
// directory, which a test may change.
func tokenizerDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, name := range []string{vocabFile, mergesFile} {
		b, err := os.ReadFile(filepath.Join(conformanceDir, "gpt2-tokenizer", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// checkGPT2Cases checks tok against the cases of OpenAI's reference
// encoder.
func checkGPT2Cases(t *testing.T, tok *tokenizer.Tokenizer) {
	t.Helper()
	f, err := os.Open(filepath.Join(conformanceDir, "tokenizer-cases.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	n := 0
	for sc.Scan() {
		var c struct {
			Text string `json:"text"`
			IDs  []int  `json:"ids"`
		}
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatal(err)
		}
		if ids, err := tok.Encode(c.Text); err != nil || !slices.Equal(ids, c.IDs) {
			t.Fatalf("Encode(%q) = %v, %v, want %v", c.Text, ids, err, c.IDs)
		}
		n++
	}
	if err := sc.Err(); err != nil || n == 0 {
		t.Fatalf("read %d cases: %v", n, err)
	}
}

// tables lists the table files in a cache directory.
func tables(t *testing.T, cache string) []string {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(cache, "*"+tableSuffix))
	if err != nil {
		t.Fatal(err)
	}
	return names
}

// TestTokenizerCache checks that a cached tokenizer is written on the first
// load and read on the next, that changed text files are never answered
// from an old table, and that a damaged table or an unwritable cache only
// costs a parse.
func TestTokenizerCache(t *testing.T) {
	dir := tokenizerDir(t)
	cache := filepath.Join(t.TempDir(), "cache")
	opts := LoadOptions{TokenizerCache: cache}

	tok, err := opts.LoadTokenizerDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	checkGPT2Cases(t, tok)
	written := tables(t, cache)
	if len(written) != 1 {
		t.Fatalf("after the first load the cache holds %q, want one table", written)
	}

	// The second load reads the table: one that holds another tokenizer
	// under the same key shows it.
	key, err := tokenizerKey(dirCheckpoint(dir))
	if err != nil {
		t.Fatal(err)
	}
	other, err := tokenizer.Train(t.Context(), strings.NewReader(strings.Repeat("abc abd ", 50)), tokenizer.TrainOptions{VocabSize: 300})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := other.WriteTable(&b, key); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(written[0], b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, err := opts.LoadTokenizerDir(dir); err != nil || got.VocabSize() != other.VocabSize() {
		t.Fatalf("second load: %v tokens, %v; want the %d of the table in the cache", got.VocabSize(), err, other.VocabSize())
	}

	// A damaged table is parsed again and rewritten.
	if err := os.WriteFile(written[0], b.Bytes()[:1000], 0o644); err != nil {
		t.Fatal(err)
	}
	tok, err = opts.LoadTokenizerDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	checkGPT2Cases(t, tok)
	if _, err := tokenizer.ReadTableFile(written[0], key); err != nil {
		t.Fatalf("the damaged table was not rewritten: %v", err)
	}

	// Changed text files are a different key: "<|endoftext|>" becomes
	// "<|end|>".
	vocab, err := os.ReadFile(filepath.Join(dir, vocabFile))
	if err != nil {
		t.Fatal(err)
	}
	edited := bytes.Replace(vocab, []byte(`"<|endoftext|>":`), []byte(`"<|end|>":`), 1)
	if bytes.Equal(edited, vocab) {
		t.Fatal(`vocab.json has no "<|endoftext|>"`)
	}
	if err := os.WriteFile(filepath.Join(dir, vocabFile), edited, 0o644); err != nil {
		t.Fatal(err)
	}
	tok, err = opts.LoadTokenizerDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if id, ok := tok.ID("<|end|>"); !ok || id != 50256 || tok.EndOfText() != -1 {
		t.Errorf(`after the edit, ID("<|end|>") = %d, %v and EndOfText() = %d, want 50256 and -1 as in the edited vocab.json`, id, ok, tok.EndOfText())
	}
	if n := len(tables(t, cache)); n != 2 {
		t.Errorf("the cache holds %d tables after two distinct vocabularies, want 2", n)
	}

	// An unusable cache (a file where the directory should be) only means
	// that every load parses.
	blocked := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(blocked, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, vocabFile), vocab, 0o644); err != nil {
		t.Fatal(err)
	}
	tok, err = LoadOptions{TokenizerCache: blocked}.LoadTokenizerDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	checkGPT2Cases(t, tok)

	// Whole models load through the cache too.
	m, tok, err := LoadOptions{TokenizerCache: cache}.LoadDir(t.Context(), tinyDir)
	if err != nil {
		t.Fatal(err)
	}
	m.Close()
	checkGPT2Cases(t, tok)
}

// TestTrimCache checks that the cache keeps the most recently used tables
// and removes temporary files left behind long ago, but not one being
// written now.
func TestTrimCache(t *testing.T) {
	cache := t.TempDir()
	now := time.Now()
	touch := func(name string, age time.Duration) {
		path := filepath.Join(cache, name)
		if err := os.WriteFile(path, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(path, now.Add(-age), now.Add(-age)); err != nil {
			t.Fatal(err)
		}
	}
	for i := range maxCachedTables + 3 {
		touch(string(rune('a'+i))+tableSuffix, time.Duration(i)*time.Minute) // a is the newest
	}
	touch(".old"+tableSuffix+".123.tmp", 2*staleTemp)
	touch(".new"+tableSuffix+".456.tmp", 0)
	touch("notes.txt", 100*time.Hour)
	trimCache(cache, tableSuffix, maxCachedTables)
	entries, err := os.ReadDir(cache)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	want := []string{".new.tokens.456.tmp", "a.tokens", "b.tokens", "c.tokens", "d.tokens", "e.tokens", "f.tokens", "g.tokens", "h.tokens", "notes.txt"}
	if !slices.Equal(got, want) {
		t.Errorf("after trimming: %q, want %q", got, want)
	}
}

// BenchmarkLoadTokenizer loads GPT-2's tokenizer from its text files, and
// through the cache (hashing the text files, then reading the table).
func BenchmarkLoadTokenizer(b *testing.B) {
	dir := filepath.Join(conformanceDir, "gpt2-tokenizer")
	for _, c := range []struct {
		name string
		opts LoadOptions
	}{
		{"text", LoadOptions{}},
		{"cached", LoadOptions{TokenizerCache: b.TempDir()}},
	} {
		b.Run(c.name, func(b *testing.B) {
			if _, err := c.opts.LoadTokenizerDir(dir); err != nil { // fills the cache
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.opts.LoadTokenizerDir(dir); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
