package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/transformer-explorer/explorer/engine/atomicfile"
	"github.com/transformer-explorer/explorer/engine/train/corpus"
)

func runCorpus(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("corpus", "--out FILE [--stories N] [--seed S] [--lang en,zh] [--parts stories=4,qa=3,...] [--format text|jsonl]", stderr)
	out := fs.String("out", "", "write the corpus to `FILE`")
	stories := fs.Int("stories", corpus.DefaultStories, "number of documents `N` (stories, each with its task lines)")
	seed := fs.Uint64("seed", 1, "generator `SEED`: the same flags give the same corpus")
	langs := fs.String("lang", "en,zh", "languages `en,zh` of the documents (translations always hold both)")
	parts := fs.String("parts", mixString(corpus.DefaultMix),
		"the `MIX` of parts, part[=weight],...: stories, games (memory games), qa, summary, translation, sentiment (the labelled fine-tuning set)")
	format := fs.String("format", "text", "text: documents separated by <|endoftext|> lines, for training; jsonl: one task item per line {part, lang, prompt, answer, facts}, for evaluation and presets")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return fmt.Errorf("give the output file with --out FILE")
	}
	if *stories < 1 {
		return fmt.Errorf("--stories must be at least 1")
	}
	opt := corpus.Options{Stories: *stories, Seed: *seed}
	var err error
	if opt.Mix, err = corpus.ParseMix(*parts); err != nil {
		return fmt.Errorf("--parts: %w", err)
	}
	for _, s := range strings.Split(*langs, ",") {
		l, err := corpus.ParseLang(strings.TrimSpace(s))
		if err != nil {
			return fmt.Errorf("--lang: %w", err)
		}
		opt.Langs = append(opt.Langs, l)
	}
	if *format != "text" && *format != "jsonl" {
		return fmt.Errorf("--format must be text or jsonl")
	}
	f, err := atomicfile.Create(*out)
	if err != nil {
		return err
	}
	defer f.Abort()
	n := *stories
	if *format == "jsonl" {
		n, err = writeExamples(f, opt)
	} else {
		err = corpus.Generate(ctx, f, opt)
	}
	if err != nil {
		return err
	}
	if err := f.Commit(); err != nil {
		return err
	}
	st, err := os.Stat(*out)
	if err != nil {
		return err
	}
	what := "documents"
	if *format == "jsonl" {
		what = "task items"
	}
	fmt.Fprintf(stdout, "wrote %d %s (%.1f MB) to %s\n", n, what, float64(st.Size())/1e6, *out)
	return nil
}

// writeExamples writes the task items of the documents opt describes as
// JSON lines and returns how many.
func writeExamples(w io.Writer, opt corpus.Options) (int, error) {
	ex, err := corpus.Examples(opt)
	if err != nil {
		return 0, err
	}
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	for _, e := range ex {
		rec := struct {
			Part   string   `json:"part"`
			Lang   string   `json:"lang"`
			Prompt string   `json:"prompt"`
			Answer string   `json:"answer"`
			Facts  []string `json:"facts,omitempty"`
		}{e.Part.String(), e.Lang.String(), e.Prompt, e.Answer, e.Facts}
		if err := enc.Encode(rec); err != nil {
			return 0, err
		}
	}
	return len(ex), bw.Flush()
}

// mixString writes a mix as ParseMix reads it.
func mixString(mix []corpus.Share) string {
	s := make([]string, len(mix))
	for i, sh := range mix {
		s[i] = fmt.Sprintf("%s=%d", sh.Part, sh.Weight)
	}
	return strings.Join(s, ",")
}
