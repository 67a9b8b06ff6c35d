// Package defaultmodel embeds the explorer's own small GPT-2, so the
// explorer runs on a fresh machine with no downloads.
//
// The model was trained in Go by this repository's trainer (engine/train)
// on the generated bilingual story corpus of engine/train/corpus, with a
// byte-level BPE tokenizer trained on the same corpus (4,096 tokens, a
// common Chinese character is one). It writes short, simple stories in
// English and Chinese, answers simple questions about them, summarizes and
// roughly translates them in the corpus's task formats, and has induction
// heads. RECIPE.md gives its figures and the exact commands that reproduce
// it (go generate runs them).
package defaultmodel

//go:generate sh generate.sh

import (
	"context"
	"embed"
	"fmt"
	"io/fs"

	"github.com/transformer-explorer/explorer/engine"
	"github.com/transformer-explorer/explorer/engine/tokenizer"
)

// Name is the name the default model goes by in traces and the UI.
const Name = "explorer-stories"

//go:embed model/config.json model/generation_config.json model/model.safetensors model/vocab.json model/merges.txt
var files embed.FS

// FS returns the model's files in Hugging Face layout (config.json,
// model.safetensors with F16 weights, vocab.json, merges.txt,
// generation_config.json) at its root.
func FS() fs.FS {
	sub, err := fs.Sub(files, "model")
	if err != nil {
		panic("defaultmodel: embedded files: " + err.Error()) // cannot happen: "model" is a valid path
	}
	return sub
}

// Load returns the default model and its tokenizer. The weights are
// widened to float32 in memory (about 4 MB); Close the model when done.
func Load(ctx context.Context) (*engine.Model, *tokenizer.Tokenizer, error) {
	m, tok, err := engine.LoadFS(ctx, FS(), Name)
	if err != nil {
		return nil, nil, fmt.Errorf("defaultmodel: %w", err)
	}
	return m, tok, nil
}
