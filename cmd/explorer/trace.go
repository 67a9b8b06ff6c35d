package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/transformer-explorer/explorer/engine"
	"github.com/transformer-explorer/explorer/engine/tokenizer"
	"github.com/transformer-explorer/explorer/trace"
)

func runTrace(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("trace", "[--model M] (--prompt TEXT | --ids 1,2,3) [--hooks PATTERNS] --out FILE.safetensors", stderr)
	model := modelFlag(fs)
	prompt := fs.String("prompt", "", "the prompt `TEXT`")
	idList := fs.String("ids", "", "the prompt as comma-separated token `IDS` instead of text")
	hooks := fs.String("hooks", "", "comma-separated glob `PATTERNS` of hooks to keep, e.g. 'blocks.*.attn.hook_pattern,logits' (default: every hook)")
	out := fs.String("out", "", "the safetensors `FILE` to write")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return fmt.Errorf("give the output file with --out FILE.safetensors")
	}
	if isSet(fs, "prompt") == (*idList != "") {
		return fmt.Errorf("give the prompt with exactly one of --prompt TEXT or --ids 1,2,3")
	}
	m, tok, err := loadModel(ctx, *model)
	if err != nil {
		return err
	}
	defer m.Close()
	ids, sel, err := promptHooks(m, tok, *prompt, *idList, *hooks)
	if err != nil {
		return err
	}
	// The hooks go to the file as they are computed: a trace of any length
	// takes no memory of its own.
	w, err := engine.CreateTraceFile(*out, m, tok, sel, *prompt, ids)
	if err != nil {
		return err
	}
	if err := m.Record(ctx, ids, w); err != nil {
		w.Abort()
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %d tensors for %d tokens to %s\n", len(w.Names()), len(ids), *out)
	return nil
}

// promptHooks tokenizes (or takes) a prompt and selects the hooks to
// record (every hook when hooks is empty).
func promptHooks(m *engine.Model, tok *tokenizer.Tokenizer, text, idList, hooks string) ([]int, trace.Selection, error) {
	var ids []int
	var err error
	if idList != "" {
		ids, err = parseIDs(idList)
	} else {
		ids, err = tok.Encode(text)
	}
	if err != nil {
		return nil, trace.Selection{}, err
	}
	sel := trace.All()
	if hooks != "" {
		sel, err = trace.Select(m.Config.NLayer, strings.Split(hooks, ",")...)
		if err != nil {
			return nil, trace.Selection{}, err
		}
	}
	return ids, sel, nil
}

// runPromptTrace tokenizes (or takes) a prompt, runs it capturing the
// selected hooks, and returns the trace.
func runPromptTrace(ctx context.Context, m *engine.Model, tok *tokenizer.Tokenizer, text, idList, hooks string) (*trace.Trace, error) {
	ids, sel, err := promptHooks(m, tok, text, idList, hooks)
	if err != nil {
		return nil, err
	}
	tr, err := engine.NewTrace(m, tok, text, ids)
	if err != nil {
		return nil, err
	}
	if err := m.Record(ctx, ids, trace.Only(sel, tr)); err != nil {
		return nil, err
	}
	engine.LabelTrace(tr, tok)
	return tr, nil
}
