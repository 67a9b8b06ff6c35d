package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"

	"github.com/transformer-explorer/explorer/engine/atomicfile"
	"github.com/transformer-explorer/explorer/lessons"
	"github.com/transformer-explorer/explorer/trace"
	"github.com/transformer-explorer/explorer/viz"
)

// lessonsUsage is the one-line usage of explorer lessons.
const lessonsUsage = "Usage: explorer lessons export ([--model M] --prompt TEXT | --trace FILE) --out DIR [--lang en|zh] [--layer N] [--head N] [--query P] [--key P]"

// runLessons dispatches the lessons subcommands; export is the only one.
func runLessons(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "export" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help") {
			fmt.Fprintln(stdout, lessonsUsage)
			return nil
		}
		fmt.Fprintln(stderr, lessonsUsage)
		return errUsage
	}
	return runLessonsExport(ctx, args[1:], stdout, stderr)
}

// runLessonsExport writes a static HTML handout of every lesson with the
// numbers of one prompt.
func runLessonsExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("lessons export", "([--model M] --prompt TEXT | --trace FILE [--batch-index N] [--tokens T]) --out DIR [--lang en|zh] [--layer N] [--head N] [--query P] [--key P]", stderr)
	model := modelFlag(fs)
	prompt := fs.String("prompt", "", "the prompt `TEXT` whose numbers the lessons show")
	traceFile := fs.String("trace", "", "show the numbers of a saved trace `FILE` instead of running a model: an explorer trace, or a TransformerLens cache saved as safetensors (with --trace, --model only names the file's token ids)")
	ff := addTraceFileFlags(fs)
	out := fs.String("out", "", "the `DIR` to write index.html (and its images) into")
	lang := fs.String("lang", "en", "the language of the handout: en or zh (Simplified Chinese)")
	layer := fs.Int("layer", 0, "the `LAYER` whose steps the lessons follow")
	head := fs.Int("head", 0, "the attention `HEAD` the lessons follow")
	query := fs.Int("query", -1, "the query `POSITION` (-1: the last token)")
	key := fs.Int("key", -1, "the key `POSITION` (-1: the key the query weights most)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	switch {
	case *traceFile != "" && isSet(fs, "prompt"):
		return fmt.Errorf("give either --trace FILE or --prompt TEXT, not both")
	case *traceFile == "" && (!isSet(fs, "prompt") || *prompt == ""):
		return fmt.Errorf("give the prompt with --prompt TEXT, or a saved trace with --trace FILE")
	}
	if *out == "" {
		return fmt.Errorf("give the output folder with --out DIR")
	}
	lib, err := lessons.Load()
	if err != nil {
		return err
	}
	if _, err := lib.List(*lang); err != nil {
		return fmt.Errorf("--lang: %w", err)
	}
	tr, err := handoutTrace(ctx, *traceFile, *model, *prompt, ff, stderr)
	if err != nil {
		return err
	}
	lctx := lessons.NewContext(lessons.FromTrace(tr))
	lctx.Layer, lctx.Head, lctx.Query, lctx.Key = *layer, *head, *query, *key
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	if len(tr.IDs) <= viz.MaxTokens {
		lctx.Plot = handoutPlots(*out, tr)
	} else {
		fmt.Fprintf(stderr, "explorer lessons export: %d tokens is more than plots can show (%d): the handout has no plots\n", len(tr.IDs), viz.MaxTokens)
	}
	var page bytes.Buffer
	if err := lib.Handout(&page, *lang, lctx); err != nil {
		return err
	}
	file := filepath.Join(*out, "index.html")
	if err := atomicfile.WriteFile(file, page.Bytes()); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s (%d tokens of %s)\n", file, len(tr.IDs), tr.Model.Name)
	return nil
}

// handoutTrace reads the trace file, or runs the prompt through the model.
func handoutTrace(ctx context.Context, traceFile, model, prompt string, ff traceFileFlags, stderr io.Writer) (*trace.Trace, error) {
	if traceFile != "" {
		return openTrace(traceFile, model, ff, stderr)
	}
	m, tok, err := loadModel(ctx, model)
	if err != nil {
		return nil, err
	}
	defer m.Close()
	tr, err := runPromptTrace(ctx, m, tok, prompt, "", "")
	if err != nil {
		return nil, err
	}
	tr.Model.Name = m.Name
	return tr, nil
}

// handoutPlots returns the lessons' plot callback for a handout in dir:
// it draws each requested plot once, as a PNG in dir/img, and returns its
// path relative to the page.
func handoutPlots(dir string, tr *trace.Trace) func(lessons.PlotRequest) (string, error) {
	drawn := map[lessons.PlotRequest]string{}
	return func(p lessons.PlotRequest) (string, error) {
		if src, ok := drawn[p]; ok {
			return src, nil
		}
		name := fmt.Sprintf("%s-L%d-H%d-P%d.png", p.Kind, p.Layer, p.Head, p.Pos)
		if err := os.MkdirAll(filepath.Join(dir, "img"), 0o755); err != nil {
			return "", err
		}
		req := viz.Request{Kind: p.Kind, Layer: p.Layer, Head: p.Head, Pos: p.Pos, Format: "png"}
		if err := viz.RenderFile(filepath.Join(dir, "img", name), tr, req); err != nil {
			return "", err
		}
		drawn[p] = path.Join("img", name)
		return drawn[p], nil
	}
}
