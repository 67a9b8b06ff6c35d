package tokenizer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// Load makes a Tokenizer from the contents of GPT-2's vocab.json (a JSON
// object from vocabulary string to id) and merges.txt (an optional
// "#version" line, then one merge "left right" per line, highest priority
// first).
//
// The ids must be exactly 0..n-1, each once; every one of the 256 byte
// tokens must be present; and both halves of every merge and their
// concatenation must be in the vocabulary. Errors wrap ErrBadVocab or
// ErrBadMerges and say what is wrong and where.
func Load(vocabJSON, mergesTXT []byte) (*Tokenizer, error) {
	tokens, err := parseVocab(vocabJSON, "vocab.json")
	if err != nil {
		return nil, err
	}
	merges, err := parseMergesTXT(mergesTXT)
	if err != nil {
		return nil, err
	}
	return build(tokens, merges, "merges.txt line %d")
}

// mergeSpec is one merge as written in a file, with where it was written
// (a line number or an array index, for error messages).
type mergeSpec struct {
	left, right string
	pos         int
}

// parseVocab reads a JSON object from vocabulary string to id and returns
// the strings in id order. It streams the object so that it can reject
// duplicate keys, which encoding/json would silently collapse.
func parseVocab(data []byte, name string) ([]string, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s: %s", ErrBadVocab, name, fmt.Sprintf(format, args...))
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil {
		return nil, bad("%v", err)
	} else if tok != json.Delim('{') {
		return nil, bad("want a JSON object from token to id, found %v", tok)
	}
	byName := make(map[string]int)
	var order []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, bad("%v", err)
		}
		key, ok := tok.(string)
		if !ok {
			return nil, bad("want a token string, found %v", tok)
		}
		tok, err = dec.Token()
		if err != nil {
			return nil, bad("%v", err)
		}
		num, ok := tok.(json.Number)
		if !ok {
			return nil, bad("token %q: id is %v, want an integer", key, tok)
		}
		id, err := strconv.ParseInt(string(num), 10, 64)
		if err != nil || id < 0 {
			return nil, bad("token %q: id %s is not a non-negative integer", key, num)
		}
		if _, dup := byName[key]; dup {
			return nil, bad("token %q appears twice", key)
		}
		if id > math.MaxInt32 {
			return nil, bad("token %q: id %d is too large", key, id)
		}
		byName[key] = int(id)
		order = append(order, key)
	}
	if _, err := dec.Token(); err != nil {
		return nil, bad("%v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, bad("unexpected data after the JSON object")
	}
	return denseTokens(byName, order, bad)
}

// denseTokens checks that the ids of byName are exactly 0..n-1 and returns
// the strings in id order. order is the order the strings were read in, for
// deterministic error messages.
func denseTokens(byName map[string]int, order []string, bad func(string, ...any) error) ([]string, error) {
	n := len(byName)
	tokens := make([]string, n)
	set := make([]bool, n)
	for _, s := range order {
		id := byName[s]
		if id >= n {
			return nil, bad("token %q has id %d, but ids must run from 0 to %d (one per token, no gaps)", s, id, n-1)
		}
		if set[id] {
			return nil, bad("id %d is given to both %q and %q", id, tokens[id], s)
		}
		tokens[id], set[id] = s, true
	}
	if n == 0 {
		return nil, bad("no tokens")
	}
	return tokens, nil
}

// parseMergesTXT reads merges.txt: a first line starting with '#' (GPT-2's
// "#version: 0.2") is skipped, as are empty lines; every other line is two
// tokens separated by one space.
func parseMergesTXT(data []byte) ([]mergeSpec, error) {
	lines := strings.Split(string(data), "\n")
	merges := make([]mergeSpec, 0, len(lines))
	for i, line := range lines {
		line = strings.TrimSuffix(line, "\r")
		if line == "" || (i == 0 && strings.HasPrefix(line, "#")) {
			continue
		}
		left, right, ok := strings.Cut(line, " ")
		if !ok || left == "" || right == "" || strings.Contains(right, " ") {
			return nil, fmt.Errorf("%w: merges.txt line %d: %q is not two tokens separated by one space", ErrBadMerges, i+1, line)
		}
		merges = append(merges, mergeSpec{left: left, right: right, pos: i + 1})
	}
	return merges, nil
}

// build checks a vocabulary (strings in id order) and its merges (in rank
// order) and makes the Tokenizer. where is a format with one %d verb that
// tells a merge's position in its file, for error messages.
func build(tokens []string, merges []mergeSpec, where string) (*Tokenizer, error) {
	if len(tokens) > math.MaxInt32 || len(merges) > math.MaxInt32 {
		return nil, fmt.Errorf("%w: too many tokens or merges", ErrBadVocab)
	}
	t := &Tokenizer{
		tokens: tokens,
		offs:   make([]int, len(tokens)+1),
		ids:    make(map[string]int, len(tokens)),
		merges: make([][2]int32, 0, len(merges)),
		ranks:  make(map[uint64]merge, len(merges)),
		eot:    -1,
		cache:  newWordCache(),
	}
	for id, s := range tokens {
		if s == "" {
			return nil, fmt.Errorf("%w: id %d is the empty string", ErrBadVocab, id)
		}
		if prev, dup := t.ids[s]; dup {
			return nil, fmt.Errorf("%w: token %q has ids %d and %d", ErrBadVocab, s, prev, id)
		}
		t.ids[s] = id
		if b, ok := gpt2Alphabet.decode(s); ok {
			t.raw = append(t.raw, b...)
		} else {
			// Not spelled in the byte alphabet (an added token such as
			// "<|im_start|> "): its text is its bytes.
			t.raw = append(t.raw, s...)
		}
		t.offs[id+1] = len(t.raw)
	}
	var missing []string
	for b := range 256 {
		s := string(gpt2Alphabet.runeOf[b])
		id, ok := t.ids[s]
		if !ok {
			missing = append(missing, fmt.Sprintf("%q (byte 0x%02X)", s, b))
			continue
		}
		t.byteIDs[b] = int32(id)
	}
	if len(missing) > 0 {
		if len(missing) > 5 {
			missing = append(missing[:5], fmt.Sprintf("and %d more", len(missing)-5))
		}
		return nil, fmt.Errorf("%w: missing byte tokens %s; a byte-level BPE vocabulary needs all 256", ErrBadVocab, strings.Join(missing, ", "))
	}
	for rank, m := range merges {
		at := func() string { return fmt.Sprintf(where, m.pos) }
		left, lok := t.ids[m.left]
		right, rok := t.ids[m.right]
		result, ok := t.ids[m.left+m.right]
		switch {
		case !lok:
			return nil, fmt.Errorf("%w: %s: token %q is not in the vocabulary", ErrBadMerges, at(), m.left)
		case !rok:
			return nil, fmt.Errorf("%w: %s: token %q is not in the vocabulary", ErrBadMerges, at(), m.right)
		case !ok:
			return nil, fmt.Errorf("%w: %s: merged token %q is not in the vocabulary", ErrBadMerges, at(), m.left+m.right)
		}
		key := pairKey(int32(left), int32(right))
		if _, dup := t.ranks[key]; dup {
			return nil, fmt.Errorf("%w: %s: merge %q %q is listed twice", ErrBadMerges, at(), m.left, m.right)
		}
		t.ranks[key] = merge{rank: int32(rank), result: int32(result)}
		t.merges = append(t.merges, [2]int32{int32(left), int32(right)})
	}
	if id, ok := t.ids[EndOfTextToken]; ok {
		t.eot = id
	}
	return t, nil
}
