package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

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
	dir, err := modelDir(name)
	if err != nil {
		return nil, nil, err
	}
	m, tok, err := loadOptions().LoadDir(ctx, dir)
	if err != nil {
		return nil, nil, err
	}
	if dir != name {
		m.Name = name // a name in the hub's cache, not its snapshot folder
	}
	return m, tok, nil
}

// loadTokenizer loads only the tokenizer of the model a --model value
// names, as loadModel finds it: commands that only split text read no
// weights.
func loadTokenizer(name string) (*tokenizer.Tokenizer, error) {
	if name == "" {
		return engine.LoadTokenizerFS(defaultmodel.FS())
	}
	dir, err := modelDir(name)
	if err != nil {
		return nil, err
	}
	return loadOptions().LoadTokenizerDir(dir)
}

// cacheEnv names the environment variable that sets the directory the
// explorer keeps its caches in, or turns them off with "off".
const cacheEnv = "EXPLORER_CACHE"

// loadOptions returns how commands load a model directory: a tokenizer
// read from text files is kept as a table file in the cache ($EXPLORER_CACHE,
// else the user's cache directory, such as ~/.cache/transformer-explorer),
// and a weight file found finite is recorded there, so that every later
// command on the same model starts without parsing the one or reading all
// of the other (engine.LoadOptions).
func loadOptions() engine.LoadOptions {
	dir := os.Getenv(cacheEnv)
	switch dir {
	case "off":
		return engine.LoadOptions{}
	case "":
		base, err := os.UserCacheDir()
		if err != nil {
			return engine.LoadOptions{} // no home: no cache
		}
		dir = filepath.Join(base, "transformer-explorer")
	}
	return engine.LoadOptions{TokenizerCache: filepath.Join(dir, "tokenizers"), CheckedWeights: filepath.Join(dir, "checked")}
}

// modelDir returns the directory a non-empty --model value names: the
// directory itself, or the model's snapshot in the local Hugging Face
// cache.
func modelDir(name string) (string, error) {
	st, statErr := os.Stat(name)
	if statErr == nil && st.IsDir() {
		return name, nil
	}
	if statErr != nil && looksLikePath(name) {
		return "", fmt.Errorf("--model %s: no such directory (a model directory holds config.json, model.safetensors, vocab.json and merges.txt; a Hugging Face name looks like gpt2 or openai-community/gpt2)", name)
	}
	dir, err := hub.Resolve(name)
	if err != nil {
		if _, statErr := os.Stat(name); statErr == nil {
			return "", fmt.Errorf("--model %s: not a directory", name)
		}
		// Never download silently: the hub error says which
		// `explorer models pull` command fetches it.
		return "", fmt.Errorf("--model %s: %w", name, err)
	}
	return dir, nil
}

// looksLikePath reports whether a --model value can only be a path, not a
// Hugging Face name (NAME or OWNER/NAME, optionally @REVISION).
func looksLikePath(name string) bool {
	return filepath.IsAbs(name) || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "~") ||
		strings.Count(name, "/") >= 2 || strings.ContainsRune(name, filepath.Separator) && filepath.Separator != '/'
}

// loadDefaultModel loads the model embedded in the binary.
func loadDefaultModel(ctx context.Context) (*engine.Model, *tokenizer.Tokenizer, error) {
	return defaultmodel.Load(ctx)
}
