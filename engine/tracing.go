package engine

import (
	"strconv"

	"github.com/transformer-explorer/explorer/engine/tokenizer"
	"github.com/transformer-explorer/explorer/trace"
)

// NewTrace returns an empty trace of the prompt ids (text may be empty when
// only ids are known), with the tokens' display and vocabulary strings. It
// checks the ids first, so a bad id is an error here, not later.
func NewTrace(m *Model, tok *tokenizer.Tokenizer, text string, ids []int) (*trace.Trace, error) {
	if err := m.checkIDs(ids, 0); err != nil {
		return nil, err
	}
	display := make([]string, len(ids))
	strs := make([]string, len(ids))
	for i, id := range ids {
		display[i], strs[i] = tokenStrings(tok, id)
	}
	return trace.New(m.Info(), text, ids, display, strs), nil
}

// tokenStrings returns the display and vocabulary strings of id, or a
// placeholder for ids beyond the tokenizer's vocabulary (a model's
// vocab_size may exceed the tokenizer's, e.g. when padded).
func tokenStrings(tok *tokenizer.Tokenizer, id int) (display, vocab string) {
	if id < 0 || id >= tok.VocabSize() {
		s := "<unk " + strconv.Itoa(id) + ">"
		return s, s
	}
	return tok.Display(id), tok.Token(id)
}

// LabelTrace records in tr.Labels the display string of every token id the
// derived hooks mention, so plots and pages can name them without the
// tokenizer.
func LabelTrace(tr *trace.Trace, tok *tokenizer.Tokenizer) {
	for _, name := range []string{trace.NextTopIDs, trace.LensTopIDs} {
		t, ok := tr.Tensor(name)
		if !ok {
			continue
		}
		for _, x := range t.Data {
			id := int(x)
			if id < 0 {
				continue
			}
			if _, done := tr.Labels[id]; !done {
				tr.Labels[id], _ = tokenStrings(tok, id)
			}
		}
	}
}
