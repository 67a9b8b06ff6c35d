package tokenizer

import "math"

// This file applies the merges to one pre-tokenized word. The rule is
// OpenAI's: find the adjacent pair with the lowest rank (earliest line in
// merges.txt), merge every occurrence of it from left to right, and repeat
// until no adjacent pair has a rank.

// merge is what a listed pair turns into.
type merge struct {
	rank   int32 // position in merges.txt, 0 first
	result int32 // id of the merged token
}

// pairKey packs an ordered pair of token ids into a map key.
func pairKey(left, right int32) uint64 {
	return uint64(uint32(left))<<32 | uint64(uint32(right))
}

// shortWord is the longest word, in bytes, merged with the direct quadratic
// method; longer words use a heap so that adversarial input (a megabyte
// without a space) stays O(n log n).
const shortWord = 48

// bpe appends the ids of word to dst.
func (t *Tokenizer) bpe(dst []int, word string) []int {
	if len(word) <= shortWord {
		var buf [shortWord]int32
		syms := buf[:len(word)]
		for i := range len(word) {
			syms[i] = t.byteIDs[word[i]]
		}
		for _, id := range t.mergeShort(syms) {
			dst = append(dst, int(id))
		}
		return dst
	}
	syms := make([]int32, len(word))
	for i := range len(word) {
		syms[i] = t.byteIDs[word[i]]
	}
	for _, id := range t.mergeLong(syms) {
		dst = append(dst, int(id))
	}
	return dst
}

// mergeShort merges syms in place, the way the reference does: scan for the
// best pair, merge all its occurrences, repeat. It returns the merged prefix
// of syms.
func (t *Tokenizer) mergeShort(syms []int32) []int32 {
	for len(syms) > 1 {
		best := merge{rank: math.MaxInt32}
		var left, right int32
		for i := 0; i+1 < len(syms); i++ {
			if m, ok := t.ranks.get(pairKey(syms[i], syms[i+1])); ok && m.rank < best.rank {
				best, left, right = m, syms[i], syms[i+1]
			}
		}
		if best.rank == math.MaxInt32 {
			break
		}
		out := 0
		for i := 0; i < len(syms); i++ {
			if i+1 < len(syms) && syms[i] == left && syms[i+1] == right {
				syms[out] = best.result
				i++
			} else {
				syms[out] = syms[i]
			}
			out++
		}
		syms = syms[:out]
	}
	return syms
}

// candidate is a heap entry: the pair that starts at node pos, which was
// (left, right) when it was pushed.
type candidate struct {
	rank, pos, left, right int32
}

// candidateHeap is a min-heap of candidates ordered by rank, then position.
type candidateHeap []candidate

func (h candidateHeap) less(i, j int) bool {
	if h[i].rank != h[j].rank {
		return h[i].rank < h[j].rank
	}
	return h[i].pos < h[j].pos
}

func (h *candidateHeap) push(c candidate) {
	*h = append(*h, c)
	s := *h
	for i := len(s) - 1; i > 0; {
		p := (i - 1) / 2
		if !s.less(i, p) {
			break
		}
		s[i], s[p] = s[p], s[i]
		i = p
	}
}

func (h *candidateHeap) pop() candidate {
	s := *h
	top := s[0]
	last := len(s) - 1
	s[0] = s[last]
	s = s[:last]
	for i := 0; ; {
		l, r, m := 2*i+1, 2*i+2, i
		if l < len(s) && s.less(l, m) {
			m = l
		}
		if r < len(s) && s.less(r, m) {
			m = r
		}
		if m == i {
			break
		}
		s[i], s[m] = s[m], s[i]
		i = m
	}
	*h = s
	return top
}

// mergeLong gives the same result as mergeShort in O(n log n). The symbols
// form a linked list; every adjacent pair that has a rank is in a heap.
// Merging proceeds in rounds: a round takes every heap entry of the lowest
// rank, which are all the occurrences of that pair, and merges them from
// left to right (skipping entries made stale by an earlier merge). Pairs a
// merge creates always differ from the pair being merged, and go to the heap
// for a later round, just as the reference looks at them only after the
// current pair is done.
func (t *Tokenizer) mergeLong(syms []int32) []int32 {
	n := len(syms)
	next := make([]int32, n)
	prev := make([]int32, n)
	for i := range n {
		next[i], prev[i] = int32(i+1), int32(i-1)
	}
	next[n-1] = -1
	var h candidateHeap
	pushPair := func(pos int32) {
		if pos < 0 || next[pos] < 0 {
			return
		}
		l, r := syms[pos], syms[next[pos]]
		if m, ok := t.ranks.get(pairKey(l, r)); ok {
			h.push(candidate{rank: m.rank, pos: pos, left: l, right: r})
		}
	}
	for i := range n - 1 {
		pushPair(int32(i))
	}
	var round []candidate
	for len(h) > 0 {
		round = append(round[:0], h.pop())
		for len(h) > 0 && h[0].rank == round[0].rank {
			round = append(round, h.pop())
		}
		m, _ := t.ranks.get(pairKey(round[0].left, round[0].right))
		for _, c := range round {
			if syms[c.pos] != c.left || next[c.pos] < 0 || syms[next[c.pos]] != c.right {
				continue // stale: one of its symbols was merged already
			}
			dead := next[c.pos]
			syms[c.pos] = m.result
			syms[dead] = -1
			next[c.pos] = next[dead]
			if next[dead] >= 0 {
				prev[next[dead]] = c.pos
			}
			pushPair(prev[c.pos])
			pushPair(c.pos)
		}
	}
	out := syms[:0]
	for i := int32(0); i >= 0; i = next[i] {
		out = append(out, syms[i])
	}
	return out
}
