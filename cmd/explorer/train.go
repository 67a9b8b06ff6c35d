package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/transformer-explorer/explorer/engine/tokenizer"
	"github.com/transformer-explorer/explorer/engine/train"
	"github.com/transformer-explorer/explorer/trace/safetensors"
)

func runTrain(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("train", "--corpus FILE (--tokenizer DIR --layers L --heads H --width C --context T | --init DIR | --resume) --steps N --out DIR [flags]", stderr)
	corpusFile := fs.String("corpus", "", "UTF-8 training text `FILE`; documents may be separated by <|endoftext|>")
	tokDir := fs.String("tokenizer", "", "`DIR` holding vocab.json and merges.txt for a new model, or with --init a new vocabulary for the checkpoint (tokens it shares keep their embeddings, the rest start from the mean of their pieces)")
	layers := fs.Int("layers", train.DefaultLayers, "transformer blocks `L` of a new model")
	heads := fs.Int("heads", train.DefaultHeads, "attention heads `H` of a new model")
	width := fs.Int("width", train.DefaultWidth, "residual channels `C` of a new model (a multiple of --heads)")
	ctxLen := fs.Int("context", train.DefaultContext, "context length `T` of a new model, and of the training sequences")
	steps := fs.Int("steps", 1000, "total optimizer steps `N` (with --resume, counting the steps already done)")
	out := fs.String("out", "", "checkpoint `DIR` (Hugging Face layout)")
	initDir := fs.String("init", "", "start from the checkpoint in `DIR` (fine-tuning)")
	resume := fs.Bool("resume", false, "continue the run saved in --out")
	batch := fs.Int("batch", 8, "sequences per step `B`")
	lr := floatFlag(fs, "lr", 0, "peak learning rate `LR` (default 1e-3, or 1e-4 with --init)")
	warmup := fs.Int("warmup", 0, "warm-up `STEPS` (default min(100, steps/10))")
	wd := floatFlag(fs, "weight-decay", 0.1, "AdamW weight decay of matrices and embeddings")
	clip := floatFlag(fs, "clip", 1, "clip the gradient norm to `MAX` (0: off)")
	valFrac := floatFlag(fs, "val", 0.05, "held-out `FRACTION` of the corpus for validation")
	evalEvery := fs.Int("eval-every", 100, "compute the validation loss every `N` steps")
	saveEvery := fs.Int("save-every", 500, "save a checkpoint every `N` steps")
	dtype := fs.String("dtype", "F32", "weights type of the saved model: F32 or F16")
	seed := fs.Uint64("seed", 1, "random `SEED` for the weights and batches")
	repeatFrac := floatFlag(fs, "repeat-frac", 0, "share of sequences replaced by random tokens repeated (teaches copying: induction heads)")
	repeatLen := fs.Int("repeat-len", 0, "longest random sequence `N` of --repeat-frac's rows (default: half the context)")
	repeatPairs := floatFlag(fs, "repeat-pairs", 0, "share of --repeat-frac's rows that repeat just two tokens (ABAB…: teaches a previous-token head)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *corpusFile == "" || *out == "" {
		return fmt.Errorf("give --corpus FILE and --out DIR")
	}
	if *dtype != "F32" && *dtype != "F16" {
		return fmt.Errorf("--dtype must be F32 or F16")
	}
	if *resume && *initDir != "" {
		return fmt.Errorf("--resume continues --out; do not combine it with --init")
	}
	opt := train.Options{Steps: *steps, Batch: *batch, LR: *lr, Warmup: *warmup, ValFrac: *valFrac,
		EvalEvery: *evalEvery, SaveEvery: *saveEvery, Seed: *seed, Out: *out, DType: safetensors.DType(*dtype),
		RepeatFrac: *repeatFrac, RepeatLen: *repeatLen, RepeatPairs: *repeatPairs,
		WeightDecay: train.OffIfZero(*wd), ClipNorm: train.OffIfZero(*clip), Resume: *resume}
	var tok *tokenizer.Tokenizer
	var err error
	switch {
	case *resume || *initDir != "":
		dir := *initDir
		if *resume {
			dir = *out
		}
		ck, err := train.Load(ctx, dir)
		if err != nil {
			return err
		}
		if *tokDir != "" && *initDir != "" {
			// A new vocabulary for a trained model (train.Retokenize).
			if tok, err = loadOptions().LoadTokenizerDir(*tokDir); err != nil {
				return err
			}
			var shared int
			if ck, shared, err = train.Retokenize(ck, tok); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "vocabulary of %s: %d tokens, %d of them with the embeddings they had in %s\n", *tokDir, tok.VocabSize(), shared, dir)
		}
		opt.From, tok = ck, ck.Tokenizer
		opt.Context = min(*ctxLen, ck.Config.NPositions)
		if !isSet(fs, "context") {
			opt.Context = ck.Config.NPositions
		}
		if *resume {
			if ck.State == nil {
				return fmt.Errorf("--resume: %s has no trainer state (HINT: to fine-tune a finished model use --init DIR with a new --out)", dir)
			}
			opt = ck.State.Continue(opt, func(setting string) bool { return isSet(fs, setting) })
		}
	default:
		if *tokDir == "" {
			return fmt.Errorf("a new model needs --tokenizer DIR (make one with: explorer tokenizer train)")
		}
		if tok, err = loadOptions().LoadTokenizerDir(*tokDir); err != nil {
			return err
		}
		opt.Config = train.NewConfig(tok, train.Shape{Layers: *layers, Heads: *heads, Width: *width, Context: *ctxLen})
		opt.Context = *ctxLen
	}
	opt.Tokenizer = tok
	text, err := os.ReadFile(*corpusFile)
	if err != nil {
		return err
	}
	ids, err := train.EncodeCorpus(ctx, tok, string(text))
	if err != nil {
		return err
	}
	cfg := opt.Config
	if opt.From != nil {
		cfg = opt.From.Config
	}
	fmt.Fprintf(stdout, "model: %d layers, %d heads, width %d, context %d, vocabulary %d: %.2fM parameters\n",
		cfg.NLayer, cfg.NHead, cfg.NEmbd, cfg.NPositions, cfg.VocabSize, float64(cfg.NumParams())/1e6)
	fmt.Fprintf(stdout, "corpus: %d tokens; %d sequences of %d tokens per step\n", len(ids), opt.Batch, opt.Context)
	opt.Tokens = ids
	logf, err := openTrainLog(*out, *resume)
	if err != nil {
		return err
	}
	defer logf.Close()
	res, err := train.Run(ctx, opt, func(p train.Progress) error {
		printProgress(stdout, p)
		return train.WriteLogRecord(logf, p.Record())
	})
	if errors.Is(err, context.Canceled) {
		fmt.Fprintf(stdout, "\nstopped at step %d; checkpoint saved to %s (continue with --resume)\n", res.Steps, *out)
		return nil
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\ndone: %d steps in %s, loss %.4f, validation loss %.4f; saved to %s\n",
		res.Steps, res.Duration.Round(time.Second), res.Loss, res.ValLoss, *out)
	return nil
}

