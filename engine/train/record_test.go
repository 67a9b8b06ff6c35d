package train

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/transformer-explorer/explorer/engine"
	"github.com/transformer-explorer/explorer/engine/kernel"
	"github.com/transformer-explorer/explorer/trace"
	"github.com/transformer-explorer/explorer/trace/tracetest"
)

// TestRecordMatchesModel checks that training runs the block an
// engine.Model runs: the hooks GPT.Record reports for the conformance
// model's weights are the Model's, hook for hook. (The Model's hooks are
// checked against float64 references in engine's conformance tests.)
func TestRecordMatchesModel(t *testing.T) {
	dir := filepath.Join("..", "..", "testdata", "conformance", "tiny-gpt2")
	ctx := context.Background()
	m, tok, err := engine.LoadDir(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	ck, err := Load(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	ids := []int{464, 2068, 7586, 21831, 18045, 625, 262, 16931, 3290, 13}
	pool := kernel.NewPool(2)
	defer pool.Close()
	g, err := NewGPT(pool, ck.Config, 1, len(ids))
	if err != nil {
		t.Fatal(err)
	}
	g.CopyWeights(ck.Params)

	want, err := engine.NewTrace(m, tok, "", ids)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Forward(ctx, ids, want); err != nil {
		t.Fatal(err)
	}
	got := trace.New(m.Info(), "", ids, nil, nil)
	if err := g.Record(ids, got); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, name := range want.Names() {
		if _, _, ok := trace.ParseBlock(name); !ok {
			continue
		}
		w, _ := want.Tensor(name)
		tracetest.CheckHook(t, got, name, w.Data, trace.Tolerance{Abs: 1e-5, Rel: true})
		n++
	}
	if wantN := m.Config.NLayer * len(trace.BlockPoints()); n != wantN {
		t.Errorf("compared %d block hooks, want %d", n, wantN)
	}
}
