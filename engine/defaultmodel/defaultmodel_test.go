package defaultmodel

import (
	"context"
	"io/fs"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/transformer-explorer/explorer/engine"
	"github.com/transformer-explorer/explorer/engine/tokenizer"
	"github.com/transformer-explorer/explorer/engine/train"
	"github.com/transformer-explorer/explorer/engine/train/corpus"
	"github.com/transformer-explorer/explorer/trace"
)

// Thresholds of the committed model. Each is the figure measured on it
// (RECIPE.md, explorer eval) with a margin: the tests run the same
// held-out documents, greedy decoding and probes as the measurement, so
// on the CPU that made the model they reproduce it exactly; the margin
// absorbs the float32 rounding of other kernel paths, which can flip a
// few greedy answers. A change to the model, the tokenizer or the engine
// that costs more than the margin fails them.
const (
	// maxChineseTokens is issue 17's bound for "从前有一个小女孩，她叫小红。"
	// (14 characters; measured 6 tokens).
	maxChineseTokens = 14
	// minChineseShare is the share of CJK characters and punctuation in
	// the sampled continuation of "从前，有一个小女孩" (seed 1, temperature 1,
	// 50 tokens: explorer generate's defaults).
	minChineseShare = 0.6
	// minStandardInduction bounds the best head's standard induction
	// score (issue 17 asks for 0.3; measured 0.885, layer 3 head 2, and
	// 0.794 for head 1; uniform attention gives about 0.014).
	minStandardInduction = 0.3
	// minTextInduction bounds the best head's induction score on the
	// memory games of new stories in each language (measured 0.591 in
	// English, 0.237 in Chinese), and maxCopyRatio the loss on a game's
	// repetition relative to its first saying (measured 0.26 and 0.52).
	minTextInduction = 0.15
	maxCopyRatio     = 0.7
	// evalDocs is the number of held-out documents per part and language
	// the task tests use (seed 424242).
	evalDocs = 20
)

// maxLoss bounds the held-out loss per part and language (nats per
// token), measured + 0.05.
var maxLoss = map[string]float64{
	"stories/en": 0.42, "stories/zh": 0.62, "games/en": 1.12, "games/zh": 1.19,
	"qa/en": 0.48, "qa/zh": 0.78, "summary/en": 0.43, "summary/zh": 0.72,
	"translation/en": 0.92, "sentiment/en": 1.06, "sentiment/zh": 1.70,
}

// minAccuracy bounds the exact-match accuracy per task and answer
// language: measured − 0.1 (see the constants above for why a margin;
// measured on these 20 documents: QA 76.7 % en, 45.0 % zh; summaries
// 45.0 % en, 35.0 % zh; translations 20.9 % into English, 23.7 % into
// Chinese). Every floor is far above what a model without the skill
// scores: the English-only model this one started from scored 0 % on
// every one of them.
var minAccuracy = map[string]float64{
	"qa/en": 0.66, "qa/zh": 0.35, "summary/en": 0.35, "summary/zh": 0.25,
	"translation/en": 0.10, "translation/zh": 0.13,
}

func load(t *testing.T) (*engine.Model, *tokenizer.Tokenizer) {
	t.Helper()
	m, tok, err := Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m, tok
}

func TestLoad(t *testing.T) {
	m, tok := load(t)
	c := m.Config
	if c.NLayer != train.DefaultLayers || c.NHead != train.DefaultHeads || c.NEmbd != train.DefaultWidth ||
		c.NPositions != train.DefaultContext || c.VocabSize != tok.VocabSize() {
		t.Errorf("config %+v does not match the recipe", c)
	}
	if m.Name != Name {
		t.Errorf("Name = %q, want %q", m.Name, Name)
	}
}

