package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/transformer-explorer/explorer/engine/train"
	"github.com/transformer-explorer/explorer/engine/train/corpus"
)

func runEval(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("eval", "[--model M] [--stories N] [--seed S] [--lang en,zh] [--show]", stderr)
	model := modelFlag(fs)
	docs := fs.Int("stories", 50, "held-out documents `N` per part and language")
	seed := fs.Uint64("seed", 424242, "`SEED` of the held-out documents (pick one the training corpus did not use)")
	langs := fs.String("lang", "en,zh", "languages `en,zh` to measure")
	show := fs.Bool("show", false, "print every task item's expected and generated answer")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *docs < 1 || *docs > 10000 {
		return fmt.Errorf("--stories must be between 1 and 10000")
	}
	o := train.EvalOptions{Docs: *docs, Seed: *seed}
	for _, s := range strings.Split(*langs, ",") {
		l, err := corpus.ParseLang(strings.TrimSpace(s))
		if err != nil {
			return fmt.Errorf("--lang: %w", err)
		}
		o.Langs = append(o.Langs, l)
	}
	if *show {
		o.OnItem = func(e corpus.Example, got string) {
			mark := "✗"
			if strings.TrimSpace(got) == strings.TrimSpace(e.Answer) {
				mark = "✓"
			}
			q := e.Prompt[strings.LastIndex(e.Prompt, "\n")+1:]
			fmt.Fprintf(stdout, "%s %s/%s %s\n    want %q\n    got  %q\n", mark, e.Part, e.Lang, q, strings.TrimSpace(e.Answer), strings.TrimSpace(got))
		}
	}
	m, tok, err := loadModel(ctx, *model)
	if err != nil {
		return err
	}
	defer m.Close()
	r, err := train.Evaluate(ctx, m, tok, o)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s on %d held-out documents per part and language (seed %d)\n\n", m.Name, *docs, *seed)
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "held-out loss\tlanguage\tnats/token\ttokens\t")
	for _, l := range r.Loss {
		lang := l.Lang.String()
		if l.Part == corpus.Translation {
			lang = "en+zh"
		}
		fmt.Fprintf(tw, "%s\t%s\t%.3f\t%d\t\n", l.Part, lang, l.Loss, l.Tokens)
	}
	fmt.Fprintln(tw, "\t\t\t\t")
	fmt.Fprintln(tw, "task\tanswers in\texact match\tcharacter F1\tsummary facts")
	for _, s := range r.Tasks {
		facts := "-"
		if s.Facts > 0 {
			facts = fmt.Sprintf("%.1f%% (%d/%d)", 100*s.FactRecall(), s.FactsFound, s.Facts)
		}
		fmt.Fprintf(tw, "%s\t%s\t%.1f%% (%d/%d)\t%.3f\t%s\n", s.Part, s.Lang, 100*s.Accuracy(), s.Exact, s.Items, s.CharF1, facts)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "\nstandard induction scores (4 probes of 50 random tokens repeated), heads 0..:")
	for l, hs := range r.Induction {
		fmt.Fprintf(stdout, "  layer %d:", l)
		for _, s := range hs {
			fmt.Fprintf(stdout, " %.3f", s)
		}
		fmt.Fprintln(stdout)
	}
	p := train.Probe{Induction: r.Induction}
	best, bl, bh := p.Best()
	fmt.Fprintf(stdout, "best: %.3f (layer %d, head %d)\n", best, bl, bh)
	return nil
}
