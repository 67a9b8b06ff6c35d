package engine

import (
	"slices"

	"github.com/transformer-explorer/explorer/engine/pages"
)

// A State holds one sequence as the model has read it so far: the key and
// value cache of every layer and the activation buffers of a pass. Buffers
// only grow, so once a state has served a pass of some size, passes up to
// that size (and every single-token decode step) allocate nothing.
//
// A State is not safe for concurrent use; use one per sequence.
type State struct {
	m   *Model
	ids []int // the tokens in the cache, positions 0..len(ids)-1

	k, v [][]float32 // per layer (cap positions, C); rows are [NH, HS]

	// Activations of the current pass, T rows; see forward.go.
	x       []float32 // (T, C) residual stream
	emb     []float32 // (T, C) token embeddings
	ln      []float32 // (T, C) LayerNorm output
	mean    []float32 // (T)
	rstd    []float32 // (T)
	scale   []float32 // (T) 1/rstd for the hook_scale hooks
	qkv     []float32 // (T, 3C)
	q       []float32 // (T, C)
	preatt  []float32 // (NH, T, Tk)
	att     []float32 // (NH, T, Tk)
	z       []float32 // (T, C)
	proj    []float32 // (T, C) attention or MLP output before the residual add
	fc      []float32 // (T, F)
	fcGelu  []float32 // (T, F)
	logits  []float32 // (T or 1, V)
	lensIDs []float32 // (L+1, T, TopK)
	lensP   []float32 // (L+1, T, TopK)
	lensLN  []float32 // (T, C) scratch for the lens
	lensZ   []float32 // (min(T, lensChunk), V) scratch for the lens
	topIDs  []float32 // (T, TopK)
	topP    []float32 // (T, TopK)
	loss    []float32 // (T-1)

	acts   BlockActs // the buffers above as a block sees them; see grow
	rowOps *rowOps
	hooks  hooks // the hooks of the pass that is running
}

// NewState returns an empty sequence with room for capacity positions
// before its cache has to grow (0 picks a small default).
func (m *Model) NewState(capacity int) *State {
	capacity = min(max(capacity, 16), m.Config.NPositions)
	s := &State{m: m, k: make([][]float32, m.Config.NLayer), v: make([][]float32, m.Config.NLayer), rowOps: newRowOps()}
	for l := range s.k {
		s.k[l] = make([]float32, 0, capacity*m.Config.NEmbd)
		s.v[l] = make([]float32, 0, capacity*m.Config.NEmbd)
	}
	return s
}

// passState returns a state for a single pass of T positions whose cache
// no later pass reads (Model.Record): every layer writes its keys and
// values into the same buffers, which a layer reads only while it runs,
// so the pass touches one layer's cache instead of L (T·C·2·(L−1) floats
// less, 35 MB for GPT-2 small at T = 512). The state cannot be continued.
func (m *Model) passState(T int) *State {
	C := m.Config.NEmbd
	s := &State{m: m, k: make([][]float32, m.Config.NLayer), v: make([][]float32, m.Config.NLayer), rowOps: newRowOps()}
	k, v := make([]float32, 0, T*C), make([]float32, 0, T*C)
	for l := range s.k {
		s.k[l], s.v[l] = k, v
	}
	return s
}

// Len returns the number of positions in the cache.
func (s *State) Len() int { return len(s.ids) }

// IDs returns the tokens read so far. The slice is the state's: do not
// modify it.
func (s *State) IDs() []int { return s.ids }

// Clone returns an independent copy of the sequence, to continue it in
// several ways (n samples of one prompt) without recomputing the prompt.
func (s *State) Clone() *State {
	c := &State{m: s.m, ids: slices.Clone(s.ids), k: make([][]float32, len(s.k)), v: make([][]float32, len(s.v)), rowOps: newRowOps()}
	for l := range s.k {
		c.k[l] = append(make([]float32, 0, cap(s.k[l])), s.k[l]...)
		c.v[l] = append(make([]float32, 0, cap(s.v[l])), s.v[l]...)
	}
	return c
}

