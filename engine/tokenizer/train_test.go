package tokenizer

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// trainCorpus makes a deterministic corpus of n words: English-like words
// with Zipf-like frequencies, punctuation, numbers, repeated letters (for
// overlapping pairs such as "a a a"), CJK and line breaks.
func trainCorpus(seed uint64, n int) string {
	lexicon := []string{"the", "of", "and", "to", "in", "a", "is", "that", "for", "it",
		"as", "was", "with", "be", "by", "on", "not", "he", "this", "are", "or", "his",
		"from", "at", "which", "but", "have", "an", "had", "they", "you", "were", "their",
		"token", "tokens", "tokenizer", "transformer", "attention", "layer", "layers",
		"aaaa", "aaaaaaa", "banana", "bananas", "mississippi", "The", "It's", "don't",
		"日本語", "東京", "한국어", "café", "naïve", "42", "2024", "3.14", "x+y", "==", "...", "🙂"}
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	var sb strings.Builder
	for i := range n {
		// Zipf-like: index ~ len * u^3.
		u := rng.Float64()
		w := lexicon[int(float64(len(lexicon))*u*u*u)]
		switch {
		case i == 0:
		case rng.IntN(20) == 0:
			sb.WriteString(".\n")
		case rng.IntN(15) == 0:
			sb.WriteString(", ")
		default:
			sb.WriteByte(' ')
		}
		sb.WriteString(w)
	}
	return sb.String()
}

// naiveTrain is an independent, slow BPE trainer that recounts every pair
// after every merge. It returns the merges as pairs of raw byte strings.
func naiveTrain(corpus string, vocabSize, minFreq int) [][2]string {
	return naiveTrainFiltered(corpus, vocabSize, minFreq, func(a, b string) bool { return true })
}

// naiveTrainFiltered is naiveTrain merging only the pairs ok allows.
func naiveTrainFiltered(corpus string, vocabSize, minFreq int, ok func(a, b string) bool) [][2]string {
	freq := map[string]int64{}
	for _, w := range words(corpus) {
		freq[w]++
	}
	type word struct {
		syms  []string
		count int64
	}
	var ws []word
	for w, n := range freq {
		var syms []string
		for i := range len(w) {
			syms = append(syms, w[i:i+1])
		}
		ws = append(ws, word{syms, n})
	}
	known := map[string]bool{}
	for b := range 256 {
		known[string([]byte{byte(b)})] = true
	}
	size := 256
	var merges [][2]string
	for size < vocabSize-1 {
		counts := map[[2]string]int64{}
		for _, w := range ws {
			for i := 0; i+1 < len(w.syms); i++ {
				counts[[2]string{w.syms[i], w.syms[i+1]}] += w.count
			}
		}
		var best [2]string
		var bestN int64
		for p, n := range counts {
			if !ok(p[0], p[1]) {
				continue
			}
			if n > bestN || (n == bestN && (p[0] < best[0] || (p[0] == best[0] && p[1] < best[1]))) {
				best, bestN = p, n
			}
		}
		if bestN < int64(minFreq) {
			break
		}
		merges = append(merges, best)
		joined := best[0] + best[1]
		if !known[joined] {
			known[joined] = true
			size++
		}
		for wi := range ws {
			s := ws[wi].syms
			var out []string
			for i := 0; i < len(s); i++ {
				if i+1 < len(s) && s[i] == best[0] && s[i+1] == best[1] {
					out = append(out, joined)
					i++
				} else {
					out = append(out, s[i])
				}
			}
			ws[wi].syms = out
		}
	}
	return merges
}

func learnedMerges(tok *Tokenizer) [][2]string {
	out := make([][2]string, len(tok.merges))
	for i, m := range tok.merges {
		out[i] = [2]string{string(tok.Bytes(int(m[0]))), string(tok.Bytes(int(m[1])))}
	}
	return out
}

// abcCorpus makes n random words over the letters a, b and c, which share
// many pairs and overlap ("aaa", "abab").
func abcCorpus(seed uint64, n int) string {
	rng := rand.New(rand.NewPCG(seed, 7))
	var sb strings.Builder
	for range n {
		sb.WriteByte(' ')
		for range 1 + rng.IntN(12) {
			sb.WriteByte("abc"[rng.IntN(3)])
		}
	}
	return sb.String()
}

