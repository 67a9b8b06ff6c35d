package tokenizer

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"unsafe"
)

var testKey = [32]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32}

// tableBytes returns t's table file under testKey.
func tableBytes(tb testing.TB, t *Tokenizer) []byte {
	tb.Helper()
	var b bytes.Buffer
	if err := t.WriteTable(&b, testKey); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

// aligned copies b into 8-byte aligned memory, as ReadTableFile reads it.
func aligned(b []byte) []byte {
	words := make([]uint64, (len(b)+7)/8)
	out := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(words))), len(words)*8)[:len(b)]
	copy(out, b)
	return out
}

// TestTableFileGPT2 writes GPT-2's tokenizer as a table file, reads it
// back and checks it against OpenAI's reference encoder's cases, and that
// every token reads as it did.
func TestTableFileGPT2(t *testing.T) {
	ref := loadGPT2(t)
	path := filepath.Join(t.TempDir(), "gpt2.tokens")
	if err := os.WriteFile(path, tableBytes(t, ref), 0o644); err != nil {
		t.Fatal(err)
	}
	tok, err := ReadTableFile(path, testKey)
	if err != nil {
		t.Fatalf("ReadTableFile: %v", err)
	}
	for _, c := range readCases(t) {
		if ids, err := tok.Encode(c.Text); err != nil || !slices.Equal(ids, c.IDs) {
			t.Errorf("Encode(%q) = %v, %v, want %v", c.Text, ids, err, c.IDs)
		}
	}
	if tok.VocabSize() != 50257 || tok.EndOfText() != 50256 {
		t.Errorf("VocabSize, EndOfText = %d, %d, want 50257, 50256", tok.VocabSize(), tok.EndOfText())
	}
	for id := range ref.VocabSize() {
		s := ref.Token(id)
		if got := tok.Token(id); got != s {
			t.Fatalf("Token(%d) = %q, want %q", id, got, s)
		}
		if back, ok := tok.ID(s); !ok || back != id {
			t.Fatalf("ID(%q) = %d, %v, want %d", s, back, ok, id)
		}
		if !bytes.Equal(tok.Bytes(id), ref.Bytes(id)) {
			t.Fatalf("Bytes(%d) = %q, want %q", id, tok.Bytes(id), ref.Bytes(id))
		}
	}
	if !slices.Equal(tok.merges, ref.merges) {
		t.Errorf("merges differ")
	}
	var vocab, merges bytes.Buffer
	if err := tok.WriteVocab(&vocab); err != nil {
		t.Fatal(err)
	}
	if err := tok.WriteMerges(&merges); err != nil {
		t.Fatal(err)
	}
	if again, err := Load(vocab.Bytes(), merges.Bytes()); err != nil || !slices.Equal(again.merges, ref.merges) {
		t.Errorf("Load(WriteVocab, WriteMerges) of the table's tokenizer: %v", err)
	}
}

// TestTableFileSmall round-trips tokenizers without merges and without
// "<|endoftext|>", and one whose vocab.json lists ids out of order.
func TestTableFileSmall(t *testing.T) {
	bytesOnly, err := Load([]byte(vocabJSON(t, byteTokens(t))), nil)
	if err != nil {
		t.Fatal(err)
	}
	tokens := append(byteTokens(t), "ab", "abab")
	shuffled := []byte(vocabJSON(t, tokens))
	// Swap the ids of "ab" and "abab" in the text: {"ab": 257, "abab": 256}.
	shuffled = bytes.Replace(shuffled, []byte(`"ab": 256`), []byte(`"ab": 999`), 1)
	shuffled = bytes.Replace(shuffled, []byte(`"abab": 257`), []byte(`"abab": 256`), 1)
	shuffled = bytes.Replace(shuffled, []byte(`"ab": 999`), []byte(`"ab": 257`), 1)
	outOfOrder, err := Load(shuffled, []byte("a b\nab ab\n"))
	if err != nil {
		t.Fatal(err)
	}
	if id, _ := outOfOrder.ID("abab"); id != 256 {
		t.Fatalf("the test's vocabulary: abab has id %d, want 256", id)
	}
	for name, ref := range map[string]*Tokenizer{"bytes only": bytesOnly, "ids out of order": outOfOrder} {
		tok, err := decodeTable(aligned(tableBytes(t, ref)), testKey)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, text := range []string{"ababa b", "abab", "", "日本"} {
			got, err1 := tok.Encode(text)
			want, err2 := ref.Encode(text)
			if err1 != nil || err2 != nil || !slices.Equal(got, want) {
				t.Errorf("%s: Encode(%q) = %v, %v; from the text files %v, %v", name, text, got, err1, want, err2)
			}
		}
		if tok.EndOfText() != -1 || tok.VocabSize() != ref.VocabSize() {
			t.Errorf("%s: EndOfText, VocabSize = %d, %d, want -1, %d", name, tok.EndOfText(), tok.VocabSize(), ref.VocabSize())
		}
	}
}

