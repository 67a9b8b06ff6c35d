package train

import (
	"context"
	"fmt"
	"math"
	"strings"

	"github.com/transformer-explorer/explorer/engine"
	"github.com/transformer-explorer/explorer/engine/tokenizer"
	"github.com/transformer-explorer/explorer/engine/train/corpus"
	"github.com/transformer-explorer/explorer/trace"
)

// A PartLoss is a model's mean next-token loss on held-out documents of
// one part of the corpus in one language.
type PartLoss struct {
	Part   corpus.Part
	Lang   corpus.Lang // English for translations, which hold both
	Docs   int
	Tokens int     // positions scored
	Loss   float64 // mean loss, nats per token
}

// HeldOutLoss returns m's mean next-token loss on docs documents of each
// part in mix (in each language of langs; translations once), drawn with
// seed: pick a seed the training corpus did not use. Documents longer
// than the context are cut to it.
func HeldOutLoss(ctx context.Context, m *engine.Model, tok *tokenizer.Tokenizer, mix []corpus.Part, langs []corpus.Lang, docs int, seed uint64) ([]PartLoss, error) {
	sel, err := trace.Select(m.Config.NLayer, trace.NextLoss)
	if err != nil {
		return nil, fmt.Errorf("train: held-out loss: %w", err)
	}
	var out []PartLoss
	for _, p := range mix {
		ls := langs
		if p == corpus.Translation {
			ls = []corpus.Lang{corpus.English}
		}
		for _, l := range ls {
			texts, err := corpus.Documents(corpus.Options{Stories: docs, Seed: seed, Langs: []corpus.Lang{l}, Mix: []corpus.Share{{Part: p, Weight: 1}}})
			if err != nil {
				return nil, fmt.Errorf("train: held-out loss: %w", err)
			}
			pl := PartLoss{Part: p, Lang: l, Docs: docs}
			var sum float64
			rec := trace.Only(sel, trace.RecorderFunc(func(x trace.Tensor) error {
				for _, v := range x.Data { // T-1 losses: the last position has no target
					sum += float64(v)
					pl.Tokens++
				}
				return nil
			}))
			for _, text := range texts {
				ids, err := tok.Encode(text)
				if err != nil {
					return nil, fmt.Errorf("train: held-out loss: %w", err)
				}
				ids = ids[:min(len(ids), m.Config.NPositions)]
				if _, err := m.Forward(ctx, ids, rec); err != nil {
					return nil, fmt.Errorf("train: held-out loss: %w", err)
				}
			}
			pl.Loss = sum / float64(pl.Tokens)
			out = append(out, pl)
		}
	}
	return out, nil
}

// A TaskScore is how a model answers the task items of one part in one
// language, decoding greedily until the end of the line.
type TaskScore struct {
	Part  corpus.Part
	Lang  corpus.Lang // the language of the answers
	Items int
	// Exact counts answers equal to the expected one (spaces at the ends
	// ignored).
	Exact int
	// FactsFound of Facts: for summaries, how many of the names and words
	// the summary must mention the answers mention.
	FactsFound, Facts int
	// CharF1 is the mean character F1 of the answers: the characters the
	// answer shares with the expected one (as multisets), against both
	// lengths. It gives partial credit to translations and summaries.
	CharF1 float64
}

// Accuracy returns Exact/Items.
func (s TaskScore) Accuracy() float64 { return float64(s.Exact) / float64(s.Items) }

// FactRecall returns FactsFound/Facts, or NaN without facts.
func (s TaskScore) FactRecall() float64 {
	if s.Facts == 0 {
		return math.NaN()
	}
	return float64(s.FactsFound) / float64(s.Facts)
}

// maxAnswerTokens bounds a greedy answer.
const maxAnswerTokens = 64

// EvalTasks answers every item with m (greedy decoding of the prompt's
// continuation until a newline, at most 64 tokens) and scores the answers
// with ScoreTasks. A prompt longer than the context loses its beginning.
// onItem, if not nil, sees every answer.
func EvalTasks(ctx context.Context, m *engine.Model, tok *tokenizer.Tokenizer, items []corpus.Example, onItem func(e corpus.Example, got string)) ([]TaskScore, error) {
	answers := make([]string, len(items))
	for i, e := range items {
		got, err := Answer(ctx, m, tok, e.Prompt)
		if err != nil {
			return nil, err
		}
		if onItem != nil {
			onItem(e, got)
		}
		answers[i] = got
	}
	return ScoreTasks(items, answers), nil
}

