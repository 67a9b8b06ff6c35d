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
// the one-shot path promises: the loader's check leaves little of the
// file resident, a pass that keeps its state (Forward) maps it all again,
// Model.Record drops each block's matrices after the block, and every
// pass, before and after the pages were dropped, gives the hooks of the
// same weights held in memory, bit for bit.
func TestRecordEvictsMappedWeights(t *testing.T) {
	cfg := Config{ModelType: "gpt2", VocabSize: 50257, NPositions: 64, NEmbd: 64, NLayer: 3, NHead: 4,
		LayerNormEpsilon: 1e-5, ActivationFunction: "gelu_new"}
	p := randomParams(cfg, 3)
	dir := t.TempDir()
	if err := writeParamsCheckpoint(dir, cfg, p); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "model.safetensors")
	st, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
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

	size := st.Size() >> 10
	rss := func() int64 { return mappedRSSKB(t, file) }
	if got := rss(); got > size/4 {
		t.Errorf("after LoadDir %d of the checkpoint's %d KB are resident, want at most a quarter (the check drops them)", got, size)
	}
	ids := randomIDs(40, cfg.VocabSize, 5)
	want := trace.New(ref.Info(), "", ids, nil, nil)
	if _, err := ref.Forward(ctx, ids, want); err != nil {
		t.Fatal(err)
	}
	same := func(what string, got *trace.Trace) {
		t.Helper()
		for _, name := range want.Names() {
			a, _ := got.Tensor(name)
			b, _ := want.Tensor(name)
			if !slices.Equal(a.Data, b.Data) {
				t.Errorf("%s: %s differs from the in-memory model's", what, name)
				return
			}
		}
	}
	// The unembedding is the last matrix read, so it stays; the blocks'
	// matrices are dropped.
	blocks := int64(0)
	for _, b := range m.mats.blocks {
		for _, l := range []*linear{b.attn, b.attnProj, b.fc, b.fcProj} {
			blocks += int64(len(l.w)) * 4 >> 10
		}
	}
	for i := 1; i <= 2; i++ {
		fwd := trace.New(m.Info(), "", ids, nil, nil)
		if _, err := m.Forward(ctx, ids, fwd); err != nil {
			t.Fatal(err)
		}
		same("Forward", fwd)
		full := rss()
		if full < size*3/4 {
			t.Errorf("after Forward %d of the checkpoint's %d KB are resident, want most of it", full, size)
		}
		rec := trace.New(m.Info(), "", ids, nil, nil)
		if err := m.Record(ctx, ids, rec); err != nil {
			t.Fatal(err)
		}
		same("Record", rec)
		if got := rss(); got > full-blocks*3/4 {
			t.Errorf("round %d: %d KB of the checkpoint resident after Forward, %d after Record, want the blocks' %d KB fewer", i, full, got, blocks)
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
