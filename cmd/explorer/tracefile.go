package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/transformer-explorer/explorer/engine"
	"github.com/transformer-explorer/explorer/engine/tokenizer"
	"github.com/transformer-explorer/explorer/trace"
)

// traceFileFlags are the flags that say how to read a trace file that may
// come from elsewhere (a TransformerLens cache saved from Python).
type traceFileFlags struct {
	batch  *int
	tokens *string
}

// addTraceFileFlags registers --batch-index and --tokens on fs.
func addTraceFileFlags(fs *flag.FlagSet) traceFileFlags {
	return traceFileFlags{
		batch: fs.Int("batch-index", 0, "the `ROW` to read from a trace file whose tensors have a batch dimension [B, ...]"),
		tokens: fs.String("tokens", "", "the tokens of a trace file that does not name them: a JSON list of strings, "+
			`e.g. '["The"," cat"]', or of token ids (or ids separated by commas) that --model's tokenizer names`),
	}
}

// openTrace reads a trace file, the explorer's own or a foreign one. A
// model named by --model (model, empty for none) is used only for its
// tokenizer, to name the token ids of a file that has ids but no strings,
// and for its configuration, which stands for the shape inferred from a
// foreign file's tensors when they fit it (giving the context length and
// LayerNorm's ε no tensor shows); the model's weights are not loaded. The next-token hooks are derived
// from the logits when the file has only those. Notes on how the file was
// read go to stderr.
func openTrace(path, model string, ff traceFileFlags, stderr io.Writer) (*trace.Trace, error) {
	opt := trace.ReadOptions{BatchIndex: *ff.batch}
	if *ff.tokens != "" {
		var err error
		if opt.Tokens, opt.IDs, err = parseTokens(*ff.tokens); err != nil {
			return nil, err
		}
	}
	var tok *tokenizer.Tokenizer
	var known *trace.ModelInfo
	if model != "" {
		dir, err := modelDir(model)
		if err != nil {
			return nil, err
		}
		if tok, err = loadOptions().LoadTokenizerDir(dir); err != nil {
			return nil, err
		}
		if known, err = modelInfo(dir, model); err != nil {
			return nil, err
		}
		opt.Label = func(id int) (string, string) {
			if id < 0 || id >= tok.VocabSize() {
				s := "<unk " + strconv.Itoa(id) + ">"
				return s, s
			}
			return tok.Display(id), tok.Token(id)
		}
	}
	tr, rep, err := trace.Open(path, opt)
	if err != nil {
		return nil, err
	}
	// A cache from elsewhere has the logits but not the explorer's
	// next-token hooks, which the probabilities step and lessons read.
	if err := engine.RecordNext(tr); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if tok != nil {
		engine.LabelTrace(tr, tok)
	}
	if known != nil && rep.Inferred {
		if tr.Model.Fits(*known) {
			tr.Model = *known
		} else {
			fmt.Fprintf(stderr, "%s: the tensors (%d layers, %d heads, width %d) are not of --model %s's shape (%d layers, %d heads, width %d), so its context length and ε are not used\n",
				path, tr.Model.NLayer, tr.Model.NHead, tr.Model.NEmbd, model, known.NLayer, known.NHead, known.NEmbd)
		}
	}
	if tr.Model.Name == "" {
		tr.Model.Name = filepath.Base(path)
	}
	if len(rep.Ignored) > 0 {
		fmt.Fprintf(stderr, "%s: skipped %d tensors that are not hooks the explorer knows: %s\n", path, len(rep.Ignored), shortList(rep.Ignored, 6))
	}
	if rep.Tokens == "positions" {
		hint := "give them with --tokens"
		if tr.IDs[0] != trace.UnknownID {
			hint = "give --model (e.g. --model gpt2) to name its token ids, or --tokens"
		}
		fmt.Fprintf(stderr, "%s: the file does not name its tokens, so positions stand for them (%s)\n", path, hint)
	}
	return tr, nil
}

// parseTokens reads --tokens: a JSON list of strings (display strings), a
// JSON list of integers or integers separated by commas (token ids).
func parseTokens(s string) (tokens []string, ids []int, err error) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "[") {
		if json.Unmarshal([]byte(s), &tokens) == nil {
			return tokens, nil, nil
		}
		if json.Unmarshal([]byte(s), &ids) == nil {
			return nil, ids, nil
		}
		return nil, nil, fmt.Errorf(`--tokens: %.40q is neither a JSON list of strings nor one of token ids`, s)
	}
	ids, err = parseIDs(s)
	if err != nil {
		return nil, nil, fmt.Errorf(`--tokens: give a JSON list of strings such as '["The"," cat"]', or token ids such as 464,3797: %w`, err)
	}
	return nil, ids, nil
}

// modelInfo reads the description of the model in dir (its config.json),
// named name.
func modelInfo(dir, name string) (*trace.ModelInfo, error) {
	b, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err != nil {
		return nil, fmt.Errorf("--model %s: %w", name, err)
	}
	cfg, err := engine.ParseConfig(b)
	if err != nil {
		return nil, fmt.Errorf("--model %s: %w", name, err)
	}
	info := cfg.Info(name)
	return &info, nil
}

// shortList joins the first n items and says how many more there are.
func shortList(items []string, n int) string {
	if len(items) <= n {
		return strings.Join(items, ", ")
	}
	return strings.Join(items[:n], ", ") + fmt.Sprintf(" and %d more", len(items)-n)
}
