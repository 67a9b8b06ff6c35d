package tokenizer

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"unicode/utf8"
)

// TrainOptions configures Train. The zero value of a field means its
// default.
type TrainOptions struct {
	// VocabSize is the number of tokens to end with, counting the 256 byte
	// tokens and "<|endoftext|>", so at least 257; for example 4096.
	// Training stops early, with fewer tokens, when no pair occurs
	// MinFrequency times any more.
	VocabSize int
	// MinFrequency is how often a pair must occur in the corpus to be
	// merged. Default 2.
	MinFrequency int
	// WholeCharacters restricts merges to those that keep characters
	// whole: a merge either joins the bytes of one UTF-8 character
	// (making a prefix of it, or all of it) or joins two tokens that are
	// both whole characters. Every token is then either a run of whole
	// characters or a part of one character, every character inside a
	// longer token is a token of its own, and encoded text splits only at
	// character boundaries, so tokens of Chinese text display as
	// characters, never as stray bytes. Plain byte-level BPE (false)
	// merges whatever pair is most frequent, which for Chinese often
	// joins the last byte of one character to the first of the next.
	WholeCharacters bool
}

// ErrTrainOptions is wrapped by the error Train returns for invalid
// TrainOptions.
var ErrTrainOptions = errors.New("tokenizer: invalid training options")

// Train learns a byte-level BPE vocabulary from corpus, which must be valid
// UTF-8 (read to its end, so meant for corpora of some megabytes).
//
// The corpus is split into words by GPT-2's pre-tokenizer, as Encode does.
// Ids 0..255 are the single bytes in the order GPT-2 gives them. Then,
// repeatedly, the pair of adjacent tokens that occurs most often within the
// words becomes a new token with the next id, until the vocabulary has
// VocabSize-1 tokens; ties go to the pair whose left token's bytes sort
// first, then its right token's. Last, "<|endoftext|>" is added with the
// highest id.
//
// The result is deterministic: the same corpus and options give the same
// tokenizer. Train returns ctx.Err() if ctx is cancelled first.
func Train(ctx context.Context, corpus io.Reader, opt TrainOptions) (*Tokenizer, error) {
	if opt.MinFrequency == 0 {
		opt.MinFrequency = 2
	}
	if opt.VocabSize < 257 || opt.MinFrequency < 1 {
		return nil, fmt.Errorf("%w: VocabSize %d (want at least 257: 256 bytes and <|endoftext|>), MinFrequency %d (want at least 1, or 0 for 2)",
			ErrTrainOptions, opt.VocabSize, opt.MinFrequency)
	}
	data, err := io.ReadAll(corpus)
	if err != nil {
		return nil, fmt.Errorf("tokenizer: train: reading corpus: %w", err)
	}
	text := string(data)
	if !utf8.ValidString(text) {
		return nil, fmt.Errorf("tokenizer: train: corpus: %w", &UTF8Error{Offset: invalidUTF8Offset(text)})
	}
	tr, err := newTrainer(ctx, text, opt.WholeCharacters)
	if err != nil {
		return nil, err
	}
	for len(tr.tokens) < opt.VocabSize-1 {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		best, ok := tr.best()
		if !ok || best.count < int64(opt.MinFrequency) {
			break
		}
		tr.merge(best.left, best.right)
	}
	return tr.tokenizer()
}

// trainWord is one distinct pre-tokenized word of the corpus, as token ids,
// with the number of times it occurs.
type trainWord struct {
	syms  []int32
	count int64
}

// trainer holds the state of BPE training. Pair counts are kept up to date
// incrementally: a merge only visits the words that contain the merged
// pair, and only changes the counts of the pairs next to each occurrence.
type trainer struct {
	tokens []string         // raw bytes of each token, by id
	idOf   map[string]int32 // raw bytes -> id
	merges [][2]int32       // learned merges, in order
	words  []trainWord
	counts map[uint64]int64   // pair -> occurrences in the corpus
	where  map[uint64][]int32 // pair -> words that may contain it (a superset)
	heap   pairHeap
	// whole, when set, limits merges to those that keep characters whole
	// (TrainOptions.WholeCharacters).
	whole bool
}

