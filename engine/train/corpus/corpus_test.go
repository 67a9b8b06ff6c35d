package corpus

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode"
)

func TestGenerateDeterministic(t *testing.T) {
	var a, b, c bytes.Buffer
	ctx := context.Background()
	if err := Generate(ctx, &a, Options{Stories: 50, Seed: 7}); err != nil {
		t.Fatal(err)
	}
	Generate(ctx, &b, Options{Stories: 50, Seed: 7})
	Generate(ctx, &c, Options{Stories: 50, Seed: 8})
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("Generate with the same seed gave different corpora")
	}
	if bytes.Equal(a.Bytes(), c.Bytes()) {
		t.Error("Generate with different seeds gave the same corpus")
	}
	docs := strings.Split(strings.TrimSpace(a.String()), "\n"+Separator)
	if got := len(docs) - 1; got != 50 { // the text after the last separator is empty
		t.Errorf("got %d documents, want 50", got)
	}
	want, err := Documents(Options{Stories: 50, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	for i, d := range want {
		if strings.TrimSpace(docs[i]) != d {
			t.Fatalf("Documents()[%d] differs from Generate's document:\n%s\n---\n%s", i, d, docs[i])
		}
	}
}

// isHan reports whether r is a Chinese character or Chinese punctuation.
func isHan(r rune) bool {
	return unicode.Is(unicode.Han, r) || (0x3000 <= r && r <= 0x303F) || (0xFF00 <= r && r <= 0xFFEF) ||
		r == '“' || r == '”'
}

// TestDocumentShape checks every part in both languages: stories open and
// close as the grammar says, no template field is left unfilled, English
// documents hold no Chinese and Chinese documents no Latin letters, and
// the task lines carry their markers.
func TestDocumentShape(t *testing.T) {
	type shape struct {
		open, close string
		marker      string // every task line begins with it
	}
	en := map[Part]shape{
		Stories:   {"Once upon a time", "The end.", ""},
		Games:     {"Once upon a time", "The end.", ""},
		QA:        {"Once upon a time", "", QuestionEn + " "},
		Summary:   {"Once upon a time", "", SummaryEn + " "},
		Sentiment: {"Once upon a time", "", SentimentEn + " "},
	}
	zh := map[Part]shape{
		Stories:   {"从前", "故事讲完了。", ""},
		Games:     {"从前", "故事讲完了。", ""},
		QA:        {"从前", "", QuestionZh},
		Summary:   {"从前", "", SummaryZh},
		Sentiment: {"从前", "", SentimentZh},
	}
	for _, l := range Langs {
		shapes := en
		if l == Chinese {
			shapes = zh
		}
		for p, sh := range shapes {
			docs, err := Documents(Options{Stories: 100, Seed: uint64(p) + 10*uint64(l), Langs: []Lang{l}, Mix: []Share{{p, 1}}})
			if err != nil {
				t.Fatal(err)
			}
			for i, d := range docs {
				lines := strings.Split(d, "\n")
				story := lines[0]
				if !strings.HasPrefix(story, sh.open) || !strings.HasSuffix(story, sh.close) {
					t.Fatalf("%v %v document %d does not open with %q and close with %q:\n%s", p, l, i, sh.open, sh.close, d)
				}
				if strings.ContainsAny(d, "{}") {
					t.Fatalf("%v %v document %d has an unfilled field:\n%s", p, l, i, d)
				}
				if sh.marker == "" && len(lines) != 1 {
					t.Fatalf("%v %v document %d has %d lines, want 1", p, l, i, len(lines))
				}
				for _, line := range lines[1:] {
					if !strings.HasPrefix(line, sh.marker) {
						t.Fatalf("%v %v document %d: line %q does not begin with %q", p, l, i, line, sh.marker)
					}
				}
				for _, r := range d {
					if l == English && isHan(r) || l == Chinese && (r < 128 && unicode.IsLetter(r)) {
						t.Fatalf("%v %v document %d has %q, a character of the other language:\n%s", p, l, i, r, d)
					}
				}
			}
		}
	}
}

func TestStoryLength(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	for i := 0; i < 200; i++ {
		if n := len(strings.Fields(Story(r))); n < 80 || n > 450 {
			t.Errorf("English story %d has %d words", i, n)
		}
		if n := len([]rune(StoryIn(r, Chinese))); n < 150 || n > 700 {
			t.Errorf("Chinese story %d has %d characters", i, n)
		}
	}
}

// TestExamples checks the task items: each prompt plus its answer is a
// prefix of its document ending at a line end, the answer can be read off
// the story, and the languages match.
func TestExamples(t *testing.T) {
	for _, p := range []Part{QA, Summary, Translation, Sentiment} {
		for _, l := range Langs {
			opt := Options{Stories: 60, Seed: 3, Langs: []Lang{l}, Mix: []Share{{p, 1}}}
			docs, err := Documents(opt)
			if err != nil {
				t.Fatal(err)
			}
			ex, err := Examples(opt)
			if err != nil {
				t.Fatal(err)
			}
			perDoc := map[Part]int{QA: 3, Summary: 1, Sentiment: 1}[p]
			if perDoc > 0 && len(ex) != perDoc*len(docs) {
				t.Fatalf("%v %v: %d examples of %d documents, want %d each", p, l, len(ex), len(docs), perDoc)
			}
			d := 0
			for i, e := range ex {
				for d < len(docs) && !strings.HasPrefix(docs[d], e.Prompt) {
					d++
				}
				if d == len(docs) {
					t.Fatalf("%v %v example %d: prompt is not the beginning of any later document:\n%s", p, l, i, e.Prompt)
				}
				doc := docs[d]
				if !strings.HasPrefix(doc, e.Prompt+e.Answer) {
					t.Fatalf("%v %v example %d: prompt+answer %q is not a prefix of its document", p, l, i, e.Prompt+e.Answer)
				}
				if rest := doc[len(e.Prompt+e.Answer):]; rest != "" && rest[0] != '\n' {
					t.Fatalf("%v %v example %d: the answer %q does not end its line", p, l, i, e.Answer)
				}
				if strings.Contains(e.Answer, "\n") || strings.TrimSpace(e.Answer) == "" {
					t.Fatalf("%v %v example %d: answer %q", p, l, i, e.Answer)
				}
				if (e.Lang == English) != strings.HasPrefix(e.Answer, " ") {
					t.Errorf("%v %v example %d: %v answer %q, want a leading space exactly in English", p, l, i, e.Lang, e.Answer)
				}
				story := strings.SplitN(doc, "\n", 2)[0]
				switch p {
				case QA:
					checkReadable(t, story, e)
				case Summary:
					for _, f := range e.Facts {
						if !strings.Contains(story, f) || !strings.Contains(e.Answer, f) {
							t.Errorf("summary fact %q is not in both the story and the summary %q", f, e.Answer)
						}
					}
				case Sentiment:
					if a := strings.TrimSpace(e.Answer); a != labelHappy.en && a != labelSad.en && a != labelHappy.zh && a != labelSad.zh {
						t.Errorf("sentiment label %q", a)
					}
				case Translation:
					line := e.Prompt[strings.LastIndex("\n"+e.Prompt, "\n"):]
					if e.Lang == Chinese && !strings.HasPrefix(line, EnglishMark+" ") ||
						e.Lang == English && !strings.HasPrefix(line, ChineseMark) {
						t.Errorf("translation into %v: line %q", e.Lang, line)
					}
				}
			}
		}
	}
}

// checkReadable checks that a QA answer can be read in the story: every
// word of an English answer occurs in it, a Chinese answer occurs whole.
func checkReadable(t *testing.T, story string, e Example) {
	t.Helper()
	if e.Lang == Chinese {
		if !strings.Contains(story, e.Answer) {
			t.Errorf("answer %q of %q is not in the story:\n%s", e.Answer, e.Prompt[len(story):], story)
		}
		return
	}
	low := strings.ToLower(story)
	for _, w := range strings.Fields(e.Answer) {
		w = strings.ToLower(strings.Trim(w, ",.!\"?"))
		if w != "a" && w != "an" && !strings.Contains(low, w) {
			t.Errorf("word %q of answer %q is not in the story:\n%s", w, e.Answer, story)
		}
	}
}

// TestSentimentBalance checks that the labelled set is about half sad.
func TestSentimentBalance(t *testing.T) {
	ex, err := Examples(Options{Stories: 400, Seed: 1, Langs: []Lang{English}, Mix: []Share{{Sentiment, 1}}})
	if err != nil {
		t.Fatal(err)
	}
	sad := 0
	for _, e := range ex {
		if e.Answer == " sad" {
			sad++
		}
	}
	if sad < 160 || sad > 240 {
		t.Errorf("%d of %d stories are sad, want about half", sad, len(ex))
	}
}

func TestTranslationPairs(t *testing.T) {
	// The same draw told in both languages gives sentences that match
	// one to one.
	r1, r2 := rand.New(rand.NewPCG(4, 4)), rand.New(rand.NewPCG(4, 4))
	for range 50 {
		a, b := tell(r1, tellOptions{episodes: 3}), tell(r2, tellOptions{episodes: 3})
		if a.text(English) != b.text(English) || a.text(Chinese) != b.text(Chinese) {
			t.Fatal("the same seed told two different tales")
		}
		for _, s := range a.sents {
			if s.en == "" || s.zh == "" {
				t.Fatalf("sentence pair %q / %q has an empty side", s.en, s.zh)
			}
		}
	}
}

func TestInventedNames(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	seen := map[string]string{}
	for range 2000 {
		n := inventName(r, false)
		if isListName(n.en, n.zh) {
			t.Fatalf("invented name %v is a list name", n)
		}
		if zh, ok := seen[n.en]; ok && zh != n.zh {
			t.Fatalf("invented name %s has two Chinese spellings %s and %s", n.en, zh, n.zh)
		}
		seen[n.en] = n.zh
	}
	chars := map[string]string{}
	for _, s := range syllables {
		if other, ok := chars[s.zh]; ok {
			t.Errorf("syllables %s and %s share the character %s", s.en, other, s.zh)
		}
		chars[s.zh] = s.en
	}
}

func TestGameStory(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 2))
	for i := 0; i < 50; i++ {
		s := GameStory(r)
		const listen = "Listen: "
		at := strings.Index(s, listen)
		if at < 0 {
			t.Fatalf("game story %d has no game:\n%s", i, s)
		}
		code := s[at+len(listen) : at+len(listen)+strings.Index(s[at+len(listen):], ".\"")]
		if n := len(strings.Fields(code)); n < 10 || n > 60 {
			t.Errorf("game %d has %d words, want 10..30 items", i, n)
		}
		if strings.Count(s, code) != 2 {
			t.Errorf("game %d: the sequence %q does not appear exactly twice", i, code)
		}
	}
}

