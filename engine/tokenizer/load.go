package tokenizer

import (
	"fmt"
	"math"
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
	tokens, ids, err := parseVocab(vocabJSON, "vocab.json")
	if err != nil {
		return nil, err
	}
	merges, err := parseMergesTXT(mergesTXT)
	if err != nil {
		return nil, err
	}
	return buildIndexed(tokens, ids, merges, "merges.txt line %d")
}

// mergeSpec is one merge as written in a file, with where it was written
// (a line number or an array index, for error messages).
type mergeSpec struct {
	left, right string
	pos         int
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
// tokens separated by one space. The tokens are substrings of one copy of
// data.
func parseMergesTXT(data []byte) ([]mergeSpec, error) {
	text := string(data)
	merges := make([]mergeSpec, 0, strings.Count(text, "\n")+1)
	for i, lineNo := 0, 1; i < len(text); lineNo++ {
		end := strings.IndexByte(text[i:], '\n')
		if end < 0 {
			end = len(text)
		} else {
			end += i
		}
		line := strings.TrimSuffix(text[i:end], "\r")
		i = end + 1
		if line == "" || (lineNo == 1 && line[0] == '#') {
			continue
		}
		left, right, ok := strings.Cut(line, " ")
		if !ok || left == "" || right == "" || strings.IndexByte(right, ' ') >= 0 {
			return nil, fmt.Errorf("%w: merges.txt line %d: %q is not two tokens separated by one space", ErrBadMerges, lineNo, line)
		}
		merges = append(merges, mergeSpec{left: left, right: right, pos: lineNo})
	}
	return merges, nil
}

// build checks a vocabulary (strings in id order) and its merges (in rank
// order) and makes the Tokenizer. where is a format with one %d verb that
// tells a merge's position in its file, for error messages.
func build(tokens []string, merges []mergeSpec, where string) (*Tokenizer, error) {
	n := 0
	for _, s := range tokens {
		n += len(s)
	}
	if n > maxText {
		return nil, fmt.Errorf("%w: the tokens are longer than %d bytes in all", ErrBadVocab, uint64(maxText))
	}
	return buildIndexed(packStrings(tokens), strTable{}, merges, where)
}

// buildIndexed is build given the table from token to id when the caller
// has made it already (parseVocab does), or the zero strTable.
func buildIndexed(tokens packedStrings, ids strTable, merges []mergeSpec, where string) (*Tokenizer, error) {
	if tokens.len() > math.MaxInt32 || len(merges) > math.MaxInt32 {
		return nil, fmt.Errorf("%w: too many tokens or merges", ErrBadVocab)
	}
	indexed := ids.slots != nil
	if !indexed {
		ids = newStrTable(tokens.len(), tokens)
	}
	// A token's raw bytes are never longer than its spelling in the byte
	// alphabet, so raw fits in a packedStrings as the spellings do.
	var raw strings.Builder
	raw.Grow(len(tokens.text))
	rawOffs := make([]uint32, tokens.len()+1)
	var buf []byte
	for id := range tokens.len() {
		s := tokens.at(id)
		if s == "" {
			return nil, fmt.Errorf("%w: id %d is the empty string", ErrBadVocab, id)
		}
		if !indexed {
			if prev, fresh := ids.insert(id); !fresh {
				return nil, fmt.Errorf("%w: token %q has ids %d and %d", ErrBadVocab, s, prev, id)
			}
		}
		var ok bool
		if buf, ok = gpt2Alphabet.decodeAppend(buf[:0], s); ok {
			raw.Write(buf)
		} else {
			// Not spelled in the byte alphabet (an added token such as
			// "<|im_start|> "): its text is its bytes.
			raw.WriteString(s)
		}
		rawOffs[id+1] = uint32(raw.Len())
	}
	t := &Tokenizer{
		vocab:  tokens,
		raw:    packedStrings{text: raw.String(), offs: rawOffs},
		ids:    ids,
		merges: make([][2]int32, 0, len(merges)),
		ranks:  newPairTable(len(merges)),
		eot:    -1,
		cache:  newWordCache(),
	}
	var missing []string
	for b := range 256 {
		s := string(gpt2Alphabet.runeOf[b])
		id, ok := t.ids.find(s, "")
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
	// Vocabularies usually list merged tokens in merge order (GPT-2's
	// rank r makes id 256+r), so the id after the last merge's result is
	// tried before the table.
	prev := -1
	for rank, m := range merges {
		at := func() string { return fmt.Sprintf(where, m.pos) }
		left, lok := t.ids.find(m.left, "")
		right, rok := t.ids.find(m.right, "")
		result, ok := prev+1, false
		if result < tokens.len() {
			s := tokens.at(result)
			ok = len(s) == len(m.left)+len(m.right) && s[:len(m.left)] == m.left && s[len(m.left):] == m.right
		}
		if !ok {
			result, ok = t.ids.find(m.left, m.right)
		}
		prev = result
		switch {
		case !lok:
			return nil, fmt.Errorf("%w: %s: token %q is not in the vocabulary", ErrBadMerges, at(), m.left)
		case !rok:
			return nil, fmt.Errorf("%w: %s: token %q is not in the vocabulary", ErrBadMerges, at(), m.right)
		case !ok:
			return nil, fmt.Errorf("%w: %s: merged token %q is not in the vocabulary", ErrBadMerges, at(), m.left+m.right)
		}
		if !t.ranks.insert(pairKey(int32(left), int32(right)), merge{rank: int32(rank), result: int32(result)}) {
			return nil, fmt.Errorf("%w: %s: merge %q %q is listed twice", ErrBadMerges, at(), m.left, m.right)
		}
		t.merges = append(t.merges, [2]int32{int32(left), int32(right)})
	}
	if id, ok := t.ids.find(EndOfTextToken, ""); ok {
		t.eot = id
	}
	return t, nil
}
