package engine

import (
	"context"
	"slices"

	"github.com/transformer-explorer/explorer/engine/nn"
	"github.com/transformer-explorer/explorer/trace"
)

// Forward runs a prompt through the model, reporting every hook rec wants
// (rec may be nil), and returns the logits of the last position (V), which
// the caller owns.
func (m *Model) Forward(ctx context.Context, ids []int, rec trace.Recorder) ([]float32, error) {
	s := m.NewState(len(ids))
	logits, err := s.Append(ctx, ids, rec)
	if err != nil {
		return nil, err
	}
	return append([]float32(nil), logits...), nil
}

// Record runs a prompt through the model only as far as the hooks rec
// wants need, and reports them. It skips the blocks after the last one
// with a wanted hook, the MLP half of that block when only hooks before it
// are wanted, and the final LayerNorm and the unembedding unless a hook
// from them on is wanted: recording blocks.0.attn.hook_pattern computes
// one attention half, recording logits computes everything. Hooks are the
// values Forward reports.
//
// Record is a pass of its own, whose state no later pass reads, so it
// keeps less memory than Append: its blocks share one key/value cache
// (passState), and it drops the pages of memory-mapped matrices from the
// process's resident set once no more of the pass reads them (evictAhead):
// the blocks' it does not reach before it starts; each block's after the
// block when the pass's own buffers are large or rec keeps hooks of the
// blocks; and, when the buffers are large, every block's but the first
// before it starts, mapping each again from the page cache as it reaches
// it. So a one-shot command never holds the checkpoint and a long pass's
// activations at once. Other passes map dropped pages again when they
// read them.
func (m *Model) Record(ctx context.Context, ids []int, rec trace.Recorder) error {
	s := m.passState(len(ids))
	r := m.reachOf(rec)
	r.evict = true
	_, err := s.run(ctx, ids, rec, r)
	return err
}

// Append reads ids into the sequence after the positions already cached and
// returns the logits of the last new position (V). The slice belongs to the
// state, or to rec when it lent the logits' memory (trace.Lender): read it
// before the next call, and do not modify it.
//
// Every hook that rec wants is reported as soon as it is computed, with
// trace.Tensor.Offset set to the position of the first new token. Logits
// are computed for every new position only when rec wants the logits or
// the derived next-token hooks; the logit lens only when rec wants it.
// Model.AttentionAt and Model.LensAt recompute a layer's attention or the
// lens of chosen rows later, from a recorded residual stream (see
// ondemand.go for what is eager and what on demand).
// A cancelled ctx, or an error from rec, stops the pass between layers
// and is returned; the state is then unchanged.
func (s *State) Append(ctx context.Context, ids []int, rec trace.Recorder) ([]float32, error) {
	return s.run(ctx, ids, rec, s.m.fullReach())
}

// reach is how much of the model a pass computes.
type reach struct {
	layer int // the last block the pass enters; −1 for the embeddings alone
	half  int // how much of that block: 0 its input, 1 its attention half, 2 all
	final bool
	// evict drops mapped matrices from the resident set once the pass
	// is done with them (linear.evict); see Record.
	evict bool
}

func (m *Model) fullReach() reach { return reach{layer: m.Config.NLayer - 1, half: 2, final: true} }

// reachOf returns how far a pass must go for the hooks rec wants.
func (m *Model) reachOf(rec trace.Recorder) reach {
	for _, name := range []string{trace.LNFinalScale, trace.LNFinalNormalized, trace.Logits,
		trace.NextTopIDs, trace.NextTopProbs, trace.NextLoss, trace.LensTopIDs, trace.LensTopProbs} {
		if trace.Wants(rec, name) {
			return m.fullReach()
		}
	}
	for l := m.Config.NLayer - 1; l >= 0; l-- {
		for i := numBlockHooks - 1; i >= 0; i-- {
			if !trace.Wants(rec, m.hooks[l][i]) {
				continue
			}
			switch {
			case i >= hLN2Scale:
				return reach{layer: l, half: 2}
			case i >= hLN1Scale:
				return reach{layer: l, half: 1}
			}
			return reach{layer: l}
		}
	}
	return reach{layer: -1}
}