// push adds a pair to the heap unless merging it is not allowed.
func (tr *trainer) push(p pairCount) {
	if tr.whole && !keepsCharacters(tr.tokens[p.left], tr.tokens[p.right]) {
		return
	}
	tr.heap.push(p)
}

// keepsCharacters reports whether merging the raw tokens a and b keeps
// characters whole: both are whole characters, or a+b is part of one
// character (a begins with a UTF-8 leading byte and is incomplete, b is
// continuation bytes, and together they are not longer than the
// character the leading byte announces).
func keepsCharacters(a, b string) bool {
	if utf8.ValidString(a) && utf8.ValidString(b) {
		return true
	}
	if a == "" || !utf8.RuneStart(a[0]) || utf8.FullRuneInString(a) {
		return false
	}
	for i := range len(b) {
		if utf8.RuneStart(b[i]) {
			return false
		}
	}
	want := 0
	switch c := a[0]; {
	case c&0xE0 == 0xC0:
		want = 2
	case c&0xF0 == 0xE0:
		want = 3
	case c&0xF8 == 0xF0:
		want = 4
	default:
		return false
	}
	return len(a)+len(b) <= want
}

func newTrainer(ctx context.Context, text string, whole bool) (*trainer, error) {
	freq := make(map[string]int64)
	for i, n := 0, 0; i < len(text); n++ {
		if n%(1<<16) == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		j := nextWord(text, i)
		freq[text[i:j]]++
		i = j
	}
	distinct := make([]string, 0, len(freq))
	for w := range freq {
		distinct = append(distinct, w)
	}
	slices.Sort(distinct)

	tr := &trainer{
		idOf:   make(map[string]int32),
		words:  make([]trainWord, len(distinct)),
		counts: make(map[uint64]int64),
		where:  make(map[uint64][]int32),
		whole:  whole,
	}
	for _, b := range gpt2Alphabet.order {
		tr.addToken(string([]byte{b}))
	}
	for wi, w := range distinct {
		syms := make([]int32, len(w))
		for i := range len(w) {
			syms[i] = tr.idOf[w[i:i+1]]
		}
		tr.words[wi] = trainWord{syms: syms, count: freq[w]}
		for i := 0; i+1 < len(syms); i++ {
			k := pairKey(syms[i], syms[i+1])
			tr.counts[k] += freq[w]
			tr.noteWhere(k, int32(wi))
		}
	}
	tr.heap.tokens = tr.tokens
	for k, n := range tr.counts {
		tr.push(pairCount{count: n, left: int32(k >> 32), right: int32(uint32(k))})
	}
	return tr, nil
}

func (tr *trainer) addToken(raw string) int32 {
	id := int32(len(tr.tokens))
	tr.tokens = append(tr.tokens, raw)
	tr.idOf[raw] = id
	return id
}

// noteWhere records that word wi contains pair k. Words are visited in
// increasing order within one pass, so checking the last entry is enough to
// keep the list free of repeats.
func (tr *trainer) noteWhere(k uint64, wi int32) {
	ws := tr.where[k]
	if len(ws) == 0 || ws[len(ws)-1] != wi {
		tr.where[k] = append(ws, wi)
	}
}

// best pops the most frequent pair off the heap, skipping and refreshing
// entries whose count went down since they were pushed.
func (tr *trainer) best() (pairCount, bool) {
	for len(tr.heap.items) > 0 {
		top := tr.heap.pop()
		cur := tr.counts[pairKey(top.left, top.right)]
		if cur == top.count {
			return top, true
		}
		if cur > 0 {
			top.count = cur
			tr.heap.push(top)
		}
	}
	return pairCount{}, false
}

