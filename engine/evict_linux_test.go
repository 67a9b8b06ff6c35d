package engine

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/transformer-explorer/explorer/trace"
)

// TestRecordEvictsMappedWeights loads a mapped checkpoint and checks what
// the one-shot path promises: the matrices are marked mapped, Model.Record
// drops each block's matrices once the block is done when it keeps hooks
// of the blocks or its own buffers are large (the logits of every
// position, here) and keeps them all otherwise, drops those of the later
// blocks before it starts only when its buffers are large, and every
// pass, before and after pages were dropped, gives the hooks of the same
// weights held in memory, bit for bit.
func TestRecordEvictsMappedWeights(t *testing.T) {
	cfg := Config{ModelType: "gpt2", VocabSize: 50257, NPositions: 64, NEmbd: 128, NLayer: 3, NHead: 4,
		LayerNormEpsilon: 1e-5, ActivationFunction: "gelu_new"}
	p := randomParams(cfg, 3)
	dir := t.TempDir()
	if err := writeParamsCheckpoint(dir, cfg, p); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "model.safetensors")
	ctx := context.Background()
	m, _, err := LoadDir(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	for i, l := range m.mats.all() {
		if !l.mapped {
			t.Fatalf("matrix %d of a mapped F32 checkpoint is not marked mapped", i)
		}
	}
	ref, err := New(cfg, *p) // the same weights in memory
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Close()
	for _, l := range ref.mats.all() {
		if l.mapped {
			t.Fatal("a model of weights in memory has a matrix marked mapped")
		}
	}
	rss := func() int64 { return mappedRSSKB(t, file) }
	blockKB := int64(0) // the matrices of one block
	for _, l := range []*linear{m.mats.blocks[0].attn, m.mats.blocks[0].attnProj, m.mats.blocks[0].fc, m.mats.blocks[0].fcProj} {
		blockKB += int64(len(l.w)) * 4 >> 10
	}

	ids := randomIDs(40, cfg.VocabSize, 5)
	want := trace.New(ref.Info(), "", ids, nil, nil)
	if _, err := ref.Forward(ctx, ids, want); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		hook   string // what Record records
		probe  bool   // whether block 0's attention output is recorded too, to measure during the pass
		ahead  bool   // whether blocks 1 and 2 are dropped before the pass
		behind bool   // whether each block is dropped after it
	}{
		{trace.Block(2, trace.ResidPost), true, false, true},
		{trace.Logits, true, true, true},
		{trace.Logits, false, true, true},
		{trace.LNFinalNormalized, false, false, false},
		{trace.Block(2, trace.ResidPost), true, false, true},
	} {
		fwd := trace.New(m.Info(), "", ids, nil, nil)
		if _, err := m.Forward(ctx, ids, fwd); err != nil { // maps every page again
			t.Fatal(err)
		}
		same(t, "Forward", fwd, want)
		full := rss()
		sel, err := trace.Select(cfg.NLayer, tc.hook)
		if err != nil {
			t.Fatal(err)
		}
		rec := trace.New(m.Info(), "", ids, nil, nil)
		var during int64 // resident while block 0 runs
		var pass trace.Recorder = trace.Only(sel, rec)
		if tc.probe {
			pass = &probeRecorder{at: trace.Block(0, trace.AttnOut), sel: sel, rec: rec, probe: func() { during = rss() }}
		}
		if err := m.Record(ctx, ids, pass); err != nil {
			t.Fatal(err)
		}
		same(t, "Record "+tc.hook, rec, want)
		after := rss()
		if tc.probe && (tc.ahead && during > full-blockKB*3/2 || !tc.ahead && during < full-blockKB/2) {
			t.Errorf("Record(%s): %d KB resident after Forward, %d while block 0 ran: want blocks 1 and 2 (%d KB each) dropped ahead: %v",
				tc.hook, full, during, blockKB, tc.ahead)
		}
		if tc.behind && after > full-blockKB*9/4 {
			t.Errorf("Record(%s): %d KB resident after Forward, %d after Record, want the 3 blocks' %d KB fewer", tc.hook, full, after, 3*blockKB)
		}
		if !tc.behind && after < full-blockKB/2 {
			t.Errorf("Record(%s): %d KB resident after Forward, %d after Record, want the blocks (%d KB each) kept", tc.hook, full, after, blockKB)
		}
	}
}

// probeRecorder passes rec the hooks sel selects, and calls probe when
// the hook at is reported (which it wants too).
type probeRecorder struct {
	at    string
	sel   trace.Selection
	rec   trace.Recorder
	probe func()
}

func (p *probeRecorder) Wants(name string) bool { return name == p.at || p.sel.Match(name) }

func (p *probeRecorder) Record(x trace.Tensor) error {
	if x.Name == p.at {
		p.probe()
	}
	if p.sel.Match(x.Name) {
		return p.rec.Record(x)
	}
	return nil
}

// same fails t unless got has every hook of want with the same values.
func same(t *testing.T, what string, got, want *trace.Trace) {
	t.Helper()
	for _, name := range want.Names() {
		a, ok := got.Tensor(name)
		if !ok {
			continue // Record keeps only what it was asked for
		}
		b, _ := want.Tensor(name)
		if !slices.Equal(a.Data, b.Data) {
			t.Errorf("%s: %s differs from the in-memory model's", what, name)
			return
		}
	}
}

// mappedRSSKB returns the resident kilobytes of the process's mappings of
// path, from /proc/self/smaps.
func mappedRSSKB(t *testing.T, path string) int64 {
	t.Helper()
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Skipf("no smaps: %v", err)
	}
	defer f.Close()
	var kb int64
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		switch {
		case len(fields) >= 6 && strings.Contains(fields[0], "-") && !strings.HasSuffix(fields[0], ":"):
			in = fields[len(fields)-1] == path
		case in && len(fields) == 3 && fields[0] == "Rss:":
			n, _ := strconv.ParseInt(fields[1], 10, 64)
			kb += n
		}
	}
	return kb
}