func TestTrainMatchesNaive(t *testing.T) {
	for _, c := range []struct {
		seed           uint64
		words          int
		vocab, minFreq int
		abc            bool
	}{
		{1, 3000, 400, 2, false},
		{2, 2000, 1000, 2, false}, // runs out of pairs before reaching the size
		{3, 3000, 350, 20, false},
		{4, 500, 300, 1, false},
		{5, 3000, 500, 2, true},
		{6, 300, 2000, 1, true},
	} {
		corpus := trainCorpus(c.seed, c.words)
		if c.abc {
			corpus = abcCorpus(c.seed, c.words)
		}
		tok, err := Train(context.Background(), strings.NewReader(corpus), TrainOptions{VocabSize: c.vocab, MinFrequency: c.minFreq})
		if err != nil {
			t.Fatalf("Train: %v", err)
		}
		got, want := learnedMerges(tok), naiveTrain(corpus, c.vocab, c.minFreq)
		if !slices.Equal(got, want) {
			n := 0
			for n < min(len(got), len(want)) && got[n] == want[n] {
				n++
			}
			t.Errorf("seed %d: Train learned %d merges, the naive trainer %d; first difference at merge %d", c.seed, len(got), len(want), n)
			continue
		}
		if tok.EndOfText() != tok.VocabSize()-1 || tok.Token(tok.VocabSize()-1) != EndOfTextToken {
			t.Errorf("seed %d: <|endoftext|> is id %d of %d, want the last", c.seed, tok.EndOfText(), tok.VocabSize())
		}
		// Every merge made a new token: a byte string that became one token
		// was merged the same way wherever it occurs, since a neighbour
		// that takes one of its symbols keeps it from becoming one token.
		if len(tok.merges) != tok.VocabSize()-257 {
			t.Errorf("seed %d: %d merges for %d learned tokens", c.seed, len(tok.merges), tok.VocabSize()-257)
		}
	}
}

func TestTrainLearnsThe(t *testing.T) {
	tok, err := Train(context.Background(), strings.NewReader(strings.Repeat(" the", 100)), TrainOptions{VocabSize: 300})
	if err != nil {
		t.Fatal(err)
	}
	var merges bytes.Buffer
	if err := tok.WriteMerges(&merges); err != nil {
		t.Fatal(err)
	}
	// " the" has the pairs " t", "th", "he", 100 times each: ties, broken by
	// the bytes, so " t" (0x20 sorts first) goes first.
	if want := "#version: 0.2\nĠ t\nĠt h\nĠth e\n"; merges.String() != want {
		t.Errorf("merges = %q, want %q", merges.String(), want)
	}
	id, ok := tok.ID("Ġthe")
	if !ok {
		t.Fatalf("no token Ġthe")
	}
	if ids, err := tok.Encode(" the the"); err != nil || !slices.Equal(ids, []int{id, id}) {
		t.Errorf("Encode(%q) = %v, %v, want [%d %d]", " the the", ids, err, id, id)
	}
	if tok.VocabSize() != 260 || tok.EndOfText() != 259 {
		t.Errorf("VocabSize, EndOfText = %d, %d, want 260, 259", tok.VocabSize(), tok.EndOfText())
	}
	// The byte tokens keep GPT-2's ids.
	gpt := loadGPT2(t)
	for id := range 256 {
		if tok.Token(id) != gpt.Token(id) {
			t.Fatalf("Token(%d) = %q, GPT-2 has %q", id, tok.Token(id), gpt.Token(id))
		}
	}
}

func TestTrainMinFrequency(t *testing.T) {
	corpus := "ab ab ab cd cd"
	// Words: "ab" once, " ab" twice, " cd" twice. Pair counts: "ab" 3, " a"
	// 2, " c" 2, "cd" 2.
	for _, c := range []struct {
		minFreq int
		want    []string
	}{
		{4, nil},
		{3, []string{"ab"}},
		{2, []string{"ab", "Ġab", "Ġc", "Ġcd"}},
	} {
		tok, err := Train(context.Background(), strings.NewReader(corpus), TrainOptions{VocabSize: 1000, MinFrequency: c.minFreq})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for id := 256; id < tok.VocabSize()-1; id++ {
			got = append(got, tok.Token(id))
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("MinFrequency %d: learned %q, want %q", c.minFreq, got, c.want)
		}
	}
}

