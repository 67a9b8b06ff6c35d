package train

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/transformer-explorer/explorer/engine/tokenizer"
)

// EncodeCorpus tokenizes text for training. Documents are separated by the
// literal "<|endoftext|>" (as the corpus package writes them); each is
// encoded on its own and followed by the end-of-text token, so the model
// learns where a story ends. Text without separators is one document.
func EncodeCorpus(ctx context.Context, tok *tokenizer.Tokenizer, text string) ([]int, error) {
	var ids []int
	eot := tok.EndOfText()
	for i, doc := range strings.Split(text, tokenizer.EndOfTextToken) {
		if i%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		doc = strings.TrimSpace(doc)
		if doc == "" {
			continue
		}
		d, err := tok.Encode(doc)
		if err != nil {
			return nil, fmt.Errorf("train: encode corpus: %w", err)
		}
		ids = append(ids, d...)
		if eot >= 0 {
			ids = append(ids, eot)
		}
	}
	return ids, nil
}

// A Split is the token stream divided into a training part and a held-out
// validation part (the last fraction of the tokens, so no window of the
// validation part was trained on).
type Split struct {
	Train, Val []int
}

// SplitTokens holds out the last valFrac of ids (at least T+1 tokens when
// there are enough, and none when valFrac is 0).
func SplitTokens(ids []int, valFrac float64, T int) Split {
	n := int(float64(len(ids)) * valFrac)
	if valFrac > 0 {
		n = max(n, T+1)
	}
	if n >= len(ids) {
		n = 0
	}
	return Split{Train: ids[:len(ids)-n], Val: ids[len(ids)-n:]}
}

// sampleBatch fills inputs and targets (B, T) with B windows of ids at
// offsets drawn from r: targets are the inputs shifted by one token.
func sampleBatch(r *rand.Rand, ids, inputs, targets []int, B, T int) {
	for b := 0; b < B; b++ {
		off := r.IntN(len(ids) - T)
		copy(inputs[b*T:(b+1)*T], ids[off:off+T])
		copy(targets[b*T:(b+1)*T], ids[off+1:off+T+1])
	}
}

// evalBatch fills inputs and targets with the i-th of the fixed
// evaluation windows of ids: consecutive windows of T+1 tokens, so the
// validation loss is always measured on the same text.
func evalBatch(i int, ids, inputs, targets []int, B, T int) {
	windows := (len(ids) - 1) / T
	for b := 0; b < B; b++ {
		off := ((i*B + b) % windows) * T
		copy(inputs[b*T:(b+1)*T], ids[off:off+T])
		copy(targets[b*T:(b+1)*T], ids[off+1:off+T+1])
	}
}

// repeatRows replaces each batch row, with probability frac, by bos and a
// sequence of n random tokens from [lo, hi) repeated until the row is
// full: the second copy is predictable only by looking back. n is 2 with
// probability pairs, else drawn from [8, maxLen] (maxLen ≤ 0 or above
// T/2 means T/2; below 8, n is maxLen). With pairs = 0 the draws are
// those of a run without the option, so recipes made before it replay.
func repeatRows(r *rand.Rand, frac, pairs float64, inputs, targets []int, B, T, maxLen, lo, hi, bos int) {
	row := make([]int, T+1)
	if maxLen <= 0 || maxLen > T/2 {
		maxLen = T / 2
	}
	minLen := min(8, maxLen)
	for b := 0; b < B; b++ {
		if r.Float64() >= frac {
			continue
		}
		n := minLen + r.IntN(max(1, maxLen-minLen+1))
		if pairs > 0 && r.Float64() < pairs {
			n = 2
		}
		seq := ProbeTokens(r, n, lo, hi, bos)[1 : n+1]
		for n == 2 && seq[1] == seq[0] && hi-lo > 2 {
			seq[1] = ProbeTokens(r, 1, lo, hi, bos)[1] // ABAB needs A ≠ B
		}
		row[0] = bos
		for i := 1; i <= T; i++ {
			row[i] = seq[(i-1)%n]
		}
		copy(inputs[b*T:(b+1)*T], row[:T])
		copy(targets[b*T:(b+1)*T], row[1:])
	}
}
