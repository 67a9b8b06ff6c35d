package tokenizer

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"unicode/utf8"
)

func FuzzEncode(f *testing.F) {
	for _, c := range readCases(f) {
		f.Add(c.Text)
	}
	f.Add("\xff\xfeinvalid")
	tok := loadGPT2(f)
	f.Fuzz(func(t *testing.T, s string) {
		ids, err := tok.Encode(s)
		if !utf8.ValidString(s) {
			var ue *UTF8Error
			if !errors.As(err, &ue) || !errors.Is(err, ErrInvalidUTF8) || ue.Offset != invalidUTF8Offset(s) {
				t.Fatalf("Encode(%q) = %v, %v, want a UTF8Error", s, ids, err)
			}
			return
		}
		if err != nil {
			t.Fatalf("Encode(%q): %v", s, err)
		}
		back, err := tok.Decode(ids)
		if err != nil || string(back) != s {
			t.Fatalf("Decode(Encode(%q)) = %q, %v", s, back, err)
		}
		// Both merge methods agree on every word.
		for i := 0; i < len(s); {
			j := nextWord(s, i)
			if j <= i {
				t.Fatalf("nextWord(%q, %d) = %d, no progress", s, i, j)
			}
			if j-i <= 512 {
				short := tok.mergeShort(symbols(tok, s[i:j]))
				long := tok.mergeLong(symbols(tok, s[i:j]))
				if !slices.Equal(short, long) {
					t.Fatalf("word %q: mergeLong = %v, mergeShort = %v", s[i:j], long, short)
				}
			}
			i = j
		}
	})
}

func FuzzLoad(f *testing.F) {
	vocab, err := os.ReadFile(filepath.Join("testdata", "vocab.json"))
	if err != nil {
		f.Fatal(err)
	}
	small := vocabJSON(f, append(byteTokens(f), "ab", "Ġab", EndOfTextToken))
	f.Add([]byte(small), []byte("#version: 0.2\na b\nĠ ab\n"))
	f.Add([]byte(small), []byte("a b\nb a\n"))
	f.Add([]byte(small), []byte("a\n"))
	f.Add(vocab[:300], []byte("Ġ t\n"))
	f.Add([]byte(`{"a": 0, "a": 0}`), []byte(""))
	f.Add([]byte(`{"a": 1e3}`), []byte(" \n\r\n"))
	f.Fuzz(func(t *testing.T, vocab, merges []byte) {
		tok, err := Load(vocab, merges)
		if err != nil {
			if !errors.Is(err, ErrBadVocab) && !errors.Is(err, ErrBadMerges) {
				t.Fatalf("Load error %v wraps neither ErrBadVocab nor ErrBadMerges", err)
			}
			return
		}
		for _, s := range []string{"ab ab abab", "Hello, world!", "\x00 日本\n\n", string(merges)} {
			if !utf8.ValidString(s) {
				continue
			}
			ids, err := tok.Encode(s)
			if err != nil {
				t.Fatalf("Encode(%q): %v", s, err)
			}
			if back, err := tok.Decode(ids); err != nil || string(back) != s {
				t.Fatalf("Decode(Encode(%q)) = %q, %v", s, back, err)
			}
		}
	})
}

func FuzzLoadTokenizerJSON(f *testing.F) {
	f.Add([]byte(`{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": ["a a"]}}`))
	f.Add([]byte(`{"added_tokens": [{"id": 1, "content": "x"}], "model": {"vocab": {"a": 0}, "merges": [["a", "a"]]}}`))
	f.Add([]byte(`{"model": {"vocab": null, "merges": [1]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		tok, err := LoadTokenizerJSON(data)
		if err != nil {
			return
		}
		ids, err := tok.Encode("fuzz me, fuzz me")
		if err != nil {
			t.Fatal(err)
		}
		if back, err := tok.Decode(ids); err != nil || string(back) != "fuzz me, fuzz me" {
			t.Fatalf("Decode(Encode) = %q, %v", back, err)
		}
	})
}
