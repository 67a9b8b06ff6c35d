package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"strings"

	"github.com/transformer-explorer/explorer/engine/train"
	"github.com/transformer-explorer/explorer/trace"
	"github.com/transformer-explorer/explorer/viz"
)

func runPlot(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("plot", "([--model M] --prompt TEXT | --trace FILE.safetensors [--batch-index N] [--tokens T] | --train-log train_log.jsonl) --kind KIND [--layer L --head H --pos P] [--dpi N] -o FILE.(png|svg|pdf|eps)", stderr)
	model := modelFlag(fs)
	prompt := fs.String("prompt", "", "the prompt `TEXT` to run")
	traceFile := fs.String("trace", "", "plot a saved trace `FILE` instead of running a model: an explorer trace, or a TransformerLens cache saved as safetensors (with --trace, --model only names the file's token ids)")
	ff := addTraceFileFlags(fs)
	trainLog := fs.String("train-log", "", "plot the loss curve and learning rate of a training run from its `FILE` train_log.jsonl (written by explorer train)")
	kind := fs.String("kind", viz.KindAttention, "what to plot: `KIND` is one of "+strings.Join(viz.Kinds(), ", "))
	layer := fs.Int("layer", 0, "the `LAYER` (block) for attention, heads, qkv and scores")
	head := fs.Int("head", 0, "the attention `HEAD` for attention, qkv and scores")
	pos := fs.Int("pos", -1, "the `POSITION` whose next-token guesses logits shows; negative counts from the end")
	dpi := floatFlag(fs, "dpi", viz.DefaultDPI, "resolution of PNG output in dots per inch (`N`)")
	out := fs.String("o", "", "the image `FILE` to write; its extension (.png, .svg, .pdf, .eps) picks the format")
	lang := fs.String("lang", "en", "the `LANGUAGE` of titles and labels: en or zh")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return fmt.Errorf("give the output file with -o FILE.png (or .svg, .pdf, .eps)")
	}
	if *lang != "en" && *lang != "zh" {
		return fmt.Errorf("--lang %q: want en or zh", *lang)
	}
	format, err := viz.FormatOf(*out)
	if err != nil {
		return err
	}
	if *trainLog != "" {
		if isSet(fs, "prompt") || *traceFile != "" || *model != "" {
			return fmt.Errorf("--train-log plots a training run; do not combine it with a prompt, --model or --trace")
		}
		return plotTrainingLog(*trainLog, *out, *dpi, *lang, stdout)
	}
	req := viz.Request{Kind: *kind, Layer: *layer, Head: *head, Pos: *pos, Format: format, DPI: *dpi, Lang: *lang}
	var tr *trace.Trace
	switch {
	case *traceFile != "" && isSet(fs, "prompt"):
		return fmt.Errorf("give either --trace FILE or --prompt TEXT, not both")
	case *traceFile != "":
		if tr, err = openTrace(*traceFile, *model, ff, stderr); err != nil {
			return err
		}
	case isSet(fs, "prompt"):
		if tr, err = tracePlot(ctx, *model, *prompt, req); err != nil {
			return err
		}
	default:
		return fmt.Errorf("give the prompt with --prompt TEXT, or a saved trace with --trace FILE.safetensors")
	}
	if _, err := viz.CJKFont(); err != nil && (*lang == "zh" || hasCJK(tr.Tokens)) && format != "svg" {
		fmt.Fprintf(stderr, "explorer plot: %v\n", err) // the plot is still written, with <U+XXXX> for Chinese
	}
	if err := viz.RenderFile(*out, tr, req); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s plot of %d tokens to %s\n", *kind, len(tr.IDs), *out)
	return nil
}

// tracePlot runs prompt through the model, recording only the hooks the
// plot needs.
func tracePlot(ctx context.Context, model, prompt string, req viz.Request) (*trace.Trace, error) {
	m, tok, err := loadModel(ctx, model)
	if err != nil {
		return nil, err
	}
	defer m.Close()
	perLayer := req.Kind == viz.KindAttention || req.Kind == viz.KindHeads || req.Kind == viz.KindQKV || req.Kind == viz.KindScores
	if perLayer && (req.Layer < 0 || req.Layer >= m.Config.NLayer) {
		// Caught here so the error names the layer, not a missing hook.
		return nil, fmt.Errorf("%w: --layer %d: the model has layers 0 to %d", viz.ErrRange, req.Layer, m.Config.NLayer-1)
	}
	hooks, err := viz.Hooks(req.Kind, req.Layer, m.Config.NLayer)
	if err != nil {
		return nil, err
	}
	return runPromptTrace(ctx, m, tok, prompt, "", strings.Join(hooks, ","))
}

// plotTrainingLog draws the loss curve of a train_log.jsonl.
func plotTrainingLog(logFile, out string, dpi float64, lang string, stdout io.Writer) error {
	f, err := os.Open(logFile)
	if err != nil {
		return err
	}
	defer f.Close()
	var points []viz.TrainingPoint
	dec := json.NewDecoder(f)
	for line := 1; dec.More(); line++ {
		var r train.LogRecord
		if err := dec.Decode(&r); err != nil {
			return fmt.Errorf("%s: record %d: %w", logFile, line, err)
		}
		p := viz.TrainingPoint{Step: r.Step, Loss: r.Loss, ValLoss: math.NaN(), LR: r.LR}
		if r.ValLoss != nil {
			p.ValLoss = *r.ValLoss
		}
		points = append(points, p)
	}
	if err := viz.RenderTrainingFile(out, points, dpi, lang); err != nil {
		return fmt.Errorf("%s: %w", logFile, err)
	}
	fmt.Fprintf(stdout, "wrote the loss curve of %d steps to %s\n", len(points), out)
	return nil
}

// hasCJK reports whether a token holds a CJK character (from U+2E80).
func hasCJK(tokens []string) bool {
	for _, t := range tokens {
		for _, r := range t {
			if r >= 0x2E80 && r < 0xFFF0 {
				return true
			}
		}
	}
	return false
}