// TestTableFileRejects checks that damaged, foreign and stale table files
// are refused with ErrTable, and a missing one with fs.ErrNotExist.
func TestTableFileRejects(t *testing.T) {
	tokens := append(byteTokens(t), "ab", "abab", EndOfTextToken)
	small, err := Load([]byte(vocabJSON(t, tokens)), []byte("a b\nab ab\n"))
	if err != nil {
		t.Fatal(err)
	}
	good := tableBytes(t, small)
	le := binary.LittleEndian
	// resum fixes the checksum after a change, so that the checks behind
	// it are reached.
	resum := func(b []byte) []byte {
		le.PutUint32(b[40:], crc32.Checksum(b[tableHeaderSize:], castagnoli))
		return b
	}
	h, err := readHeader(good)
	if err != nil {
		t.Fatal(err)
	}
	if h.tokens != 259 || h.merges != 2 {
		t.Fatalf("the test's tokenizer: %d tokens, %d merges, want 259 and 2", h.tokens, h.merges)
	}
	l := h.layout()
	for _, c := range []struct {
		name   string
		damage func([]byte) []byte
	}{
		{"empty", func(b []byte) []byte { return nil }},
		{"header only", func(b []byte) []byte { return b[:tableHeaderSize] }},
		{"truncated", func(b []byte) []byte { return b[:len(b)-1] }},
		{"a byte appended", func(b []byte) []byte { return append(b, 0) }},
		{"other magic", func(b []byte) []byte { b[0] = 'x'; return b }},
		{"other version", func(b []byte) []byte { le.PutUint32(b[8:], tableVersion+1); return b }},
		{"other key", func(b []byte) []byte { b[50] ^= 1; return b }},
		{"a flipped bit", func(b []byte) []byte { b[len(b)/2] ^= 4; return b }},
		{"no tokens", func(b []byte) []byte { le.PutUint32(b[12:], 0); return b }},
		{"end of text out of range", func(b []byte) []byte { le.PutUint32(b[20:], 259); return resum(b) }},
		{"a slot too few", func(b []byte) []byte { le.PutUint32(b[32:], 512); return b }},
		{"offsets decrease", func(b []byte) []byte { le.PutUint32(b[l.vocabOffs+4*5:], 0); return resum(b) }},
		{"offsets overrun", func(b []byte) []byte { le.PutUint32(b[l.rawOffs+4*259:], 1<<20); return resum(b) }},
		{"byte id out of range", func(b []byte) []byte { le.PutUint32(b[l.byteIDs:], 259); return resum(b) }},
		{"merge id out of range", func(b []byte) []byte { le.PutUint32(b[l.merges:], 0xFFFFFFFF); return resum(b) }},
		{"a vocabulary slot emptied", func(b []byte) []byte {
			for i := l.ids; ; i += 8 {
				if le.Uint64(b[i:]) != 0 {
					le.PutUint64(b[i:], 0)
					return resum(b)
				}
			}
		}},
		{"a vocabulary slot out of range", func(b []byte) []byte {
			for i := l.ids; ; i += 8 {
				if le.Uint64(b[i:]) != 0 {
					le.PutUint32(b[i:], 260)
					return resum(b)
				}
			}
		}},
		{"a merge rank out of range", func(b []byte) []byte {
			for i := uint64(0); ; i++ {
				if le.Uint64(b[l.rankKeys+8*i:]) != 0 {
					le.PutUint32(b[l.rankVals+8*i:], 2)
					return resum(b)
				}
			}
		}},
	} {
		b := c.damage(slices.Clone(good))
		if _, err := decodeTable(aligned(b), testKey); !errors.Is(err, ErrTable) {
			t.Errorf("%s: decodeTable: %v, want ErrTable", c.name, err)
		}
		path := filepath.Join(t.TempDir(), "x.tokens")
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := ReadTableFile(path, testKey); !errors.Is(err, ErrTable) {
			t.Errorf("%s: ReadTableFile: %v, want ErrTable", c.name, err)
		}
	}
	if _, err := decodeTable(aligned(good), testKey); err != nil {
		t.Fatalf("the undamaged file: %v", err)
	}
	if _, err := ReadTableFile(filepath.Join(t.TempDir(), "none.tokens"), testKey); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a missing file: %v, want fs.ErrNotExist", err)
	}
}

// FuzzDecodeTable feeds decodeTable damaged table files, with the
// checksum and key set right so that the checks behind them are reached:
// it must refuse them or make a Tokenizer that encodes and decodes any
// text without panicking or looping.
func FuzzDecodeTable(f *testing.F) {
	tokens := append(byteTokens(f), "ab", "abab", EndOfTextToken)
	small, err := Load([]byte(vocabJSON(f, tokens)), []byte("a b\nab ab\n"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(tableBytes(f, small))
	f.Fuzz(func(t *testing.T, in []byte) {
		b := aligned(in) // a copy: the fuzzer's input must not change
		if len(b) >= tableHeaderSize {
			copy(b[48:], testKey[:])
			binary.LittleEndian.PutUint32(b[40:], crc32.Checksum(b[tableHeaderSize:], castagnoli))
		}
		tok, err := decodeTable(b, testKey)
		if err != nil {
			if !errors.Is(err, ErrTable) {
				t.Fatalf("error %v does not wrap ErrTable", err)
			}
			return
		}
		ids, err := tok.Encode("abab ab a日本 <|endoftext|>")
		if err != nil {
			t.Fatal(err)
		}
		tok.Decode(ids)
		for id := range tok.VocabSize() {
			tok.ID(tok.Token(id))
			tok.Display(id)
		}
	})
}
