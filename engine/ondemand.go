package engine

import (
	"context"
	"fmt"

	"github.com/transformer-explorer/explorer/engine/nn"
)

// What a forward pass computes eagerly and what can be computed later.
//
// State.Append (and Forward, Generate) compute every block and report each
// hook the recorder wants as soon as it exists. Work that only feeds hooks
// is skipped when nobody wants them:
//
//   - the unembedding runs for every position only when the recorder wants
//     logits or the next-token hooks; otherwise only for the last position;
//   - the logit lens (L+1 unembeddings of every position) only when the
//     recorder wants lens.top_ids or lens.top_probs;
//   - a hook is reported only when the recorder wants it, and computed
//     straight into memory the recorder lends when it is a trace.Lender
//     (a trace.Trace is), so that it need not be copied.
//
// For long prompts the big per-layer tensors need not be kept at all:
// attention scores and patterns are NH·T² floats per layer (600 MB of
// patterns for GPT-2 small at T = 1024). A caller that records the cheap
// residual stream (blocks.{l}.hook_resid_pre, T·C floats per layer) can
// recompute them on demand, one layer at a time, with Model.AttentionAt,
// and the logit lens for just the layers and positions on screen with
// Model.LensAt, or the whole lens of a recorded trace with RecordLens (the
// explorer's web page records passes without the lens and adds it when a
// lesson or plot reads it). Both run the same kernels on the same inputs
// as the forward pass, so they reproduce its values (AttentionAt bit for
// bit).

// AttentionAt recomputes block l's attention from the residual stream
// entering it, resid (T, C) — the blocks.{l}.hook_resid_pre of a prompt
// pass — and returns the scores (attn.hook_attn_scores) and the pattern
// (attn.hook_pattern), each (NH, T, T), freshly allocated. For float32
// residuals recorded from a pass over the same T positions the result is
// bit for bit what that pass computed; residuals stored at lower precision
// (an F16 trace file) give values within that precision.
func (m *Model) AttentionAt(ctx context.Context, l int, resid []float32, T int) (scores, pattern []float32, err error) {
	cfg := m.Config
	C, NH, HS := cfg.NEmbd, cfg.NHead, cfg.HeadSize()
	if err := m.checkRecompute(l, resid, T, cfg.NLayer-1); err != nil {
		return nil, nil, fmt.Errorf("engine: attention of block %d: %w", l, err)
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	w := &m.params.Blocks[l]
	p := m.pool
	ln := make([]float32, T*C)
	qkv := make([]float32, T*3*C)
	q, k, v := make([]float32, T*C), make([]float32, T*C), make([]float32, T*C)
	z := make([]float32, T*C)
	scores, pattern = make([]float32, NH*T*T), make([]float32, NH*T*T)
	nn.LayerNormForward(ln, nil, nil, resid, w.Ln1W, w.Ln1B, T, C, float32(cfg.LayerNormEpsilon))
	m.mats.blocks[l].attn.forward(p, qkv, ln, w.AttnB, T)
	splitQKV(q, k, v, qkv, 1, T, T, C)
	nn.AttentionForward(p, z, scores, pattern, q, k, v, 1, T, T, NH, HS)
	return scores, pattern, nil
}

// LensAt computes the logit lens for n rows of a residual stream, resid
// (n, C): the final LayerNorm and the unembedding applied to each row, of
// which the TopK best tokens are written to ids and probs (n, TopK), best
// first, as in the lens.top_ids and lens.top_probs hooks. Pass the rows
// the view shows, e.g. the positions on screen of blocks.{l}.hook_resid_pre
// (or hook_resid_post of the last block for the final row of the lens).
// For float32 residuals the values agree with the lens hooks to float32
// rounding (the matrix kernels may sum in another order for few rows), so
// the ids are the same unless two candidates tie within that rounding.
func (m *Model) LensAt(ctx context.Context, ids, probs, resid []float32, n int) error {
	cfg := m.Config
	C, V := cfg.NEmbd, cfg.VocabSize
	if n <= 0 || len(resid) < n*C {
		return fmt.Errorf("engine: lens: %d residual values for %d rows of %d", len(resid), n, C)
	}
	if len(ids) < n*TopK || len(probs) < n*TopK {
		return fmt.Errorf("engine: lens: outputs hold %d and %d values, want %d", len(ids), len(probs), n*TopK)
	}
	return m.lensRows(ctx, ids, probs, resid, make([]float32, n*C), make([]float32, min(n, lensChunk)*V), n)
}

// checkRecompute validates the layer and residual of an on-demand
// recomputation.
func (m *Model) checkRecompute(l int, resid []float32, T, maxLayer int) error {
	C := m.Config.NEmbd
	if l < 0 || l > maxLayer {
		return fmt.Errorf("layer %d out of range 0..%d", l, maxLayer)
	}
	if T <= 0 || T > m.Config.NPositions {
		return fmt.Errorf("%d positions, want 1..%d", T, m.Config.NPositions)
	}
	if len(resid) < T*C {
		return fmt.Errorf("residual holds %d values, want %d (T=%d × C=%d)", len(resid), T*C, T, C)
	}
	return nil
}
