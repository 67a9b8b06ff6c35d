package engine

import (
	"context"
	"fmt"
	"strconv"

	"github.com/transformer-explorer/explorer/engine/tokenizer"
	"github.com/transformer-explorer/explorer/trace"
)

// NewTrace returns an empty trace of the prompt ids (text may be empty when
// only ids are known), with the tokens' display and vocabulary strings. It
// checks the ids first, so a bad id is an error here, not later.
func NewTrace(m *Model, tok *tokenizer.Tokenizer, text string, ids []int) (*trace.Trace, error) {
	display, strs, err := m.promptStrings(tok, ids)
	if err != nil {
		return nil, err
	}
	return trace.New(m.Info(), text, ids, display, strs), nil
}

// CreateTraceFile starts the trace file of a prompt pass at path (see
// trace.CreateFile): it will hold the hooks sel selects, the tokens'
// display and vocabulary strings, and labels naming the tokens the derived
// hooks mention, as NewTrace and LabelTrace give a trace.Trace. Record the
// pass into it with Model.Record, then Close it; it keeps no hook in
// memory.
func CreateTraceFile(path string, m *Model, tok *tokenizer.Tokenizer, sel trace.Selection, text string, ids []int) (*trace.FileWriter, error) {
	display, strs, err := m.promptStrings(tok, ids)
	if err != nil {
		return nil, err
	}
	label := func(id int) string {
		d, _ := tokenStrings(tok, id)
		return d
	}
	info := m.Info()
	return trace.CreateFile(path, info, info.Dims(len(ids), TopK), sel, text, ids, display, strs, label)
}

// promptStrings checks the prompt ids against m and returns their display
// and vocabulary strings.
func (m *Model) promptStrings(tok *tokenizer.Tokenizer, ids []int) (display, vocab []string, err error) {
	if err := m.checkIDs(ids, 0); err != nil {
		return nil, nil, err
	}
	display = make([]string, len(ids))
	vocab = make([]string, len(ids))
	for i, id := range ids {
		display[i], vocab[i] = tokenStrings(tok, id)
	}
	return display, vocab, nil
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
// tokenizer. It writes tr's fields: call it before other goroutines read
// them (see trace.Trace).
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

// RecordLens adds the logit lens (lens.top_ids and lens.top_probs, each
// (L+1, T, TopK)) to a trace recorded without it, computing it from the
// residual stream hooks the trace holds: every block's hook_resid_pre and
// the last block's hook_resid_post. The values are those a pass that
// recorded the lens would have given, to float32 rounding (see LensAt).
// The lens costs L+1 unembeddings of every position, more than the rest of
// the pass, so a caller that shows other hooks first can run the pass
// without it and call RecordLens afterwards. A trace that has the lens
// already is left as it is.
func RecordLens(ctx context.Context, m *Model, tr *trace.Trace) error {
	if tr.Has(trace.LensTopIDs) && tr.Has(trace.LensTopProbs) {
		return nil
	}
	L := m.Config.NLayer
	var ids, probs []float32
	T := 0
	for l := 0; l <= L; l++ {
		name := trace.Block(l, trace.ResidPre)
		if l == L {
			name = trace.Block(L-1, trace.ResidPost)
		}
		resid, ok := tr.Tensor(name)
		if !ok {
			return fmt.Errorf("engine: lens: the trace has no %s", name)
		}
		if l == 0 {
			T = resid.Shape[0]
			ids, probs = make([]float32, (L+1)*T*TopK), make([]float32, (L+1)*T*TopK)
		}
		if len(resid.Shape) != 2 || resid.Shape[0] != T {
			return fmt.Errorf("engine: lens: %s has shape %v, want [%d %d]", name, resid.Shape, T, m.Config.NEmbd)
		}
		at := l * T * TopK
		if err := m.LensAt(ctx, ids[at:at+T*TopK], probs[at:at+T*TopK], resid.Data, T); err != nil {
			return err
		}
	}
	for _, t := range []trace.Tensor{
		{Name: trace.LensTopIDs, Shape: []int{L + 1, T, TopK}, Data: ids},
		{Name: trace.LensTopProbs, Shape: []int{L + 1, T, TopK}, Data: probs},
	} {
		if err := tr.Record(t); err != nil {
			return err
		}
	}
	return nil
}