// TestSize checks what the model adds to the binary: its embedded files,
// at most 4 MB (issue 17).
func TestSize(t *testing.T) {
	total := 0
	err := fs.WalkDir(FS(), ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		t.Logf("%s: %d bytes", path, info.Size())
		total += int(info.Size())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("embedded files: %d bytes", total)
	if total > 4_000_000 {
		t.Errorf("the embedded files are %d bytes, want at most 4 MB", total)
	}
}

// TestChineseTokens checks that the tokenizer learned Chinese: the
// sentence of issue 17 in few tokens, every character of held-out
// Chinese stories a token of its own, and every token whole characters or
// part of one, so tokens display as characters.
func TestChineseTokens(t *testing.T) {
	_, tok := load(t)
	const s = "从前有一个小女孩，她叫小红。"
	ids, err := tok.Encode(s)
	if err != nil {
		t.Fatal(err)
	}
	var shown []string
	for _, id := range ids {
		shown = append(shown, tok.Display(id))
	}
	t.Logf("%s: %d tokens %q", s, len(ids), shown)
	if len(ids) > maxChineseTokens {
		t.Errorf("%q is %d tokens, want at most %d", s, len(ids), maxChineseTokens)
	}
	docs, err := corpus.Documents(corpus.Options{Stories: 30, Seed: 424242, Langs: []corpus.Lang{corpus.Chinese}, Mix: []corpus.Share{{Part: corpus.Stories, Weight: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[rune]bool{}
	for _, d := range docs {
		ids, err := tok.Encode(d)
		if err != nil {
			t.Fatal(err)
		}
		if n := utf8.RuneCountInString(d); len(ids) > n {
			t.Errorf("a Chinese story of %d characters is %d tokens", n, len(ids))
		}
		for _, r := range d {
			if seen[r] {
				continue
			}
			seen[r] = true
			if ids, _ := tok.Encode(string(r)); len(ids) != 1 {
				t.Errorf("%q is %d tokens, want 1", string(r), len(ids))
			}
		}
	}
	for id := range tok.VocabSize() {
		b := tok.Bytes(id)
		if len(b) == 1 {
			continue // the 256 single bytes: control bytes and lone bytes of a character show as <0x..>
		}
		if utf8.Valid(b) {
			if d := tok.Display(id); strings.Contains(d, "<0x") && id != tok.EndOfText() {
				t.Errorf("token %d %q is whole characters but displays as %q", id, b, d)
			}
			continue
		}
		// Part of one character: a leading byte and continuation bytes.
		if !utf8.RuneStart(b[0]) || utf8.FullRune(b) {
			t.Errorf("token %d %q is neither whole characters nor part of one", id, b)
		}
		for _, c := range b[1:] {
			if utf8.RuneStart(c) {
				t.Errorf("token %d %q is neither whole characters nor part of one", id, b)
			}
		}
	}
}

// cjkShare returns the share of the non-space characters of s that are
// CJK ideographs or CJK punctuation (U+3000–U+303F, fullwidth forms and
// the curly quotes Chinese text uses).
func cjkShare(s string) float64 {
	var cjk, all int
	for _, r := range s {
		if unicode.IsSpace(r) {
			continue
		}
		all++
		if unicode.Is(unicode.Han, r) || (0x3000 <= r && r <= 0x303F) || (0xFF00 <= r && r <= 0xFFEF) || r == '“' || r == '”' {
			cjk++
		}
	}
	if all == 0 {
		return 0
	}
	return float64(cjk) / float64(all)
}

// TestGenerateChinese samples the continuation of a Chinese prompt as
// `explorer generate --prompt "从前，有一个小女孩" --seed 1` does (temperature
// 1, 50 tokens) and greedily, and checks both stay in Chinese.
func TestGenerateChinese(t *testing.T) {
	m, tok := load(t)
	ids, err := tok.Encode("从前，有一个小女孩")
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range []engine.GenerateOptions{
		{MaxNewTokens: 50, Seed: 1, Sample: engine.SampleOptions{Temperature: 1, TopP: 1}},
		{MaxNewTokens: 50},
	} {
		seqs, err := m.Generate(context.Background(), tok, ids, o)
		if err != nil {
			t.Fatal(err)
		}
		text := seqs[0].Text
		share := cjkShare(text)
		t.Logf("从前，有一个小女孩%s (%.0f%% CJK)", text, 100*share)
		if !(share >= minChineseShare) {
			t.Errorf("continuation %q is %.0f%% CJK, want at least %.0f%%", text, 100*share, 100*minChineseShare)
		}
	}
}

// TestGenerateStory checks that greedy decoding after "Once upon a time"
// continues with English story sentences.
func TestGenerateStory(t *testing.T) {
	m, tok := load(t)
	ids, err := tok.Encode("Once upon a time")
	if err != nil {
		t.Fatal(err)
	}
	seqs, err := m.Generate(context.Background(), tok, ids, engine.GenerateOptions{MaxNewTokens: 60})
	if err != nil {
		t.Fatal(err)
	}
	text := seqs[0].Text
	t.Logf("Once upon a time%s", text)
	if !strings.HasPrefix(text, ",") || strings.Count(text, ".") < 2 || !strings.Contains(text, " named ") && !strings.Contains(text, " lived ") {
		t.Errorf("greedy continuation of \"Once upon a time\" is not a story opening: %q", text)
	}
	if share := cjkShare(text); share > 0 {
		t.Errorf("English continuation has Chinese: %q", text)
	}
}

// TestHeldOutLoss measures the loss per part and language on documents
// the model never saw.
func TestHeldOutLoss(t *testing.T) {
	m, tok := load(t)
	parts := []corpus.Part{corpus.Stories, corpus.Games, corpus.QA, corpus.Summary, corpus.Translation, corpus.Sentiment}
	losses, err := train.HeldOutLoss(context.Background(), m, tok, parts, corpus.Langs, evalDocs, 424242)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range losses {
		key := l.Part.String() + "/" + l.Lang.String()
		t.Logf("%s: %.3f nats per token over %d tokens", key, l.Loss, l.Tokens)
		if want, ok := maxLoss[key]; !ok || !(l.Loss <= want) {
			t.Errorf("%s loss %.3f, want at most %.3f", key, l.Loss, want)
		}
	}
}

// TestTasks answers the QA, summary, translation and sentiment items of
// held-out stories greedily and checks the exact-match accuracy.
func TestTasks(t *testing.T) {
	m, tok := load(t)
	var items []corpus.Example
	for _, p := range []corpus.Part{corpus.QA, corpus.Summary, corpus.Translation} {
		for _, l := range corpus.Langs {
			ex, err := corpus.Examples(corpus.Options{Stories: evalDocs, Seed: 424242, Langs: []corpus.Lang{l}, Mix: []corpus.Share{{Part: p, Weight: 1}}})
			if err != nil {
				t.Fatal(err)
			}
			items = append(items, ex...)
		}
	}
	scores, err := train.EvalTasks(context.Background(), m, tok, items, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range scores {
		key := s.Part.String() + "/" + s.Lang.String()
		t.Logf("%s: %d/%d exact (%.1f%%), character F1 %.3f, summary facts %.2f", key, s.Exact, s.Items, 100*s.Accuracy(), s.CharF1, s.FactRecall())
		if want, ok := minAccuracy[key]; !ok || !(s.Accuracy() >= want) {
			t.Errorf("%s accuracy %.3f, want at least %.3f", key, s.Accuracy(), want)
		}
	}
}

// TestInductionHead measures the standard induction score of every head
// (4 probes of 50 random tokens repeated, from hook_pattern) and the
// in-text score on the memory games of new stories in both languages.
func TestInductionHead(t *testing.T) {
	m, tok := load(t)
	scores, err := train.ModelInductionScores(context.Background(), m, tok.EndOfText(), 50, 4, 1)
	if err != nil {
		t.Fatal(err)
	}
	p := train.Probe{Induction: scores}
	best, bl, bh := p.Best()
	for l, hs := range scores {
		t.Logf("layer %d standard induction scores: %.3f", l, hs)
	}
	t.Logf("best: %.3f (layer %d head %d)", best, bl, bh)
	if !(best >= minStandardInduction) {
		t.Errorf("best standard induction score %.3f, want at least %.2f", best, minStandardInduction)
	}

	// In text: the memory games of new stories, in both languages.
	L, NH := m.Config.NLayer, m.Config.NHead
	r := rand.New(rand.NewPCG(77, 1))
	for _, lang := range corpus.Langs {
		text := make([][]float64, L)
		for l := range text {
			text[l] = make([]float64, NH)
		}
		var firstLoss, secondLoss float64
		games, copied := 0, 0
		for games < 8 {
			story, err := corpus.Documents(corpus.Options{Stories: 1, Seed: r.Uint64(), Langs: []corpus.Lang{lang}, Mix: []corpus.Share{{Part: corpus.Games, Weight: 1}}})
			if err != nil {
				t.Fatal(err)
			}
			ids, first, second, n := gameTokens(t, tok, story[0], lang)
			if len(ids) > m.Config.NPositions {
				continue
			}
			games++
			T := len(ids)
			sel, err := trace.Select(L, "blocks.*."+trace.AttnPattern, trace.NextLoss)
			if err != nil {
				t.Fatal(err)
			}
			rec := trace.Only(sel, trace.RecorderFunc(func(x trace.Tensor) error {
				if x.Name == trace.NextLoss {
					for k := 0; k < n-1; k++ {
						firstLoss += float64(x.Data[first+k])
						secondLoss += float64(x.Data[second+k])
					}
					copied += n - 1
					return nil
				}
				l, _, _ := trace.ParseBlock(x.Name)
				for h := 0; h < NH; h++ {
					var s float64
					for q := second; q < second+n-1; q++ {
						s += float64(x.Data[(h*T+q)*T+q-(second-first)+1])
					}
					text[l][h] += s / float64(n-1)
				}
				return nil
			}))
			if _, err := m.Forward(context.Background(), ids, rec); err != nil {
				t.Fatal(err)
			}
		}
		bestText := 0.0
		for l := range text {
			for h := range text[l] {
				text[l][h] /= float64(games)
				bestText = max(bestText, text[l][h])
			}
			t.Logf("%v: layer %d in-text induction scores: %.3f", lang, l, text[l])
		}
		ratio := secondLoss / firstLoss
		t.Logf("%v: loss per token %.3f on a game's first saying, %.3f on its repetition", lang, firstLoss/float64(copied), secondLoss/float64(copied))
		if !(bestText >= minTextInduction) {
			t.Errorf("%v: best in-text induction score %.3f, want at least %.2f", lang, bestText, minTextInduction)
		}
		if !(ratio <= maxCopyRatio) {
			t.Errorf("%v: loss on repetitions is %.2f of the loss on first sayings, want at most %.2f", lang, ratio, maxCopyRatio)
		}
	}
}

// gameTokens encodes a game story up to the end of the repetition, with
// the word sequence encoded on its own both times so that its two copies
// are the same tokens. It returns the ids, the positions where the two
// copies start, and the copy length.
func gameTokens(t *testing.T, tok *tokenizer.Tokenizer, story string, lang corpus.Lang) (ids []int, first, second, n int) {
	t.Helper()
	listen, end, again := "Listen: ", ".\"", ": \""
	if lang == corpus.Chinese {
		listen, end, again = "听好了：", "。”", "：“"
	}
	i := strings.Index(story, listen) + len(listen)
	j := i + strings.Index(story[i:], end)
	code := story[i:j]
	k := j + strings.Index(story[j:], again) + len(again) // the repetition starts here
	enc := func(s string) []int {
		x, err := tok.Encode(s)
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	pre, c, mid := enc(story[:i]), enc(code), enc(story[j:k])
	ids = append(append(append(append(ids, pre...), c...), mid...), c...)
	return ids, len(pre), len(pre) + len(c) + len(mid), len(c)
}