func TestTrainRoundTripAndReload(t *testing.T) {
	corpus := trainCorpus(7, 20000)
	tok, err := Train(context.Background(), strings.NewReader(corpus), TrainOptions{VocabSize: 600})
	if err != nil {
		t.Fatal(err)
	}
	var vocab, merges bytes.Buffer
	if err := tok.WriteVocab(&vocab); err != nil {
		t.Fatal(err)
	}
	if err := tok.WriteMerges(&merges); err != nil {
		t.Fatal(err)
	}
	re, err := Load(vocab.Bytes(), merges.Bytes())
	if err != nil {
		t.Fatalf("Load(WriteVocab, WriteMerges): %v", err)
	}
	if !slices.Equal(re.vocab.list(), tok.vocab.list()) || !slices.Equal(re.merges, tok.merges) {
		t.Errorf("reloaded vocabulary or merges differ")
	}
	texts := append([]string{corpus[:2000], "unseen words: zebra quixotic 🦓 ∑ 1e-9", "", " ", "a\n\n\tb  ", "<|endoftext|>"}, func() []string {
		var out []string
		for _, c := range readCases(t) {
			out = append(out, c.Text)
		}
		return out
	}()...)
	for _, text := range texts {
		ids, err := tok.Encode(text)
		if err != nil {
			t.Fatalf("Encode(%q): %v", text, err)
		}
		if back, err := tok.Decode(ids); err != nil || string(back) != text {
			t.Errorf("Decode(Encode(%q)) = %q, %v", text, back, err)
		}
		if reIDs, _ := re.Encode(text); !slices.Equal(reIDs, ids) {
			t.Errorf("reloaded Encode(%q) = %v, want %v", text, reIDs, ids)
		}
	}
	// Training helps: the corpus takes fewer tokens than bytes.
	ids, _ := tok.Encode(corpus)
	if len(ids)*2 > len(corpus) {
		t.Errorf("trained tokenizer uses %d tokens for %d bytes of its own corpus", len(ids), len(corpus))
	}
}

func TestTrainDeterministic(t *testing.T) {
	corpus := trainCorpus(11, 20000)
	var outs [2]string
	for i := range outs {
		tok, err := Train(context.Background(), strings.NewReader(corpus), TrainOptions{VocabSize: 700})
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if err := tok.WriteVocab(&b); err != nil {
			t.Fatal(err)
		}
		if err := tok.WriteMerges(&b); err != nil {
			t.Fatal(err)
		}
		outs[i] = b.String()
	}
	if outs[0] != outs[1] {
		t.Errorf("two trainings on the same corpus wrote different files")
	}
}