// ScoreTasks scores answers[i] as the answer to items[i], per part and
// language, in the order the pairs first occur in items.
func ScoreTasks(items []corpus.Example, answers []string) []TaskScore {
	type key struct {
		p corpus.Part
		l corpus.Lang
	}
	at := map[key]int{}
	var out []TaskScore
	for n, e := range items {
		k := key{e.Part, e.Lang}
		i, ok := at[k]
		if !ok {
			i = len(out)
			at[k] = i
			out = append(out, TaskScore{Part: e.Part, Lang: e.Lang})
		}
		s := &out[i]
		s.Items++
		want := strings.TrimSpace(e.Answer)
		got := strings.TrimSpace(answers[n])
		if got == want {
			s.Exact++
		}
		for _, f := range e.Facts {
			s.Facts++
			if strings.Contains(got, f) {
				s.FactsFound++
			}
		}
		s.CharF1 += CharF1(got, want)
	}
	for i := range out {
		out[i].CharF1 /= float64(out[i].Items)
	}
	return out
}

// Answer returns m's greedy continuation of prompt up to the end of its
// line (at most 64 tokens, or what the context leaves).
func Answer(ctx context.Context, m *engine.Model, tok *tokenizer.Tokenizer, prompt string) (string, error) {
	ids, err := tok.Encode(prompt)
	if err != nil {
		return "", fmt.Errorf("train: answer: %w", err)
	}
	T := m.Config.NPositions
	if keep := T - 8; len(ids) > keep {
		ids = ids[len(ids)-keep:]
	}
	seqs, err := m.Generate(ctx, tok, ids, engine.GenerateOptions{MaxNewTokens: min(maxAnswerTokens, T-len(ids)), Stop: []string{"\n"}})
	if err != nil {
		return "", fmt.Errorf("train: answer: %w", err)
	}
	return seqs[0].Text, nil
}

// CharF1 is the F1 score of the characters of got against want, counted
// as multisets (spaces ignored): 1 when they hold the same characters, 0
// when they share none or one is empty.
func CharF1(got, want string) float64 {
	count := func(s string) (map[rune]int, int) {
		c, n := map[rune]int{}, 0
		for _, r := range s {
			if r != ' ' {
				c[r]++
				n++
			}
		}
		return c, n
	}
	g, ng := count(got)
	w, nw := count(want)
	if ng == 0 || nw == 0 {
		return 0
	}
	common := 0
	for r, n := range g {
		common += min(n, w[r])
	}
	if common == 0 {
		return 0
	}
	p, r := float64(common)/float64(ng), float64(common)/float64(nw)
	return 2 * p * r / (p + r)
}

// EvalOptions configure Evaluate. A zero field means its default.
type EvalOptions struct {
	// Docs is the number of held-out documents per part and language;
	// default 50.
	Docs int
	// Seed draws the held-out documents; default 424242, a seed no
	// training corpus of the default model uses.
	Seed uint64
	// Langs are the languages to measure; default both.
	Langs []corpus.Lang
	// OnItem, if set, sees every task item with the model's answer.
	OnItem func(e corpus.Example, got string)
}

// A Report is what Evaluate measures of a model.
type Report struct {
	// Loss is the held-out loss of each part of the default model's
	// corpus mix and of the sentiment set, per language.
	Loss []PartLoss
	// Tasks are the scores of the QA, summary, translation and sentiment
	// items of held-out documents.
	Tasks []TaskScore
	// Induction[l][h] is each head's standard induction score: the mean
	// over 4 probes of 50 random tokens repeated, drawn with seed 1 (see
	// ModelInductionScores).
	Induction [][]float64
}

// Evaluate measures m on held-out documents of the generated corpus:
// the loss per part and language, the accuracy of the task formats, and
// the induction score of every head.
func Evaluate(ctx context.Context, m *engine.Model, tok *tokenizer.Tokenizer, o EvalOptions) (Report, error) {
	if o.Docs == 0 {
		o.Docs = 50
	}
	if o.Seed == 0 {
		o.Seed = 424242
	}
	if len(o.Langs) == 0 {
		o.Langs = corpus.Langs
	}
	var r Report
	parts := []corpus.Part{corpus.Stories, corpus.Games, corpus.QA, corpus.Summary, corpus.Translation, corpus.Sentiment}
	var err error
	if r.Loss, err = HeldOutLoss(ctx, m, tok, parts, o.Langs, o.Docs, o.Seed); err != nil {
		return r, err
	}
	var items []corpus.Example
	for _, p := range []corpus.Part{corpus.QA, corpus.Summary, corpus.Translation, corpus.Sentiment} {
		ls := o.Langs
		if p == corpus.Translation {
			ls = corpus.Langs
		}
		ex, err := corpus.Examples(corpus.Options{Stories: o.Docs, Seed: o.Seed, Langs: ls, Mix: []corpus.Share{{Part: p, Weight: 1}}})
		if err != nil {
			return r, fmt.Errorf("train: evaluate: %w", err)
		}
		items = append(items, ex...)
	}
	if r.Tasks, err = EvalTasks(ctx, m, tok, items, o.OnItem); err != nil {
		return r, err
	}
	n := min(50, (m.Config.NPositions-1)/2)
	if r.Induction, err = ModelInductionScores(ctx, m, tok.EndOfText(), n, 4, 1); err != nil {
		return r, err
	}
	return r, nil
}