// merge replaces every occurrence of (left, right) in the words by a new
// token (or an existing one with the same bytes) and updates the pair
// counts.
func (tr *trainer) merge(left, right int32) {
	k := pairKey(left, right)
	raw := tr.tokens[left] + tr.tokens[right]
	// A merge should never spell an existing token: wherever a byte string
	// became one token, its symbols were merged in the same order, since a
	// neighbour taking one of them would have kept it from becoming one
	// token. Should it happen anyway, reusing the id keeps the vocabulary
	// free of duplicates.
	c, exists := tr.idOf[raw]
	if !exists {
		c = tr.addToken(raw)
		tr.heap.tokens = tr.tokens
	}
	tr.merges = append(tr.merges, [2]int32{left, right})

	var grown []uint64 // pairs with c, whose counts went up
	add := func(l, r int32, n int64, wi int32) {
		pk := pairKey(l, r)
		tr.counts[pk] += n
		if n > 0 {
			grown = append(grown, pk)
			tr.noteWhere(pk, wi)
		}
	}
	for _, wi := range tr.where[k] {
		w := &tr.words[wi]
		s, n := w.syms, w.count
		out := 0
		for i := 0; i < len(s); i++ {
			if i+1 < len(s) && s[i] == left && s[i+1] == right {
				// The pairs on either side of this occurrence change. prev
				// is the already rewritten symbol before it (maybe c from
				// an occurrence just merged); next is still the original.
				if out > 0 {
					add(s[out-1], left, -n, wi)
					add(s[out-1], c, n, wi)
				}
				if i+2 < len(s) {
					add(right, s[i+2], -n, wi)
					add(c, s[i+2], n, wi)
				}
				tr.counts[k] -= n
				s[out] = c
				i++
			} else {
				s[out] = s[i]
			}
			out++
		}
		w.syms = s[:out]
	}
	delete(tr.counts, k)
	delete(tr.where, k)
	slices.Sort(grown)
	for _, pk := range slices.Compact(grown) {
		if n := tr.counts[pk]; n > 0 {
			tr.push(pairCount{count: n, left: int32(pk >> 32), right: int32(uint32(pk))})
		}
	}
}

// tokenizer makes the Tokenizer from what was learned, adding
// "<|endoftext|>".
func (tr *trainer) tokenizer() (*Tokenizer, error) {
	vocab := make([]string, 0, len(tr.tokens)+1)
	for _, raw := range tr.tokens {
		vocab = append(vocab, gpt2Alphabet.encode([]byte(raw)))
	}
	// No learned token can spell "<|endoftext|>": the pre-tokenizer splits
	// it into "<|", "endoftext" and "|>", and merges stay within words.
	vocab = append(vocab, EndOfTextToken)
	merges := make([]mergeSpec, len(tr.merges))
	for i, m := range tr.merges {
		merges[i] = mergeSpec{left: vocab[m[0]], right: vocab[m[1]], pos: i}
	}
	t, err := build(vocab, merges, "learned merge %d")
	if err != nil {
		return nil, fmt.Errorf("tokenizer: train: %w", err) // an internal inconsistency
	}
	return t, nil
}

// pairCount is a heap entry: a pair and its count when pushed.
type pairCount struct {
	count       int64
	left, right int32
}

// pairHeap is a max-heap of pair counts; among equal counts the pair whose
// tokens' bytes sort first is on top.
type pairHeap struct {
	items  []pairCount
	tokens []string // raw bytes by id, for tie-breaking
}

func (h *pairHeap) less(a, b pairCount) bool {
	if a.count != b.count {
		return a.count > b.count
	}
	if c := cmp.Compare(h.tokens[a.left], h.tokens[b.left]); c != 0 {
		return c < 0
	}
	return h.tokens[a.right] < h.tokens[b.right]
}

func (h *pairHeap) push(p pairCount) {
	h.items = append(h.items, p)
	s := h.items
	for i := len(s) - 1; i > 0; {
		parent := (i - 1) / 2
		if !h.less(s[i], s[parent]) {
			break
		}
		s[i], s[parent] = s[parent], s[i]
		i = parent
	}
}

func (h *pairHeap) pop() pairCount {
	s := h.items
	top := s[0]
	last := len(s) - 1
	s[0] = s[last]
	s = s[:last]
	for i := 0; ; {
		l, r, m := 2*i+1, 2*i+2, i
		if l < len(s) && h.less(s[l], s[m]) {
			m = l
		}
		if r < len(s) && h.less(s[r], s[m]) {
			m = r
		}
		if m == i {
			break
		}
		s[i], s[m] = s[m], s[i]
		i = m
	}
	h.items = s
	return top
}