// Truncate drops every position from n on, so the sequence can be rewound
// (to undo generated tokens) without recomputing what stays.
func (s *State) Truncate(n int) {
	if n < 0 || n >= len(s.ids) {
		return
	}
	C := s.m.Config.NEmbd
	s.ids = s.ids[:n]
	for l := range s.k {
		s.k[l] = s.k[l][:n*C]
		s.v[l] = s.v[l][:n*C]
	}
}

// grow sizes the activation buffers for a pass of T new positions with Tk
// positions in all.
func (s *State) grow(T, Tk int, allLogits, lens bool) {
	c := s.m.Config
	C, F, V, NH, L := c.NEmbd, c.Inner(), c.VocabSize, c.NHead, c.NLayer
	rows := 1
	if allLogits {
		rows = T
	}
	bufs := []sizedBuf{
		{&s.x, T * C}, {&s.emb, T * C}, {&s.ln, T * C}, {&s.mean, T}, {&s.rstd, T}, {&s.scale, T},
		{&s.qkv, T * 3 * C}, {&s.q, T * C}, {&s.preatt, NH * T * Tk}, {&s.att, NH * T * Tk},
		{&s.z, T * C}, {&s.proj, T * C}, {&s.fc, T * F}, {&s.fcGelu, T * F},
		{&s.topIDs, T * TopK}, {&s.topP, T * TopK}, {&s.loss, max(T-1, 1)},
		{&s.logits, rows * V},
	}
	if lens {
		bufs = append(bufs, sizedBuf{&s.lensIDs, (L + 1) * T * TopK}, sizedBuf{&s.lensP, (L + 1) * T * TopK},
			sizedBuf{&s.lensLN, T * C}, sizedBuf{&s.lensZ, min(T, lensChunk) * V})
	}
	resize(bufs)
	for l := range s.k {
		s.k[l] = growCache(s.k[l], Tk*C)
		s.v[l] = growCache(s.v[l], Tk*C)
	}
	// One set of buffers serves every block, and both halves of one (see
	// BlockActs); K and V are set per block (State.layer).
	s.acts = BlockActs{
		LN1: s.ln, LN1Mean: s.mean, LN1Rstd: s.rstd,
		QKV: s.qkv, Q: s.q, Scores: s.preatt, Pattern: s.att, Z: s.z,
		AttnOut: s.proj, ResidMid: s.x,
		LN2: s.ln, LN2Mean: s.mean, LN2Rstd: s.rstd,
		Pre: s.fc, Post: s.fcGelu, MLPOut: s.proj, ResidPost: s.x,
		Scale: s.scale,
	}
}

// A sizedBuf is a buffer and the length a pass needs it to have.
type sizedBuf struct {
	buf *[]float32
	n   int
}

// resize gives every buffer its length, reallocating those that are too
// small, with a quarter more room. Those are made together, from one
// allocation in whole huge pages when it is large enough
// (pages.HugeFloats): a pass writes all of them, and on a VM that charges
// ≈ 12 µs per fresh 4 KiB page the 8 MB of a 128-position pass of GPT-2
// small cost ≈ 2,000 faults in 4 KiB pages, 25 ms, where huge pages cost
// four. A buffer that is not reallocated keeps its memory and contents.
func resize(bufs []sizedBuf) {
	room := func(n int) int { return (n + n/4 + 15) &^ 15 } // 64-byte aligned
	need := 0
	for _, b := range bufs {
		if cap(*b.buf) < b.n {
			need += room(b.n)
		}
	}
	arena := pages.HugeFloats(need)
	for _, b := range bufs {
		if cap(*b.buf) >= b.n {
			*b.buf = (*b.buf)[:b.n]
			continue
		}
		c := room(b.n)
		*b.buf, arena = arena[:b.n:c], arena[c:]
	}
}

// growCache extends a cache to length n, keeping its contents and doubling
// its capacity when it must move.
func growCache(buf []float32, n int) []float32 {
	if cap(buf) >= n {
		return buf[:n]
	}
	out := pages.NewFloats(n, max(n, 2*cap(buf)))
	copy(out, buf)
	return out
}