// openTrainLog opens the JSON-lines training log in dir, appending when
// the run resumes and starting afresh otherwise.
func openTrainLog(dir string, resume bool) (*os.File, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	flags := os.O_CREATE | os.O_WRONLY | os.O_TRUNC
	if resume {
		flags = os.O_CREATE | os.O_WRONLY | os.O_APPEND
	}
	return os.OpenFile(filepath.Join(dir, train.LogFile), flags, 0o644)
}

// printProgress writes one progress line; lines with a validation loss or
// an induction probe are kept, others are overwritten in place.
func printProgress(w io.Writer, p train.Progress) {
	line := fmt.Sprintf("step %d/%d  loss %.4f  lr %.2e  %.0f tok/s  ETA %s",
		p.Step, p.Steps, p.Loss, p.LR, p.TokensPerSec, p.ETA.Round(time.Second))
	keep := false
	if p.HasVal {
		line += fmt.Sprintf("  val %.4f", p.ValLoss)
		keep = true
	}
	if p.Probe != nil && p.HasVal {
		best, bl, bh := p.Probe.Best()
		line += fmt.Sprintf("  induction %.2f (L%dH%d)", best, bl, bh)
	}
	if keep || p.Step == p.Steps {
		fmt.Fprintf(w, "\r%-100s\n", line)
	} else {
		fmt.Fprintf(w, "\r%-100s", line)
	}
}
