package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/transformer-explorer/explorer/engine"
	"github.com/transformer-explorer/explorer/engine/defaultmodel"
	"github.com/transformer-explorer/explorer/engine/hub"
	"github.com/transformer-explorer/explorer/engine/tokenizer"
)

// modelFlag registers --model on fs.
func modelFlag(fs *flag.FlagSet) *string {
	return fs.String("model", "", "model `DIR` (config.json, model.safetensors, vocab.json, merges.txt) or NAME in the Hugging Face cache (e.g. gpt2, distilgpt2); default: the embedded model")
}

// loadModel loads the model a --model value names: a directory, a name in
// the local Hugging Face cache, or (when empty) the embedded default.
func loadModel(ctx context.Context, name string) (*engine.Model, *tokenizer.Tokenizer, error) {
	if name == "" {
		return loadDefaultModel(ctx)
	}
	if st, err := os.Stat(name); err == nil && st.IsDir() {
		return engine.LoadDir(ctx, name)
	}
	dir, err := hub.Resolve(name)
	if err != nil {
		if _, statErr := os.Stat(name); statErr == nil {
			return nil, nil, fmt.Errorf("--model %s: not a directory", name)
		}
		// Never download silently: the hub error says which
		// `explorer models pull` command fetches it.
		return nil, nil, fmt.Errorf("--model %s: %w", name, err)
	}
	m, tok, err := engine.LoadDir(ctx, dir)
	if err != nil {
		return nil, nil, err
	}
	m.Name = name
	return m, tok, nil
}

// loadDefaultModel loads the model embedded in the binary.
func loadDefaultModel(ctx context.Context) (*engine.Model, *tokenizer.Tokenizer, error) {
	return defaultmodel.Load(ctx)
}