func TestOptionsErrors(t *testing.T) {
	bad := []Options{
		{Stories: -1},
		{Mix: []Share{{Part(99), 1}}},
		{Mix: []Share{{QA, 0}}},
		{Langs: []Lang{Lang(7)}},
	}
	for _, o := range bad {
		if err := Generate(context.Background(), &bytes.Buffer{}, o); !errors.Is(err, ErrOptions) {
			t.Errorf("Generate(%+v) error = %v, want ErrOptions", o, err)
		}
	}
}

func TestParseMix(t *testing.T) {
	good := []struct {
		in   string
		want []Share
	}{
		{"stories", []Share{{Stories, 1}}},
		{"stories=4,qa=3", []Share{{Stories, 4}, {QA, 3}}},
		{" sentiment , translation=2 ", []Share{{Sentiment, 1}, {Translation, 2}}},
	}
	for _, c := range good {
		got, err := ParseMix(c.in)
		if err != nil || len(got) != len(c.want) {
			t.Errorf("ParseMix(%q) = %v, %v, want %v", c.in, got, err, c.want)
			continue
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("ParseMix(%q) = %v, want %v", c.in, got, c.want)
			}
		}
	}
	for _, in := range []string{"", "poems", "qa=0", "qa=x", "qa=-2", ","} {
		if got, err := ParseMix(in); !errors.Is(err, ErrOptions) {
			t.Errorf("ParseMix(%q) = %v, %v, want ErrOptions", in, got, err)
		}
	}
	for _, p := range []Part{Stories, Games, QA, Summary, Translation, Sentiment} {
		if got, err := ParsePart(p.String()); err != nil || got != p {
			t.Errorf("ParsePart(%q) = %v, %v", p.String(), got, err)
		}
	}
	for _, l := range Langs {
		if got, err := ParseLang(l.String()); err != nil || got != l {
			t.Errorf("ParseLang(%q) = %v, %v", l.String(), got, err)
		}
	}
	if _, err := ParseLang("fr"); !errors.Is(err, ErrOptions) {
		t.Errorf("ParseLang(fr) error = %v", err)
	}
}
