package lessons

import (
	"context"
	"sync"
	"testing"

	"github.com/transformer-explorer/explorer/engine"
	"github.com/transformer-explorer/explorer/trace"
)

// tinyModel is the conformance model: a random 2-layer, 4-head GPT-2 with
// GPT-2's real vocabulary.
const tinyModel = "../testdata/conformance/tiny-gpt2"

var tinyTraces sync.Map // prompt → *trace.Trace

// tinyTrace runs prompt through the tiny model, recording every hook.
func tinyTrace(t testing.TB, prompt string) *trace.Trace {
	t.Helper()
	if tr, ok := tinyTraces.Load(prompt); ok {
		return tr.(*trace.Trace)
	}
	ctx := context.Background()
	m, tok, err := engine.LoadDir(ctx, tinyModel)
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
	tinyTraces.Store(prompt, tr)
	return tr
}
