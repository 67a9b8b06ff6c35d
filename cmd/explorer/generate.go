package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/transformer-explorer/explorer/engine"
)

func runGenerate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("generate", "[--model M] --prompt TEXT [--max-new-tokens N] [--temperature T] [--top-k K] [--top-p P] [--seed S] [--n N] [--stop S]...", stderr)
	model := modelFlag(fs)
	prompt := fs.String("prompt", "", "the prompt `TEXT` to continue")
	maxNew := fs.Int("max-new-tokens", 50, "generate at most `N` tokens per sequence")
	temperature := floatFlag(fs, "temperature", 1.0, "divide logits by `T` before sampling; 0 is greedy")
	topK := fs.Int("top-k", 0, "sample from the `K` most likely tokens only (0: all)")
	topP := floatFlag(fs, "top-p", 1.0, "sample from the smallest set of tokens with probability mass `P` (1: all)")
	seed := fs.Uint64("seed", 0, "random `SEED`; the same seed gives the same text")
	n := fs.Int("n", 1, "generate `N` sequences")
	ignoreEOS := fs.Bool("ignore-eos", false, "keep going after <|endoftext|>")
	var stops stringList
	fs.Var(&stops, "stop", "stop a sequence when it produces this `STRING` (repeatable)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if !isSet(fs, "prompt") {
		return fmt.Errorf("give the prompt with --prompt TEXT")
	}
	sample := engine.SampleOptions{Temperature: *temperature, TopK: *topK, TopP: *topP}
	var bad *engine.SampleError
	if err := sample.Validate(); errors.As(err, &bad) {
		return errors.New(bad.Describe("--" + strings.ReplaceAll(bad.Knob, "_", "-")))
	}
	switch {
	case *maxNew < 1:
		return fmt.Errorf("--max-new-tokens must be at least 1")
	case *n < 1 || *n > 64:
		return fmt.Errorf("--n must be between 1 and 64")
	}
	m, tok, err := loadModel(ctx, *model)
	if err != nil {
		return err
	}
	defer m.Close()
	ids, err := tok.Encode(*prompt)
	if err != nil {
		return err
	}
	if len(ids) == 0 {
		// GPT-2 conditions an empty prompt on <|endoftext|>, as its
		// unconditional samples do.
		ids = []int{tok.EndOfText()}
	}
	current := -1
	opt := engine.GenerateOptions{
		MaxNewTokens: *maxNew,
		Sample:       sample,
		Seed:         *seed,
		N:            *n,
		Stop:         stops,
		IgnoreEOS:    *ignoreEOS,
		OnToken: func(t engine.Token) error {
			if t.Seq != current {
				if current >= 0 {
					fmt.Fprintln(stdout)
				}
				if *n > 1 {
					fmt.Fprintf(stdout, "--- sequence %d ---\n", t.Seq+1)
				}
				fmt.Fprint(stdout, *prompt)
				current = t.Seq
			}
			_, err := io.WriteString(stdout, t.Text)
			return err
		},
	}
	seqs, err := m.Generate(ctx, tok, ids, opt)
	fmt.Fprintln(stdout)
	if err != nil {
		return err
	}
	for i, s := range seqs {
		if s.FinishReason == engine.FinishContext {
			fmt.Fprintf(stderr, "sequence %d stopped: the model's context of %d tokens is full\n", i+1, m.Config.NPositions)
		}
	}
	return nil
}
