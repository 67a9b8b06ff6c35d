package tokenizer

import (
	"errors"
	"fmt"
)

// Sentinel errors. Errors returned by this package wrap one of these, so
// callers can test for them with errors.Is.
var (
	// ErrInvalidUTF8 is wrapped by the error Encode and Train return for
	// text that is not valid UTF-8.
	ErrInvalidUTF8 = errors.New("tokenizer: invalid UTF-8")
	// ErrBadVocab is wrapped by every error about a malformed vocabulary
	// (vocab.json, or model.vocab and added_tokens of tokenizer.json).
	ErrBadVocab = errors.New("tokenizer: bad vocabulary")
	// ErrBadMerges is wrapped by every error about a malformed merge list
	// (merges.txt, or model.merges of tokenizer.json).
	ErrBadMerges = errors.New("tokenizer: bad merges")
	// ErrUnsupported is wrapped by the error LoadTokenizerJSON returns for a
	// tokenizer.json this package cannot reproduce exactly (a model other
	// than BPE, or a byte-level pre-tokenizer that adds a prefix space).
	ErrUnsupported = errors.New("tokenizer: unsupported tokenizer")
	// ErrTokenID is wrapped by the error Decode returns for an id outside
	// [0, VocabSize).
	ErrTokenID = errors.New("tokenizer: token id out of range")
)

// UTF8Error reports text that is not valid UTF-8. It unwraps to
// ErrInvalidUTF8.
type UTF8Error struct {
	Offset int // byte offset of the first byte that does not start a valid UTF-8 sequence
}

// Error implements the error interface.
func (e *UTF8Error) Error() string {
	return fmt.Sprintf("tokenizer: invalid UTF-8 at byte offset %d", e.Offset)
}

// Unwrap returns ErrInvalidUTF8.
func (e *UTF8Error) Unwrap() error { return ErrInvalidUTF8 }
