package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/transformer-explorer/explorer/engine/atomicfile"
	"github.com/transformer-explorer/explorer/engine/tokenizer"
)

// runTokenizer dispatches "explorer tokenizer <subcommand>".
func runTokenizer(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "train" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
			fmt.Fprintln(stdout, "Usage: explorer tokenizer train --corpus FILE --vocab-size N --out DIR")
			return nil
		}
		fmt.Fprintln(stderr, "Usage: explorer tokenizer train --corpus FILE --vocab-size N --out DIR")
		return errUsage
	}
	return runTokenizerTrain(ctx, args[1:], stdout, stderr)
}

func runTokenizerTrain(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("tokenizer train", "--corpus FILE --vocab-size N --out DIR [--min-frequency F] [--whole-chars=false]", stderr)
	corpusFile := fs.String("corpus", "", "UTF-8 text `FILE` to learn merges from; <|endoftext|> markers are ignored")
	vocabSize := fs.Int("vocab-size", 4096, "tokens in the vocabulary, `N` ≥ 257 (256 bytes and <|endoftext|> included)")
	minFreq := fs.Int("min-frequency", 2, "merge only pairs seen at least `F` times")
	out := fs.String("out", "", "write vocab.json and merges.txt to `DIR`")
	whole := fs.Bool("whole-chars", true, "merge only within one character or between whole characters, so every token is whole characters or part of one (false: plain byte-level BPE)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *corpusFile == "" || *out == "" {
		return fmt.Errorf("give --corpus FILE and --out DIR")
	}
	text, err := os.ReadFile(*corpusFile)
	if err != nil {
		return err
	}
	// The document separator is a special token, never learned as text.
	text = []byte(strings.ReplaceAll(string(text), tokenizer.EndOfTextToken, "\n"))
	tok, err := tokenizer.Train(ctx, bytes.NewReader(text), tokenizer.TrainOptions{VocabSize: *vocabSize, MinFrequency: *minFreq, WholeCharacters: *whole})
	if err != nil {
		return err
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	for name, write := range map[string]func(io.Writer) error{"vocab.json": tok.WriteVocab, "merges.txt": tok.WriteMerges} {
		var b bytes.Buffer
		if err := write(&b); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if err := atomicfile.WriteFile(filepath.Join(*out, name), b.Bytes()); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "trained a %d-token vocabulary; wrote %s and %s\n", tok.VocabSize(),
		filepath.Join(*out, "vocab.json"), filepath.Join(*out, "merges.txt"))
	return nil
}
