package tokenizer

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"unicode/utf8"
)

// refParseVocab is parseVocab written with encoding/json's streaming
// decoder, which rejects duplicate keys only because it sees every one:
// the independent reference FuzzParseVocab compares the scanner with. It
// returns the strings in id order, or an error.
func refParseVocab(data []byte) ([]string, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, errors.New("not an object")
	}
	byName := map[string]int{}
	var order []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key := tok.(string)
		if tok, err = dec.Token(); err != nil {
			return nil, err
		}
		num, ok := tok.(json.Number)
		if !ok {
			return nil, errors.New("not a number")
		}
		id, err := strconv.ParseInt(string(num), 10, 64)
		if err != nil || id < 0 || id > 1<<31-1 {
			return nil, errors.New("bad id")
		}
		if _, dup := byName[key]; dup {
			return nil, errors.New("duplicate")
		}
		byName[key] = int(id)
		order = append(order, key)
	}
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("trailing data")
	}
	tokens := make([]string, len(byName))
	set := make([]bool, len(byName))
	for _, s := range order {
		id := byName[s]
		if id >= len(tokens) || set[id] {
			return nil, errors.New("ids not dense")
		}
		tokens[id], set[id] = s, true
	}
	if len(tokens) == 0 {
		return nil, errors.New("empty")
	}
	return tokens, nil
}

// FuzzParseVocab checks the vocab.json scanner against encoding/json:
// both accept the same objects and give the same strings in the same
// order, except that the scanner rejects strings that are not valid UTF-8
// (encoding/json turns them into U+FFFD), and the scanner's table finds
// every string's id.
func FuzzParseVocab(f *testing.F) {
	for _, s := range []string{
		`{"a": 0}`, `{"a":0,"b":1}`, ` { "a" : 1 , "b" : 0 } `, `{"\u0041\n\"\\\/\b\f\r\t": 0}`,
		`{"\ud83d\ude00": 0, "\ud83d": 1, "\ude00x": 2}`, `{"a": 0, "\u0061": 1}`, `{"a": -0}`, `{"a": 1e0}`,
		`{"a": 0.0}`, `{"a": 00}`, `{"a": 0,}`, `{}`, `{"a": 0} x`, `{"a": [0]}`, `{"a": 9223372036854775808}`,
		`{"é": 0, "日本": 1}`, "{\"\xff\": 0}", `{"a`, `{"a": 1, "b": 1}`,
	} {
		f.Add([]byte(s))
	}
	vocab, err := os.ReadFile(filepath.Join("testdata", "vocab.json"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(vocab[:2000])
	f.Fuzz(func(t *testing.T, data []byte) {
		packed, ids, err := parseVocab(data, "v")
		got := packed.list()
		want, werr := refParseVocab(data)
		if err != nil {
			if !errors.Is(err, ErrBadVocab) {
				t.Fatalf("parseVocab(%q): error %v does not wrap ErrBadVocab", data, err)
			}
			if werr == nil && utf8.Valid(data) {
				t.Fatalf("parseVocab(%q): %v; encoding/json accepts it: %q", data, err, want)
			}
			return
		}
		if werr != nil {
			t.Fatalf("parseVocab(%q) = %q; encoding/json rejects it: %v", data, got, werr)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("parseVocab(%q) = %q, encoding/json gives %q", data, got, want)
		}
		for id, s := range got {
			if v, ok := ids.find(s, ""); !ok || v != id {
				t.Fatalf("parseVocab(%q): table finds %q at %d, %v; want %d", data, s, v, ok, id)
			}
		}
	})
}

// TestParseVocabGPT2 checks the scanner on GPT-2's whole vocab.json
// against encoding/json.
func TestParseVocabGPT2(t *testing.T) {
	vocab, err := os.ReadFile(filepath.Join("testdata", "vocab.json"))
	if err != nil {
		t.Fatal(err)
	}
	packed, _, err := parseVocab(vocab, "vocab.json")
	if err != nil {
		t.Fatal(err)
	}
	got := packed.list()
	want, err := refParseVocab(vocab)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("parseVocab and encoding/json disagree on GPT-2's vocab.json")
	}
}
