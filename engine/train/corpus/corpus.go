package corpus

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"strings"
)

// Separator is the line written between documents: GPT-2's end-of-text
// marker, which the trainer turns into the end-of-text token.
const Separator = "<|endoftext|>"

// DefaultStories is the number of documents Generate writes by default.
const DefaultStories = 20000

// A Lang is a language of the corpus.
type Lang int

const (
	English Lang = iota
	Chinese      // Simplified Chinese
)

// Langs is both languages, the default of Options.Langs.
var Langs = []Lang{English, Chinese}

func (l Lang) String() string {
	if l == Chinese {
		return "zh"
	}
	return "en"
}

// ParseLang returns the language named "en" or "zh".
func ParseLang(s string) (Lang, error) {
	switch s {
	case "en":
		return English, nil
	case "zh":
		return Chinese, nil
	}
	return 0, fmt.Errorf("%w: unknown language %q (want en or zh)", ErrOptions, s)
}

// A Part is a kind of document.
type Part int

const (
	// Stories are whole stories of two to four episodes.
	Stories Part = iota
	// Games are stories with a memory game: one character says 10–30
	// random words and the other repeats them, so only copying from the
	// first saying predicts the second.
	Games
	// QA is a short story and three questions about it with their
	// answers ("Q: … A: …", "问：…答：…").
	QA
	// Summary is a short story and its one-line summary ("TL;DR: …",
	// "总结：…").
	Summary
	// Translation is four to six sentences of a story, each with its
	// translation ("English: … 中文：…" and back).
	Translation
	// Sentiment is a short story, happy or sad, and its label
	// ("Sentiment: happy", "情感：难过"): the labelled set for supervised
	// fine-tuning. The default model is not pre-trained on it.
	Sentiment
	numParts
)

var partNames = [numParts]string{"stories", "games", "qa", "summary", "translation", "sentiment"}

func (p Part) String() string {
	if p < 0 || p >= numParts {
		return "part(" + strconv.Itoa(int(p)) + ")"
	}
	return partNames[p]
}

// ParsePart returns the part of the given name (see Part.String).
func ParsePart(s string) (Part, error) {
	for p, n := range partNames {
		if n == s {
			return Part(p), nil
		}
	}
	return 0, fmt.Errorf("%w: unknown part %q (want one of %s)", ErrOptions, s, strings.Join(partNames[:], ", "))
}

// A Share is one part of a corpus mix: its documents are Weight out of
// the sum of the mix's weights.
type Share struct {
	Part   Part
	Weight int
}

// DefaultMix is the mix the default model is pre-trained on: stories,
// stories with memory games, and the three task formats.
var DefaultMix = []Share{{Stories, 4}, {Games, 1}, {QA, 3}, {Summary, 2}, {Translation, 2}}

// ParseMix reads a mix written as "part[=weight],…", for example
// "stories=4,qa=3" or "sentiment"; a missing weight is 1.
func ParseMix(s string) ([]Share, error) {
	var mix []Share
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		nameStr, wStr, hasW := strings.Cut(f, "=")
		p, err := ParsePart(nameStr)
		if err != nil {
			return nil, err
		}
		w := 1
		if hasW {
			if w, err = strconv.Atoi(wStr); err != nil || w < 1 {
				return nil, fmt.Errorf("%w: weight %q of %s: want a whole number ≥ 1", ErrOptions, wStr, nameStr)
			}
		}
		mix = append(mix, Share{p, w})
	}
	if len(mix) == 0 {
		return nil, fmt.Errorf("%w: empty mix %q", ErrOptions, s)
	}
	return mix, nil
}

// Options configures Generate. The zero value of a field means its default.
type Options struct {
	Stories int    // number of documents; default DefaultStories
	Seed    uint64 // seed of the generator; 0 is a valid seed
	// Langs are the languages of the documents, each drawn with equal
	// chance (translations always hold both); default both.
	Langs []Lang
	// Mix gives the parts of the corpus; default DefaultMix.
	Mix []Share
}

// ErrOptions is wrapped by the error Generate returns for invalid Options.
var ErrOptions = errors.New("corpus: invalid options")

