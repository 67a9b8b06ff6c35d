package tokenizer

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func symbols(tok *Tokenizer, word string) []int32 {
	syms := make([]int32, len(word))
	for i := range len(word) {
		syms[i] = tok.byteIDs[word[i]]
	}
	return syms
}

// TestMergeLongMatchesShort checks the heap-based merge used for long words
// against the direct transcription of the reference loop, on random words
// built from pieces that GPT-2 merges a lot.
func TestMergeLongMatchesShort(t *testing.T) {
	tok := loadGPT2(t)
	pieces := []string{"a", "b", "e", "th", "the", "in", "ing", "er", "an", "aa", "ee", "ll", "Ġ", "1", "00", "\xe6", "\x97"}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		var sb strings.Builder
		for range 1 + rng.IntN(60) {
			sb.WriteString(pieces[rng.IntN(len(pieces))])
		}
		word := sb.String()
		short := tok.mergeShort(symbols(tok, word))
		long := tok.mergeLong(symbols(tok, word))
		if !slices.Equal(short, long) {
			t.Fatalf("word %q: mergeLong = %v, mergeShort = %v", word, long, short)
		}
	}
}

// TestMergeOrderOddMerges checks both merge methods on a merge list where
// merging a pair creates a pair of lower rank ("ab a" is listed before
// "a b"). The reference still merges every occurrence of the current pair
// first; a careless heap would take the new, better-ranked pair at once.
func TestMergeOrderOddMerges(t *testing.T) {
	tokens := append(byteTokens(t), "ab", "aba")
	tok, err := Load([]byte(vocabJSON(t, tokens)), []byte("ab a\na b\n"))
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 3000 {
		b := make([]byte, 1+rng.IntN(80))
		for i := range b {
			b[i] = "ab"[rng.IntN(2)]
		}
		short := tok.mergeShort(symbols(tok, string(b)))
		long := tok.mergeLong(symbols(tok, string(b)))
		if !slices.Equal(short, long) {
			t.Fatalf("word %q: mergeLong = %v, mergeShort = %v", b, long, short)
		}
	}
	// Worked by hand with the reference loop: in "abab" both "a b" merge
	// before "ab a" is looked at, leaving no ranked pair; in "aba" the one
	// "a b" merges, then "ab a".
	for _, c := range []struct {
		word string
		want []string
	}{
		{"abab", []string{"ab", "ab"}},
		{"aba", []string{"aba"}},
		{"ababa", []string{"ab", "aba"}},
	} {
		for name, merged := range map[string][]int32{
			"mergeShort": tok.mergeShort(symbols(tok, c.word)),
			"mergeLong":  tok.mergeLong(symbols(tok, c.word)),
		} {
			got := make([]string, len(merged))
			for i, id := range merged {
				got[i] = tok.Token(int(id))
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("%s(%q) = %q, want %q", name, c.word, got, c.want)
			}
		}
	}
}

func TestLongWords(t *testing.T) {
	tok := loadGPT2(t)
	for _, text := range []string{
		strings.Repeat("a", 5000),
		strings.Repeat("the", 1000),
		strings.Repeat("日本語", 500),
		strings.Repeat("!?", 700),
		strings.Repeat(" ", 3000),
		strings.Repeat("1234567890", 300),
	} {
		ids, err := tok.Encode(text)
		if err != nil {
			t.Fatal(err)
		}
		back, err := tok.Decode(ids)
		if err != nil || string(back) != text {
			t.Errorf("Decode(Encode(%.20q...)) does not give the text back", text)
		}
		// The long path must agree with the direct method on the same word.
		for i := 0; i < len(text); {
			j := nextWord(text, i)
			short := tok.mergeShort(symbols(tok, text[i:j]))
			long := tok.mergeLong(symbols(tok, text[i:j]))
			if !slices.Equal(short, long) {
				t.Errorf("word %.20q... of %d bytes: mergeLong and mergeShort differ", text[i:j], j-i)
			}
			i = j
		}
	}
}

// TestCacheBounded encodes many distinct words and checks that the word
// cache stays within its bound and still answers correctly.
func TestCacheBounded(t *testing.T) {
	tok, err := gpt2()
	if err != nil {
		t.Fatal(err)
	}
	// A fresh tokenizer sharing the vocabulary, with its own empty cache.
	fresh := *tok
	fresh.cache = newWordCache()
	limit := 2 * cacheShards * cacheShardSize
	var sb strings.Builder
	for i := range 3 * limit {
		fmt.Fprintf(&sb, " w%xq", i*7919)
	}
	text := sb.String()
	ids, err := fresh.Encode(text)
	if err != nil {
		t.Fatal(err)
	}
	if n := fresh.cache.len(); n > limit || n < cacheShardSize {
		t.Errorf("cache holds %d words after %d distinct ones, want between %d and %d", n, 3*limit, cacheShardSize, limit)
	}
	again, _ := fresh.Encode(text)
	if !slices.Equal(ids, again) {
		t.Errorf("second Encode of the same text differs from the first")
	}
	back, _ := fresh.Decode(ids)
	if string(back) != text {
		t.Errorf("Decode(Encode(text)) differs from text")
	}
}
