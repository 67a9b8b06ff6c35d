package tokenizer

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
)

// gpt2 loads GPT-2's tokenizer from testdata once per test binary.
var gpt2 = sync.OnceValues(func() (*Tokenizer, error) {
	vocab, err := os.ReadFile(filepath.Join("testdata", "vocab.json"))
	if err != nil {
		return nil, err
	}
	merges, err := os.ReadFile(filepath.Join("testdata", "merges.txt"))
	if err != nil {
		return nil, err
	}
	return Load(vocab, merges)
})

func loadGPT2(tb testing.TB) *Tokenizer {
	tb.Helper()
	tok, err := gpt2()
	if err != nil {
		tb.Fatalf("Load(testdata GPT-2): %v", err)
	}
	return tok
}

// conformanceCase is one line of testdata/tokenizer-cases.jsonl, made with
// OpenAI's reference encoder.
type conformanceCase struct {
	Text   string   `json:"text"`
	IDs    []int    `json:"ids"`
	Tokens []string `json:"tokens"`
}

func readCases(tb testing.TB) []conformanceCase {
	tb.Helper()
	f, err := os.Open(filepath.Join("testdata", "tokenizer-cases.jsonl"))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var cases []conformanceCase
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var c conformanceCase
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			tb.Fatalf("case %d: %v", len(cases)+1, err)
		}
		if len(c.IDs) != len(c.Tokens) {
			tb.Fatalf("case %d: %d ids but %d tokens", len(cases)+1, len(c.IDs), len(c.Tokens))
		}
		cases = append(cases, c)
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	if len(cases) < 100 {
		tb.Fatalf("only %d conformance cases read", len(cases))
	}
	return cases
}

func TestEncodeConformance(t *testing.T) {
	tok := loadGPT2(t)
	for _, c := range readCases(t) {
		ids, err := tok.Encode(c.Text)
		if err != nil {
			t.Errorf("Encode(%q): %v", c.Text, err)
			continue
		}
		if !slices.Equal(ids, c.IDs) {
			t.Errorf("Encode(%q) = %v, want %v", c.Text, ids, c.IDs)
			continue
		}
		tokens := make([]string, len(ids))
		for i, id := range ids {
			tokens[i] = tok.Token(id)
			if back, ok := tok.ID(tokens[i]); !ok || back != id {
				t.Errorf("ID(%q) = %d, %v, want %d, true", tokens[i], back, ok, id)
			}
		}
		if !slices.Equal(tokens, c.Tokens) {
			t.Errorf("tokens of Encode(%q) = %q, want %q", c.Text, tokens, c.Tokens)
		}
		got, err := tok.Decode(ids)
		if err != nil || string(got) != c.Text {
			t.Errorf("Decode(Encode(%q)) = %q, %v, want the text back", c.Text, got, err)
		}
	}
}

// TestEncodeTwice checks that the word cache gives the same answer as the
// first, uncached encoding, also when used from several goroutines.
func TestEncodeTwice(t *testing.T) {
	tok := loadGPT2(t)
	cases := readCases(t)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for _, c := range cases {
				ids, err := tok.Encode(c.Text)
				if err != nil || !slices.Equal(ids, c.IDs) {
					t.Errorf("Encode(%q) = %v, %v, want %v", c.Text, ids, err, c.IDs)
				}
			}
		})
	}
	wg.Wait()
}

func TestGPT2Vocabulary(t *testing.T) {
	tok := loadGPT2(t)
	if got := tok.VocabSize(); got != 50257 {
		t.Errorf("VocabSize() = %d, want 50257", got)
	}
	if got := tok.EndOfText(); got != 50256 {
		t.Errorf("EndOfText() = %d, want 50256", got)
	}
	for _, c := range []struct {
		id    int
		token string
		bytes string
	}{
		{0, "!", "!"},
		{188, "Ā", "\x00"},
		{198, "Ċ", "\n"},
		{220, "Ġ", " "},
		{262, "Ġthe", " the"},
		{50256, "<|endoftext|>", "<|endoftext|>"},
	} {
		if got := tok.Token(c.id); got != c.token {
			t.Errorf("Token(%d) = %q, want %q", c.id, got, c.token)
		}
		if got := tok.Bytes(c.id); string(got) != c.bytes {
			t.Errorf("Bytes(%d) = %q, want %q", c.id, got, c.bytes)
		}
		if got, ok := tok.ID(c.token); !ok || got != c.id {
			t.Errorf("ID(%q) = %d, %v, want %d, true", c.token, got, ok, c.id)
		}
	}
	b := tok.Bytes(262)
	b[0] = 'X'
	if got := tok.Bytes(262); string(got) != " the" {
		t.Errorf("Bytes(262) = %q after modifying an earlier result, want \" the\"", got)
	}
	for _, id := range []int{-1, 50257} {
		if tok.Token(id) != "" || tok.Bytes(id) != nil || tok.Display(id) != "" {
			t.Errorf("Token/Bytes/Display(%d) not empty for an id out of range", id)
		}
	}
	if _, ok := tok.ID("not a token at all"); ok {
		t.Errorf("ID(%q) reported ok", "not a token at all")
	}
}

func TestEncodeInvalidUTF8(t *testing.T) {
	tok := loadGPT2(t)
	for _, c := range []struct {
		text   string
		offset int
	}{
		{"\xff", 0},
		{"abc\xe8", 3},
		{"héllo \xc3\x28", 7},
		{"ok \xed\xa0\x80", 3}, // a UTF-16 surrogate
	} {
		ids, err := tok.Encode(c.text)
		var ue *UTF8Error
		if !errors.Is(err, ErrInvalidUTF8) || !errors.As(err, &ue) || ue.Offset != c.offset {
			t.Errorf("Encode(%q) = %v, %v, want an ErrInvalidUTF8 at offset %d", c.text, ids, err, c.offset)
		}
	}
}

func TestDecodeOutOfRange(t *testing.T) {
	tok := loadGPT2(t)
	for _, ids := range [][]int{{50257}, {15496, -1}, {1 << 40}} {
		if got, err := tok.Decode(ids); !errors.Is(err, ErrTokenID) {
			t.Errorf("Decode(%v) = %q, %v, want ErrTokenID", ids, got, err)
		}
	}
	got, err := tok.Decode([]int{40, 1842, 220, 162, 245, 98, 17312, 105})
	if err != nil || string(got) != "I love 日本" {
		// The ids above spell "I love 日本" with the characters split
		// over byte tokens; only the concatenation is valid UTF-8.
		t.Errorf("Decode = %q, %v, want %q", got, err, "I love 日本")
	}
}
