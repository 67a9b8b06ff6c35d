package tokenizer

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
)

// benchText is a few kilobytes of mixed prose, Go code, numbers and CJK,
// written for this benchmark.
var benchText = strings.Repeat(`The transformer reads its prompt one token at a time. Each token is a
piece of text: often a whole word with its leading space (" the", " model"),
sometimes part of a rare word ("tokenization" becomes "token" + "ization"),
and sometimes a single byte of a character that was split in two.

	func (t *Tokenizer) Encode(text string) ([]int, error) {
		for i := 0; i < len(text); {
			j := nextWord(text, i) // 's, 't, 're, ... are their own words
			ids = t.encodeWord(ids, text[i:j])
			i = j
		}
		return ids, nil
	}

In 2019, GPT-2 had 1,542,000,000 parameters and a vocabulary of 50,257
tokens; its context held 1024 of them. Prices: $3.50, €12,99 & ¥1200!!!
東京は日本の首都です。今日はいい天気ですね。机器学习模型需要大量的数据。
한국어 문장도 조금 넣어 봅니다. Ünïcödé àccents, naïve café — “quotes” … 🙂👍🏽
`, 4)

func BenchmarkEncode(b *testing.B) {
	tok := loadGPT2(b)
	b.SetBytes(int64(len(benchText)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tok.Encode(benchText); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncodeCold encodes with an empty word cache each time, the speed
// for text whose words were never seen.
func BenchmarkEncodeCold(b *testing.B) {
	tok := loadGPT2(b)
	b.SetBytes(int64(len(benchText)))
	b.ReportAllocs()
	for b.Loop() {
		cold := *tok
		cold.cache = newWordCache()
		if _, err := cold.Encode(benchText); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLoad(b *testing.B) {
	vocab, err := os.ReadFile(filepath.Join("testdata", "vocab.json"))
	if err != nil {
		b.Fatal(err)
	}
	merges, err := os.ReadFile(filepath.Join("testdata", "merges.txt"))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Load(vocab, merges); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReadTableFile reads GPT-2's tokenizer from a table file (in the
// page cache), as a cached load does.
func BenchmarkReadTableFile(b *testing.B) {
	path := filepath.Join(b.TempDir(), "gpt2.tokens")
	if err := os.WriteFile(path, tableBytes(b, loadGPT2(b)), 0o644); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ReadTableFile(path, testKey); err != nil {
			b.Fatal(err)
		}
	}
}

// zipfCorpus makes about size bytes of text from GPT-2's word tokens, drawn
// with Zipf frequencies by id (GPT-2's early ids are its common words), in
// lines of a dozen words: a stand-in for English with a realistic spread of
// distinct words.
func zipfCorpus(tb testing.TB, size int) string {
	tok := loadGPT2(tb)
	var lexicon []string
	for id := 256; id < tok.VocabSize()-1; id++ {
		b := tok.Bytes(id)
		if len(b) > 2 && b[0] == ' ' && strings.IndexFunc(string(b[1:]), func(r rune) bool { return !unicode.IsLetter(r) }) < 0 {
			lexicon = append(lexicon, string(b))
		}
	}
	rng := rand.New(rand.NewPCG(1, 1))
	zipf := rand.NewZipf(rng, 1.1, 5, uint64(len(lexicon)-1))
	var sb strings.Builder
	for n := 0; sb.Len() < size; n++ {
		sb.WriteString(lexicon[zipf.Uint64()])
		if n%12 == 11 {
			sb.WriteString(".\n")
		}
	}
	return sb.String()
}

// BenchmarkTrain trains a 4096-token vocabulary on 3 MB of text.
func BenchmarkTrain(b *testing.B) {
	corpus := zipfCorpus(b, 3<<20)
	b.SetBytes(int64(len(corpus)))
	for b.Loop() {
		tok, err := Train(context.Background(), strings.NewReader(corpus), TrainOptions{VocabSize: 4096})
		if err != nil {
			b.Fatal(err)
		}
		if tok.VocabSize() != 4096 {
			b.Fatalf("VocabSize() = %d, want 4096", tok.VocabSize())
		}
	}
}

// BenchmarkLoadParts times the parts of Load on GPT-2's files: vocab.json
// alone, merges.txt alone, and the tables build makes from them.
func BenchmarkLoadParts(b *testing.B) {
	vocab, err := os.ReadFile(filepath.Join("testdata", "vocab.json"))
	if err != nil {
		b.Fatal(err)
	}
	merges, err := os.ReadFile(filepath.Join("testdata", "merges.txt"))
	if err != nil {
		b.Fatal(err)
	}
	b.Run("vocab", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := parseVocab(vocab, "vocab.json"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("merges", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := parseMergesTXT(merges); err != nil {
				b.Fatal(err)
			}
		}
	})
	tokens, ids, err := parseVocab(vocab, "vocab.json")
	if err != nil {
		b.Fatal(err)
	}
	ms, err := parseMergesTXT(merges)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("build", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := buildIndexed(tokens, ids, ms, "merges.txt line %d"); err != nil {
				b.Fatal(err)
			}
		}
	})
}
