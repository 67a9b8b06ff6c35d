package train

import (
	"fmt"

	"github.com/transformer-explorer/explorer/engine"
	"github.com/transformer-explorer/explorer/engine/tokenizer"
)

// Retokenize moves the checkpoint ck to the vocabulary of tok, keeping
// everything the model has learned that does not depend on token ids: the
// blocks, the position embeddings and the final LayerNorm are copied as
// they are; a token both vocabularies have (the same bytes) keeps its
// embedding row; any other token starts from the mean of the rows of the
// pieces the old vocabulary spells it with (longest match first, down to
// single bytes, which every byte-level vocabulary has). The tied LM head
// follows the embeddings. The trainer state is dropped: a new vocabulary
// starts a new run.
//
// This is how the default model learned Chinese without losing its
// induction heads (RECIPE.md): a model that already copies keeps its
// circuits when its vocabulary grows, where a model trained from scratch
// on the larger vocabulary took far longer than a short run to form them.
//
// WTE shapes: ck (V_old, C) → result (V_new, C); shared stays the count of
// rows copied whole.
func Retokenize(ck *Checkpoint, tok *tokenizer.Tokenizer) (out *Checkpoint, shared int, err error) {
	if !ck.Config.Tied() {
		return nil, 0, fmt.Errorf("train: retokenize: the model's LM head is not tied to its embeddings")
	}
	cfg := ck.Config
	cfg.VocabSize = tok.VocabSize()
	if eot := tok.EndOfText(); eot >= 0 {
		cfg.BOSTokenID, cfg.EOSTokenID = &eot, &eot
	}
	params := engine.NewParams(cfg)
	dst, src := params.Tensors(cfg), ck.Params.Tensors(ck.Config)
	for i := range dst {
		if dst[i].Key == "wte.weight" {
			continue
		}
		if len(*dst[i].Data) != len(*src[i].Data) || dst[i].Key != src[i].Key {
			return nil, 0, fmt.Errorf("train: retokenize: tensor %s does not match %s", dst[i].Key, src[i].Key)
		}
		copy(*dst[i].Data, *src[i].Data)
	}
	C := cfg.NEmbd
	old := ck.Tokenizer
	oldRow := func(id int) []float32 { return ck.Params.WTE[id*C : (id+1)*C] }
	for id := 0; id < cfg.VocabSize; id++ {
		row := params.WTE[id*C : (id+1)*C]
		if id == tok.EndOfText() && old.EndOfText() >= 0 {
			copy(row, oldRow(old.EndOfText()))
			shared++
			continue
		}
		if oid, ok := old.ID(tok.Token(id)); ok {
			copy(row, oldRow(oid))
			shared++
			continue
		}
		pieces, err := spell(old, []rune(tok.Token(id)))
		if err != nil {
			return nil, 0, fmt.Errorf("train: retokenize: token %d %q: %w", id, tok.Token(id), err)
		}
		for _, p := range pieces {
			for c, x := range oldRow(p) {
				row[c] += x / float32(len(pieces))
			}
		}
	}
	return &Checkpoint{Config: cfg, Params: params, Tokenizer: tok}, shared, nil
}

// spell splits a token's vocabulary form (one rune per byte, GPT-2's
// byte-to-unicode alphabet) into ids of tok, longest known prefix first.
func spell(tok *tokenizer.Tokenizer, form []rune) ([]int, error) {
	var ids []int
	for len(form) > 0 {
		n := len(form)
		for ; n > 0; n-- {
			if id, ok := tok.ID(string(form[:n])); ok {
				ids = append(ids, id)
				break
			}
		}
		if n == 0 {
			return nil, fmt.Errorf("byte %q is not in the vocabulary", string(form[0]))
		}
		form = form[n:]
	}
	return ids, nil
}
