package engine

import (
	"context"
	"errors"
	"testing"

	"github.com/transformer-explorer/explorer/trace"
	"github.com/transformer-explorer/explorer/trace/tracetest"
)

// TestResumeFromTrace records a prompt, rebuilds a state from the trace's
// keys and values, and checks that the next token's pass is bit for bit
// the one of a state that read the prompt itself.
func TestResumeFromTrace(t *testing.T) {
	m := smallModel(t, 21)
	ctx := context.Background()
	ids := randomIDs(40, m.Config.VocabSize, 22)
	next := []int{7}

	tr := trace.New(m.Info(), "", ids, nil, nil)
	st := m.NewState(0)
	if _, err := st.Append(ctx, ids, tr); err != nil {
		t.Fatal(err)
	}
	want := trace.New(m.Info(), "", nil, nil, nil)
	if _, err := st.Append(ctx, next, want); err != nil {
		t.Fatal(err)
	}

	resumed, err := m.ResumeTrace(tr, 0)
	if err != nil {
		t.Fatal(err)
	}
	got := trace.New(m.Info(), "", nil, nil, nil)
	if _, err := resumed.Append(ctx, next, got); err != nil {
		t.Fatal(err)
	}
	for _, name := range want.Names() {
		w, _ := want.Tensor(name)
		tracetest.CheckHook(t, got, name, w.Data, trace.Tolerance{})
	}
	if resumed.Len() != len(ids)+1 {
		t.Errorf("Len() = %d, want %d", resumed.Len(), len(ids)+1)
	}

	// Mismatched keys are refused, and so is a trace without them.
	L := m.Config.NLayer
	k, v := make([][]float32, L), make([][]float32, L)
	for l := range L {
		kt, _ := tr.Tensor(trace.Block(l, trace.AttnK))
		vt, _ := tr.Tensor(trace.Block(l, trace.AttnV))
		k[l], v[l] = kt.Data, vt.Data
	}
	if _, err := m.ResumeTrace(trace.New(m.Info(), "", ids, nil, nil), 0); !errors.Is(err, ErrNoCache) {
		t.Errorf("a trace without keys and values: %v, want ErrNoCache", err)
	}
	if _, err := m.Resume(ids, k[:L-1], v, 0); err == nil {
		t.Error("keys of too few layers were accepted")
	}
	short := append([][]float32(nil), k...)
	short[0] = short[0][:len(short[0])-1]
	if _, err := m.Resume(ids, short, v, 0); err == nil {
		t.Error("a short layer of keys was accepted")
	}
}

// TestTokenLossMatchesTheLossHook checks TokenLoss against the next.loss
// the forward pass records for a prompt.
func TestTokenLossMatchesTheLossHook(t *testing.T) {
	m := smallModel(t, 23)
	ids := randomIDs(12, m.Config.VocabSize, 24)
	tr := trace.New(m.Info(), "", ids, nil, nil)
	if _, err := m.Forward(context.Background(), ids, tr); err != nil {
		t.Fatal(err)
	}
	logits, _ := tr.Tensor(trace.Logits)
	V := m.Config.VocabSize
	got := make([]float32, len(ids)-1)
	for i := range got {
		got[i] = TokenLoss(logits.Data[i*V:(i+1)*V], ids[i+1])
	}
	tracetest.CheckHook(t, tr, trace.NextLoss, got, trace.Tolerance{Abs: 1e-5, Rel: true})
}
