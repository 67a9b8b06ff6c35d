package lessons

import (
	"context"
	"sync"
	"testing"

	"github.com/transformer-explorer/explorer/engine"
	"github.com/transformer-explorer/explorer/engine/defaultmodel"
	"github.com/transformer-explorer/explorer/engine/tokenizer"
	"github.com/transformer-explorer/explorer/trace"
)

// tinyModel is the conformance model: a random 2-layer, 4-head GPT-2 with
// GPT-2's real vocabulary.
const tinyModel = "../testdata/conformance/tiny-gpt2"

var tinyTraces sync.Map // model and prompt → *trace.Trace

// tinyTrace runs prompt through the tiny model, recording every hook.
func tinyTrace(t testing.TB, prompt string) *trace.Trace {
	t.Helper()
	return traceOf(t, tinyModel, prompt)
}

// defaultTrace runs prompt through the embedded default model: a trained
// model of another shape (4 layers, width 128, its own vocabulary).
func defaultTrace(t testing.TB, prompt string) *trace.Trace {
	t.Helper()
	return traceOf(t, "", prompt)
}

// traceOf runs prompt through the model in dir ("" for the embedded
// default), recording every hook.
func traceOf(t testing.TB, dir, prompt string) *trace.Trace {
	t.Helper()
	key := dir + "\x00" + prompt
	if tr, ok := tinyTraces.Load(key); ok {
		return tr.(*trace.Trace)
	}
	ctx := context.Background()
	var m *engine.Model
	var tok *tokenizer.Tokenizer
	var err error
	if dir == "" {
		m, tok, err = defaultmodel.Load(ctx)
	} else {
		m, tok, err = engine.LoadDir(ctx, dir)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	ids, err := tok.Encode(prompt)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := engine.NewTrace(m, tok, prompt, ids)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Forward(ctx, ids, tr); err != nil {
		t.Fatal(err)
	}
	engine.LabelTrace(tr, tok)
	tinyTraces.Store(key, tr)
	return tr
}
