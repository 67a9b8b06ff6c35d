package train

import (
	"bytes"
	"context"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/transformer-explorer/explorer/engine"
	"github.com/transformer-explorer/explorer/engine/tokenizer"
	"github.com/transformer-explorer/explorer/engine/train/corpus"
)

// TestRetokenize moves a random checkpoint from a 300-token vocabulary
// to a 500-token one trained on the same stories and checks every row
// against the rule: blocks and positions unchanged, a shared token's
// embedding unchanged, a new token's the mean of its old pieces' rows.
func TestRetokenize(t *testing.T) {
	var b bytes.Buffer
	if err := corpus.Generate(context.Background(), &b, corpus.Options{Stories: 40, Seed: 2}); err != nil {
		t.Fatal(err)
	}
	train := func(v int) *tokenizer.Tokenizer {
		tok, err := tokenizer.Train(context.Background(), bytes.NewReader(b.Bytes()), tokenizer.TrainOptions{VocabSize: v})
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	small, large := train(300), train(500)
	cfg := NewConfig(small, Shape{Layers: 1, Heads: 2, Width: 8, Context: 16})
	params := engine.NewParams(cfg)
	r := rand.New(rand.NewPCG(5, 6))
	for i := range params.Flat() {
		params.Flat()[i] = float32(r.NormFloat64())
	}
	ck := &Checkpoint{Config: cfg, Params: params, Tokenizer: small}

	out, shared, err := Retokenize(ck, large)
	if err != nil {
		t.Fatal(err)
	}
	if out.Config.VocabSize != large.VocabSize() || *out.Config.EOSTokenID != large.EndOfText() {
		t.Fatalf("config: vocabulary %d, eos %d; want %d, %d", out.Config.VocabSize, *out.Config.EOSTokenID, large.VocabSize(), large.EndOfText())
	}
	got, want := out.Params.Tensors(out.Config), params.Tensors(cfg)
	for i := range got {
		if got[i].Key != "wte.weight" && !slices.Equal(*got[i].Data, *want[i].Data) {
			t.Errorf("%s changed", got[i].Key)
		}
	}
	C := cfg.NEmbd
	row := func(p *engine.Params, id int) []float32 { return p.WTE[id*C : (id+1)*C] }
	var copied, averaged int
	for id := range large.VocabSize() {
		oid, ok := small.ID(large.Token(id))
		if id == large.EndOfText() {
			oid, ok = small.EndOfText(), true
		}
		if ok {
			copied++
			if !slices.Equal(row(out.Params, id), row(params, oid)) {
				t.Errorf("token %d %q: shared row not copied", id, large.Token(id))
			}
			continue
		}
		// The old tokenizer's own spelling of the token's text is one valid
		// split; the longest-match rule gives the same pieces for BPE
		// vocabularies built by merging, which this test checks too.
		pieces, err := spell(small, []rune(large.Token(id)))
		if err != nil || len(pieces) < 2 {
			t.Fatalf("token %d %q: pieces %v, %v", id, large.Token(id), pieces, err)
		}
		averaged++
		for c := range C {
			var mean float64
			for _, p := range pieces {
				mean += float64(row(params, p)[c])
			}
			mean /= float64(len(pieces))
			if d := float64(row(out.Params, id)[c]) - mean; !(d*d <= 1e-10) {
				t.Fatalf("token %d %q channel %d: %v, want the mean of its pieces %v", id, large.Token(id), c, row(out.Params, id)[c], mean)
			}
		}
	}
	if copied != shared || copied < small.VocabSize()-1 || averaged < 150 {
		t.Errorf("copied %d (reported %d), averaged %d; want every one of the %d old tokens kept and ~200 new ones", copied, shared, averaged, small.VocabSize())
	}
}

func TestSpellUnknownByte(t *testing.T) {
	var b bytes.Buffer
	if err := corpus.Generate(context.Background(), &b, corpus.Options{Stories: 5, Seed: 2}); err != nil {
		t.Fatal(err)
	}
	tok, err := tokenizer.Train(context.Background(), bytes.NewReader(b.Bytes()), tokenizer.TrainOptions{VocabSize: 260})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := spell(tok, []rune("\u4e00")); err == nil {
		t.Error("a rune outside the byte alphabet spelled without error")
	}
}
