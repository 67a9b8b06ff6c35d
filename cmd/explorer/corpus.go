package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/transformer-explorer/explorer/engine/train/corpus"
)

func runCorpus(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("corpus", "--out FILE [--stories N] [--seed S]", stderr)
	out := fs.String("out", "", "write the corpus to `FILE`")
	stories := fs.Int("stories", corpus.DefaultStories, "number of `N` stories")
	games := fs.Bool("games", false, "add a memory game (a random word sequence said and repeated) to every story")
	seed := fs.Uint64("seed", 1, "generator `SEED`: the same seed and count give the same corpus")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return fmt.Errorf("give the output file with --out FILE")
	}
	if *stories < 1 {
		return fmt.Errorf("--stories must be at least 1")
	}
	f, err := os.Create(*out)
	if err != nil {
		return err
	}
	if err := corpus.Generate(ctx, f, corpus.Options{Stories: *stories, Seed: *seed, Games: *games}); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	st, err := os.Stat(*out)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %d stories (%.1f MB) to %s\n", *stories, float64(st.Size())/1e6, *out)
	return nil
}
