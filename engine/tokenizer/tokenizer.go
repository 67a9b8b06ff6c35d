package tokenizer

import (
	"fmt"
	"unicode/utf8"
)

// EndOfTextToken is the vocabulary string of GPT-2's special token, id 50256
// in GPT-2's vocabulary.
const EndOfTextToken = "<|endoftext|>"

// A Tokenizer is a byte-level BPE vocabulary with its merge list. It is
// immutable once made by Load, LoadTokenizerJSON or Train, and safe for
// concurrent use (its word cache is internally synchronised).
type Tokenizer struct {
	vocab   packedStrings // vocabulary string of each id, in the byte-to-unicode alphabet
	raw     packedStrings // raw bytes of each id
	ids     strTable      // vocabulary string -> id
	merges  [][2]int32    // merged pairs (left, right), in rank order
	ranks   pairTable     // pairKey(left, right) -> rank and result
	byteIDs [256]int32    // id of the single-byte token of each byte value
	eot     int           // id of EndOfTextToken, or -1
	cache   *wordCache
}

// Encode splits text into GPT-2 token ids. It returns an error wrapping
// ErrInvalidUTF8 (a *UTF8Error with the byte offset) if text is not valid
// UTF-8. Special tokens such as "<|endoftext|>" are encoded as ordinary
// text, as OpenAI's reference encoder does.
func (t *Tokenizer) Encode(text string) ([]int, error) {
	if !utf8.ValidString(text) {
		return nil, &UTF8Error{Offset: invalidUTF8Offset(text)}
	}
	ids := make([]int, 0, len(text)/4+1)
	for i := 0; i < len(text); {
		j := nextWord(text, i)
		ids = t.encodeWord(ids, text[i:j])
		i = j
	}
	return ids, nil
}

// encodeWord appends the ids of one pre-tokenized word to dst.
func (t *Tokenizer) encodeWord(dst []int, word string) []int {
	if len(word) == 1 {
		return append(dst, int(t.byteIDs[word[0]]))
	}
	if len(word) > cacheMaxWord {
		return t.bpe(dst, word)
	}
	if out, ok := t.cache.get(dst, word); ok {
		return out
	}
	n := len(dst)
	dst = t.bpe(dst, word)
	t.cache.put(word, dst[n:])
	return dst
}

// invalidUTF8Offset returns the byte offset of the first invalid UTF-8
// sequence in s, or len(s) if there is none.
func invalidUTF8Offset(s string) int {
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			return i
		}
		i += n
	}
	return len(s)
}

// Decode returns the bytes the ids stand for. The result need not be valid
// UTF-8 (a token may hold part of a character); for ids from Encode it is
// exactly the encoded text. It returns an error wrapping ErrTokenID for an
// id outside [0, VocabSize).
func (t *Tokenizer) Decode(ids []int) ([]byte, error) {
	n := 0
	for i, id := range ids {
		if id < 0 || id >= t.vocab.len() {
			return nil, fmt.Errorf("%w: id %d at index %d (vocabulary has %d tokens)", ErrTokenID, id, i, t.vocab.len())
		}
		n += len(t.raw.at(id))
	}
	out := make([]byte, 0, n)
	for _, id := range ids {
		out = append(out, t.raw.at(id)...)
	}
	return out, nil
}

// Token returns the vocabulary string of id, spelled in GPT-2's
// byte-to-unicode alphabet as in vocab.json (for example "Ġthe"), or "" if
// id is out of range.
func (t *Tokenizer) Token(id int) string {
	if id < 0 || id >= t.vocab.len() {
		return ""
	}
	return t.vocab.at(id)
}

// Bytes returns the raw bytes of token id, or nil if id is out of range. The
// result is a fresh copy that the caller may modify.
func (t *Tokenizer) Bytes(id int) []byte {
	if id < 0 || id >= t.vocab.len() {
		return nil
	}
	return []byte(t.raw.at(id))
}

// Display returns the readable form of token id for user interfaces and
// plots, as DisplayBytes gives it, or "" if id is out of range.
func (t *Tokenizer) Display(id int) string {
	if id < 0 || id >= t.vocab.len() {
		return ""
	}
	return displayText(t.raw.at(id))
}

// ID returns the id of a vocabulary string (spelled as Token spells it) and
// reports whether it is in the vocabulary.
func (t *Tokenizer) ID(token string) (int, bool) {
	return t.ids.find(token, "")
}

// VocabSize returns the number of tokens; ids run from 0 to VocabSize()-1.
func (t *Tokenizer) VocabSize() int { return t.vocab.len() }

// EndOfText returns the id of "<|endoftext|>" (50256 for GPT-2), or -1 if
// the vocabulary has no such token.
func (t *Tokenizer) EndOfText() int { return t.eot }