// run is Append computing only what r reaches; a pass that does not reach
// the end returns no logits and leaves the state unusable for more.
func (s *State) run(ctx context.Context, ids []int, rec trace.Recorder, r reach) ([]float32, error) {
	m := s.m
	if err := m.checkIDs(ids, len(s.ids)); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	cfg := m.Config
	C, V, L := cfg.NEmbd, cfg.VocabSize, cfg.NLayer
	T, pos := len(ids), len(s.ids)
	Tk := pos + T
	// The hooks live in the state, so that the pass allocates nothing.
	h := &s.hooks
	*h = hooks{rec: rec, offset: pos, lend: true}
	defer func() { s.hooks = hooks{} }()
	wantLens := h.wants(trace.LensTopIDs) || h.wants(trace.LensTopProbs)
	wantNext := h.wants(trace.NextTopIDs) || h.wants(trace.NextTopProbs) || h.wants(trace.NextLoss)
	allLogits := h.wants(trace.Logits) || wantNext
	s.grow(T, Tk, allLogits, wantLens)
	if r.evict {
		r.evict = m.evictAhead(r, s.passBytes(T, Tk, allLogits, h), h)
	}
	f := blockPass{pool: m.pool, cfg: cfg, B: 1, Tq: T, Tk: Tk, h: h, rowOps: s.rowOps, scratchAttention: true}
	w := &m.params

	// Embeddings: x = wte[ids] + wpe[pos : pos+T]. The position rows are
	// contiguous in wpe, so they are reported without a copy.
	emb := h.buffer(trace.Embed, s.emb, T*C)
	nn.EmbedForward(emb, ids, w.WTE, T, C)
	posEmb := w.WPE[pos*C : Tk*C]
	h.emit(trace.Embed, emb, T, C)
	h.emit(trace.PosEmbed, posEmb, T, C)
	x := h.buffer(m.hooks[0][hResidPre], s.x, T*C)
	nn.ResidualForward(x, emb, posEmb, T*C)

	for l := 0; l <= r.layer; l++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if h.err != nil {
			return nil, h.err
		}
		if wantLens {
			if err := s.lens(ctx, x, l, T); err != nil {
				return nil, err
			}
		}
		layer := s.layer(l, Tk)
		switch {
		case l < r.layer || r.half == 2:
			x = f.block(layer, x)
			if r.evict {
				m.mats.blocks[l].evict()
			}
		case r.half == 1:
			h.emit(layer.names[hResidPre], x, T, C)
			f.attention(layer, x)
		default:
			h.emit(layer.names[hResidPre], x, T, C)
		}
	}
	if !r.final {
		return nil, h.err
	}
	if wantLens {
		if err := s.lens(ctx, x, L, T); err != nil {
			return nil, err
		}
	}

	// Final LayerNorm and the unembedding: logits = ln_f(x) · wteᵀ, for
	// every position or only the last.
	ln := f.layerNorm(trace.LNFinalScale, trace.LNFinalNormalized, s.ln, s.mean, s.rstd, s.scale, x, w.LnFW, w.LnFB)
	logits := s.logits
	if allLogits {
		logits = h.buffer(trace.Logits, s.logits, T*V)
		m.mats.lmHead.forward(m.pool, logits, ln, nil, T)
	} else {
		m.mats.lmHead.forward(m.pool, logits, ln[(T-1)*C:], nil, 1)
	}
	h.emit(trace.Logits, logits, T, V)
	if wantNext {
		s.emitNext(h, logits, ids, T)
	}
	if wantLens {
		h.emit(trace.LensTopIDs, s.lensIDs, L+1, T, TopK)
		h.emit(trace.LensTopProbs, s.lensP, L+1, T, TopK)
	}
	if h.err != nil {
		return nil, h.err
	}
	s.ids = append(s.ids, ids...)
	if allLogits {
		return logits[(T-1)*V : T*V], nil
	}
	return logits, nil
}

// layer returns what block l reads and writes in a pass over the
// positions up to Tk: the state's activation buffers, with that block's
// key/value cache.
func (s *State) layer(l, Tk int) blockLayer {
	m := s.m
	C := m.Config.NEmbd
	s.acts.K, s.acts.V = s.k[l][:Tk*C], s.v[l][:Tk*C]
	return blockLayer{w: &m.params.Blocks[l], lin: &m.mats.blocks[l], a: &s.acts, names: &m.hooks[l]}
}

// evictAheadShare is the share of the weights' bytes beyond which a
// pass's own buffers make Record drop the blocks' matrices before it
// starts: with less, the checkpoint and the buffers together stay within
// 1 + 1/evictAheadShare of the checkpoint, and mapping the matrices again
// (≈ 15 ms for GPT-2 small) would cost a short pass more than it saves.
const evictAheadShare = 8

// evictAhead drops, before a pass that reaches r, the mapped matrices of
// the blocks it does not reach, and those of every block after the first
// when the pass touches passBytes of buffers of its own, more than
// 1/evictAheadShare of the weights. It reports whether the pass should
// also drop each block's matrices once the block is done: when its
// buffers are that large, or when h keeps hooks of the blocks, which the
// recorder holds as the pass goes on. Otherwise the checkpoint and all
// the pass writes fit within 1 + 1/evictAheadShare of the checkpoint, and
// dropping would only cost time (the madvise calls took 5–8 ms of a
// 16-token pass of GPT-2 small on the 2-vCPU VM of bench/README.md).
func (m *Model) evictAhead(r reach, passBytes int64, h *hooks) (behind bool) {
	weights := int64(0)
	for _, l := range m.mats.all() {
		weights += 4 * int64(len(l.w))
	}
	from := r.layer + 1
	if passBytes*evictAheadShare > weights {
		from = 1
		behind = true
	}
	for l := max(from, 0); l < len(m.mats.blocks); l++ {
		m.mats.blocks[l].evict()
	}
	for l := 0; l <= r.layer && !behind; l++ {
		behind = slices.ContainsFunc(m.hooks[l][:], h.wants)
	}
	return behind
}

// passBytes estimates the bytes a pass of T new positions (Tk in all)
// writes into buffers of its own: the activations of a block, the
// logits of every position when they are wanted, and the attention
// scores and pattern when a hook wants them.
func (s *State) passBytes(T, Tk int, allLogits bool, h *hooks) int64 {
	c := s.m.Config
	n := int64(T) * int64(12*c.NEmbd+2*c.Inner())
	if allLogits {
		n += int64(T) * int64(c.VocabSize)
	}
	for l := 0; l < c.NLayer; l++ {
		if h.wants(s.m.hooks[l][hScores]) || h.wants(s.m.hooks[l][hPattern]) {
			n += 2 * int64(c.NHead) * int64(T) * int64(Tk)
			break
		}
	}
	return 4 * n
}