func (o Options) withDefaults() (Options, error) {
	if o.Stories == 0 {
		o.Stories = DefaultStories
	}
	if o.Stories < 0 {
		return o, fmt.Errorf("%w: Stories = %d, want > 0", ErrOptions, o.Stories)
	}
	if len(o.Langs) == 0 {
		o.Langs = Langs
	}
	if len(o.Mix) == 0 {
		o.Mix = DefaultMix
	}
	for _, s := range o.Mix {
		if s.Part < 0 || s.Part >= numParts || s.Weight < 1 {
			return o, fmt.Errorf("%w: share %v of the mix", ErrOptions, s)
		}
	}
	for _, l := range o.Langs {
		if l != English && l != Chinese {
			return o, fmt.Errorf("%w: language %d", ErrOptions, l)
		}
	}
	return o, nil
}

// docs draws the documents of o one at a time.
type docs struct {
	o     Options
	r     *rand.Rand
	total int
}

func newDocs(o Options) *docs {
	d := &docs{o: o, r: rand.New(rand.NewPCG(o.Seed, 0x5707))}
	for _, s := range o.Mix {
		d.total += s.Weight
	}
	return d
}

func (d *docs) next() document {
	k := d.r.IntN(d.total)
	part := d.o.Mix[0].Part
	for _, s := range d.o.Mix {
		if k < s.Weight {
			part = s.Part
			break
		}
		k -= s.Weight
	}
	l := one(d.r, d.o.Langs)
	return draw(d.r, part, l)
}

// draw makes one document of part p in language l.
func draw(r *rand.Rand, p Part, l Lang) document {
	switch p {
	case Games:
		return document{text: tell(r, tellOptions{episodes: 1 + r.IntN(3), game: true}).text(l)}
	case QA:
		return qaDocument(r, l)
	case Summary:
		return summaryDocument(r, l)
	case Translation:
		return translationDocument(r)
	case Sentiment:
		return sentimentDocument(r, l)
	}
	return document{text: tell(r, tellOptions{episodes: 1 + r.IntN(3), sadShare: 0.15}).text(l)}
}

// Generate writes opt.Stories documents to w, each followed by a line
// holding Separator. The output depends only on opt. It stops with
// ctx.Err() if ctx is cancelled.
func Generate(ctx context.Context, w io.Writer, opt Options) error {
	opt, err := opt.withDefaults()
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	d := newDocs(opt)
	for i := 0; i < opt.Stories; i++ {
		if i%256 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		bw.WriteString(d.next().text)
		bw.WriteString("\n" + Separator + "\n")
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("corpus: write: %w", err)
	}
	return nil
}

// Examples returns the task items of opt.Stories documents drawn as
// Generate draws them (the same seed gives the items of the same
// documents). Parts without task lines (Stories, Games) give none. Use a
// seed the training corpus did not use to measure a model on held-out
// stories.
func Examples(opt Options) ([]Example, error) {
	opt, err := opt.withDefaults()
	if err != nil {
		return nil, err
	}
	d := newDocs(opt)
	var ex []Example
	for i := 0; i < opt.Stories; i++ {
		ex = append(ex, d.next().examples...)
	}
	return ex, nil
}

// Documents returns opt.Stories documents drawn as Generate draws them,
// without separators.
func Documents(opt Options) ([]string, error) {
	opt, err := opt.withDefaults()
	if err != nil {
		return nil, err
	}
	d := newDocs(opt)
	out := make([]string, opt.Stories)
	for i := range out {
		out[i] = d.next().text
	}
	return out, nil
}

// Story returns one English story drawn with r.
func Story(r *rand.Rand) string { return StoryIn(r, English) }

// StoryIn returns one story in language l drawn with r.
func StoryIn(r *rand.Rand, l Lang) string {
	return draw(r, Stories, l).text
}

// GameStory returns one English story drawn with r in which, after
// meeting, the two characters play a memory game: one says 10–30 words
// drawn at random from all the grammar's word lists and the other repeats
// them. Nothing but the first saying predicts the repetition, so these
// stories train the general copying that induction heads do.
func GameStory(r *rand.Rand) string { return draw(r, Games, English).text }
