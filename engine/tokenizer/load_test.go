package tokenizer

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// byteTokens returns the 256 single-byte vocabulary strings in GPT-2's id
// order, read from the first 256 ids of GPT-2's own vocab.json.
func byteTokens(tb testing.TB) []string {
	tb.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "vocab.json"))
	if err != nil {
		tb.Fatal(err)
	}
	var vocab map[string]int
	if err := json.Unmarshal(data, &vocab); err != nil {
		tb.Fatal(err)
	}
	out := make([]string, 256)
	for s, id := range vocab {
		if id < 256 {
			out[id] = s
		}
	}
	return out
}

// vocabJSON writes tokens (in id order) as a vocab.json object.
func vocabJSON(tb testing.TB, tokens []string) string {
	tb.Helper()
	var sb strings.Builder
	sb.WriteString("{")
	for id, s := range tokens {
		k, err := json.Marshal(s)
		if err != nil {
			tb.Fatal(err)
		}
		if id > 0 {
			sb.WriteString(", ")
		}
		fmt.Fprintf(&sb, "%s: %d", k, id)
	}
	sb.WriteString("}")
	return sb.String()
}

func TestLoadSmall(t *testing.T) {
	tokens := append(byteTokens(t), "ab", "abab", "Ġab", EndOfTextToken)
	tok, err := Load([]byte(vocabJSON(t, tokens)), []byte("a b\nab ab\nĠ ab\n"))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	a, _ := tok.ID("a")
	b, _ := tok.ID("b")
	for _, c := range []struct {
		text string
		want []int
	}{
		{"ab", []int{256}},
		{"abab", []int{257}},
		{"ababa", []int{257, a}},
		{"aba", []int{256, a}},
		{"ba", []int{b, a}},
		{"ab ab", []int{256, 258}},
	} {
		if got, err := tok.Encode(c.text); err != nil || !slices.Equal(got, c.want) {
			t.Errorf("Encode(%q) = %v, %v, want %v", c.text, got, err, c.want)
		}
	}
	if tok.VocabSize() != 260 || tok.EndOfText() != 259 {
		t.Errorf("VocabSize, EndOfText = %d, %d, want 260, 259", tok.VocabSize(), tok.EndOfText())
	}
	noEOT, err := Load([]byte(vocabJSON(t, byteTokens(t))), nil)
	if err != nil {
		t.Fatalf("Load(bytes only, no merges): %v", err)
	}
	if noEOT.EndOfText() != -1 {
		t.Errorf("EndOfText() = %d without <|endoftext|>, want -1", noEOT.EndOfText())
	}
}

func TestLoadErrors(t *testing.T) {
	bytesOnly := byteTokens(t)
	withAB := append(slices.Clone(bytesOnly), "ab")
	good := vocabJSON(t, withAB)
	inner := strings.TrimSuffix(strings.TrimPrefix(good, "{"), "}")
	for _, c := range []struct {
		name          string
		vocab, merges string
		want          error
		mention       string
	}{
		{"empty vocab file", "", "", ErrBadVocab, "EOF"},
		{"truncated JSON", `{"a": 1`, "", ErrBadVocab, ""},
		{"array", `[1, 2]`, "", ErrBadVocab, "JSON object"},
		{"string id", `{"a": "0"}`, "", ErrBadVocab, `"a"`},
		{"fractional id", `{"a": 0.5}`, "", ErrBadVocab, "0.5"},
		{"negative id", `{"a": -1}`, "", ErrBadVocab, "-1"},
		{"huge id", `{"a": 99999999999999}`, "", ErrBadVocab, "99999999999999"},
		{"trailing data", good + ` {}`, "", ErrBadVocab, "after"},
		{"no tokens", `{}`, "", ErrBadVocab, "no tokens"},
		{"duplicate token", "{" + inner + `, "!": 300}`, "", ErrBadVocab, "twice"},
		{"duplicate id", "{" + inner + `, "xyz": 5}`, "", ErrBadVocab, "id 5"},
		{"gap in ids", "{" + inner + `, "xyz": 258}`, "", ErrBadVocab, "no gaps"},
		{"missing byte tokens", `{"a": 0, "b": 1}`, "", ErrBadVocab, "missing byte tokens"},
		{"empty token", "{" + inner + `, "": 257}`, "", ErrBadVocab, "empty"},
		{"merge with one token", good, "#version: 0.2\nab\n", ErrBadMerges, "line 2"},
		{"merge with three tokens", good, "a b c\n", ErrBadMerges, "line 1"},
		{"merge with two spaces", good, "a  b\n", ErrBadMerges, "line 1"},
		{"unknown left token", good, "a b\nzz b\n", ErrBadMerges, `"zz"`},
		{"unknown right token", good, "a zz\n", ErrBadMerges, `"zz"`},
		{"unknown merged token", good, "a b\nb a\n", ErrBadMerges, `"ba"`},
		{"duplicate merge", good, "a b\na b\n", ErrBadMerges, "twice"},
	} {
		tok, err := Load([]byte(c.vocab), []byte(c.merges))
		if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.mention) {
			t.Errorf("%s: Load = %v, %v, want an error wrapping %v that mentions %q", c.name, tok, err, c.want, c.mention)
		}
	}
}

