package train

import (
	"github.com/transformer-explorer/explorer/engine/tokenizer"
)

// DemoOptions returns Options for a run small enough to watch live in a
// browser: a new 2-layer model with 4 heads, width 64 and context 64,
// trained on tokens (encoded with tok) for steps steps of 8 sequences at
// learning rate 3e-3, reporting the validation loss every 25 steps and
// the attention on a probe of two copies of 12 random tokens every 10
// steps. Nothing is saved (set Out to keep the model).
//
// The generated story corpus (engine/train/corpus) encoded with the
// default model's tokenizer makes a good demo: its names and phrases
// recur within each story, so an induction head forms within a few
// hundred steps.
func DemoOptions(tok *tokenizer.Tokenizer, tokens []int, steps int) Options {
	cfg := NewConfig(tok, Shape{Layers: 2, Heads: 4, Width: 64, Context: 64})
	return Options{Config: cfg, Tokenizer: tok, Tokens: tokens, Batch: 8, Steps: steps, LR: 3e-3,
		EvalEvery: 25, EvalBatches: 4, ProbeEvery: 10, ProbeLen: 12, Seed: 1}
}