func TestTrainErrors(t *testing.T) {
	ctx := context.Background()
	for _, opt := range []TrainOptions{{}, {VocabSize: 256}, {VocabSize: 300, MinFrequency: -1}} {
		if _, err := Train(ctx, strings.NewReader("abc"), opt); !errors.Is(err, ErrTrainOptions) {
			t.Errorf("Train(%+v) error = %v, want ErrTrainOptions", opt, err)
		}
	}
	var ue *UTF8Error
	if _, err := Train(ctx, strings.NewReader("good \xff bad"), TrainOptions{VocabSize: 300}); !errors.Is(err, ErrInvalidUTF8) || !errors.As(err, &ue) || ue.Offset != 5 {
		t.Errorf("Train(invalid UTF-8) error = %v, want ErrInvalidUTF8 at offset 5", err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := Train(cancelled, strings.NewReader(trainCorpus(1, 100)), TrainOptions{VocabSize: 300}); !errors.Is(err, context.Canceled) {
		t.Errorf("Train(cancelled) error = %v, want context.Canceled", err)
	}
	if _, err := Train(ctx, iotestErrReader{}, TrainOptions{VocabSize: 300}); err == nil || !strings.Contains(err.Error(), "reading corpus") {
		t.Errorf("Train(failing reader) error = %v", err)
	}
}

type iotestErrReader struct{}

func (iotestErrReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }

// naiveKeepsCharacters is keepsCharacters written from the definition:
// a+b lies within one character of some valid text, or both are whole.
func naiveKeepsCharacters(a, b string) bool {
	if utf8.ValidString(a) && utf8.ValidString(b) {
		return true
	}
	ab := a + b
	// ab is part of one character if it decodes as the beginning of a
	// single rune and nothing is left over: some character's encoding
	// starts with it.
	for r := rune(0x80); r <= unicode.MaxRune; r++ {
		if !utf8.ValidRune(r) {
			continue
		}
		enc := string(r)
		if len(ab) < len(enc) && strings.HasPrefix(enc, ab) && !utf8.ValidString(a) {
			return true
		}
		if enc == ab && !utf8.ValidString(a) {
			return true
		}
	}
	return false
}

func TestKeepsCharacters(t *testing.T) {
	zhong := "中" // E4 B8 AD
	cases := []struct {
		a, b string
		want bool
	}{
		{"a", "b", true},
		{"中", "文", true},
		{zhong[:1], zhong[1:2], true},
		{zhong[:2], zhong[2:], true},
		{zhong[:1], zhong[1:], true},
		{zhong[:2], zhong[2:] + "x", false},  // ends past the character
		{"a" + zhong[:1], zhong[1:2], false}, // a whole character and a part
		{zhong, zhong[:1], false},
		{zhong[1:2], zhong[2:], false}, // no leading byte
		{zhong[:2], zhong[2:] + zhong[2:], false},
		{"é"[:1], "é"[1:], true},
		{"🙂"[:2], "🙂"[2:], true},
		{"🙂"[:1], "🙂"[1:2], true},
	}
	for _, c := range cases {
		if got := keepsCharacters(c.a, c.b); got != c.want {
			t.Errorf("keepsCharacters(%q, %q) = %v, want %v", c.a, c.b, got, c.want)
		}
		if got := naiveKeepsCharacters(c.a, c.b); got != c.want {
			t.Errorf("naiveKeepsCharacters(%q, %q) = %v, want %v (the test's reference disagrees with its table)", c.a, c.b, got, c.want)
		}
	}
}

// TestTrainWholeCharacters checks the merges learned with WholeCharacters
// against the naive trainer limited to character-keeping pairs, and that
// every token is whole characters or part of one, so encoding splits only
// at character boundaries.
func TestTrainWholeCharacters(t *testing.T) {
	corpus := trainCorpus(5, 3000) + strings.Repeat(" 从前有一个小女孩，她叫小红。小红有一顶红色的帽子。", 50)
	tok, err := Train(context.Background(), strings.NewReader(corpus), TrainOptions{VocabSize: 420, WholeCharacters: true})
	if err != nil {
		t.Fatal(err)
	}
	got, want := learnedMerges(tok), naiveTrainFiltered(corpus, 420, 2, keepsCharacters)
	if !slices.Equal(got, want) {
		t.Errorf("Train(WholeCharacters) learned %d merges, the naive trainer %d", len(got), len(want))
	}
	for id := range tok.VocabSize() {
		b := tok.Bytes(id)
		if !utf8.Valid(b) && !naiveKeepsCharacters(string(b[:1]), string(b[1:])) && len(b) > 1 {
			t.Errorf("token %d %q is neither whole characters nor part of one", id, b)
		}
	}
	text := "从前有一个小女孩，她叫小红。"
	ids, err := tok.Encode(text)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if b := tok.Bytes(id); !utf8.Valid(b) {
			t.Errorf("Encode(%q) has token %d = %q, not whole characters", text, id, b)
		}
		if d := tok.Display(id); strings.Contains(d, "<0x") {
			t.Errorf("Display(%d) = %q shows bytes", id, d)
		}
	}
	for _, r := range "从前有一个小女孩她叫红" {
		if ids, _ := tok.Encode(string(r)); len(ids) != 1 {
			t.Errorf("Encode(%q) = %v, want one token", string(r), ids)
		}
	}
}