// tokenizerJSON writes GPT-2's vocabulary and merges from testdata as a
// Hugging Face tokenizer.json, with merges as "a b" strings or as pairs.
func tokenizerJSON(tb testing.TB, pairs bool, added string) []byte {
	tb.Helper()
	vocab, err := os.ReadFile(filepath.Join("testdata", "vocab.json"))
	if err != nil {
		tb.Fatal(err)
	}
	mergesTXT, err := os.ReadFile(filepath.Join("testdata", "merges.txt"))
	if err != nil {
		tb.Fatal(err)
	}
	var merges []any
	for i, line := range strings.Split(string(mergesTXT), "\n") {
		if i == 0 || line == "" {
			continue
		}
		if pairs {
			l, r, _ := strings.Cut(line, " ")
			merges = append(merges, []string{l, r})
		} else {
			merges = append(merges, line)
		}
	}
	m, err := json.Marshal(merges)
	if err != nil {
		tb.Fatal(err)
	}
	return []byte(`{
  "version": "1.0",
  "truncation": null,
  "padding": null,
  "added_tokens": [
    {"id": 50256, "content": "<|endoftext|>", "single_word": false, "lstrip": false,
     "rstrip": false, "normalized": true, "special": true}` + added + `
  ],
  "normalizer": null,
  "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true},
  "post_processor": {"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": false, "use_regex": true},
  "decoder": {"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true},
  "model": {
    "type": "BPE", "dropout": null, "unk_token": null, "continuing_subword_prefix": "",
    "end_of_word_suffix": "", "fuse_unk": false, "byte_fallback": false,
    "vocab": ` + string(vocab) + `,
    "merges": ` + string(m) + `
  }
}`)
}

func TestLoadTokenizerJSON(t *testing.T) {
	ref := loadGPT2(t)
	cases := readCases(t)
	for _, pairs := range []bool{false, true} {
		tok, err := LoadTokenizerJSON(tokenizerJSON(t, pairs, ""))
		if err != nil {
			t.Fatalf("LoadTokenizerJSON (pairs %v): %v", pairs, err)
		}
		if tok.VocabSize() != ref.VocabSize() || tok.EndOfText() != 50256 {
			t.Errorf("pairs %v: VocabSize, EndOfText = %d, %d, want %d, 50256", pairs, tok.VocabSize(), tok.EndOfText(), ref.VocabSize())
		}
		for _, c := range cases {
			if ids, err := tok.Encode(c.Text); err != nil || !slices.Equal(ids, c.IDs) {
				t.Errorf("pairs %v: Encode(%q) = %v, %v, want %v", pairs, c.Text, ids, err, c.IDs)
			}
		}
		if !slices.Equal(tok.vocab.list(), ref.vocab.list()) || !slices.Equal(tok.merges, ref.merges) {
			t.Errorf("pairs %v: vocabulary or merges differ from Load's", pairs)
		}
	}

	extra := `,
    {"id": 50257, "content": "<|pad|>", "special": true},
    {"id": 50258, "content": " extra token", "special": false}`
	tok, err := LoadTokenizerJSON(tokenizerJSON(t, false, extra))
	if err != nil {
		t.Fatalf("LoadTokenizerJSON with added tokens: %v", err)
	}
	if tok.VocabSize() != 50259 || tok.Token(50257) != "<|pad|>" || string(tok.Bytes(50258)) != " extra token" {
		t.Errorf("added tokens: VocabSize %d, Token(50257) %q, Bytes(50258) %q", tok.VocabSize(), tok.Token(50257), tok.Bytes(50258))
	}
	if ids, _ := tok.Encode("<|pad|>"); slices.Contains(ids, 50257) {
		t.Errorf("Encode(%q) = %v: added tokens must not be matched in text", "<|pad|>", ids)
	}
}

func TestLoadTokenizerJSONErrors(t *testing.T) {
	good := string(tokenizerJSON(t, false, ""))
	for _, c := range []struct {
		name, json string
		want       error
	}{
		{"not JSON", "{", nil},
		{"no vocab", `{"model": {"type": "BPE", "merges": []}}`, ErrBadVocab},
		{"WordPiece", strings.Replace(good, `"type": "BPE"`, `"type": "WordPiece"`, 1), ErrUnsupported},
		{"prefix space", strings.Replace(good, `"add_prefix_space": false`, `"add_prefix_space": true`, 1), ErrUnsupported},
		{"suffix", strings.Replace(good, `"end_of_word_suffix": ""`, `"end_of_word_suffix": "</w>"`, 1), ErrUnsupported},
		{"added token id clash", strings.Replace(good, `"id": 50256`, `"id": 50255`, 1), ErrBadVocab},
		{"added token gap", strings.Replace(good, `"content": "<|endoftext|>"`, `"content": "<|other|>"`, 1) /* id 50256 now taken twice */, ErrBadVocab},
		{"bad merge string", strings.Replace(good, `"merges": ["Ġ t"`, `"merges": ["Ġt"`, 1), ErrBadMerges},
		{"bad merge pair", strings.Replace(good, `"merges": ["Ġ t"`, `"merges": [["Ġ", "t", "x"]`, 1), ErrBadMerges},
		{"merge number", strings.Replace(good, `"merges": ["Ġ t"`, `"merges": [7`, 1), ErrBadMerges},
	} {
		tok, err := LoadTokenizerJSON([]byte(c.json))
		if err == nil || (c.want != nil && !errors.Is(err, c.want)) {
			t.Errorf("%s: LoadTokenizerJSON = %v, %v, want an error wrapping %v", c.name, tok, err, c.want)
		}
	}
}
