package nn

import "github.com/transformer-explorer/explorer/engine/kernel"

// AttentionForward is causal multi-head self-attention for B sequences,
// given the queries of this pass and the keys and values of every position
// so far:
//
//	preatt = Q Kᵀ / √HS, masked: −∞ where key j > query position
//	att    = softmax(preatt) over keys
//	out    = att · V
//
// q is (B, Tq, C), k and v are (B, Tk, C), each row holding NH heads of HS
// channels side by side (C = NH·HS). preatt and att are (B, NH, Tq, Tk);
// out is (B, Tq, C). Query row i stands at position Tk−Tq+i and sees keys
// 0..Tk−Tq+i, so one function serves a whole prompt (Tq = Tk) and a token
// decoded against a key/value cache (Tq = 1). Masked cells are −Inf in
// preatt and exactly 0 in att, which is what the trace reports as
// attn.hook_attn_scores and attn.hook_pattern. preatt and att may both be
// nil when nothing reads them: out is the same, and only a few rows of
// them exist at a time.
//
// Attention is the only layer that mixes information across positions;
// every other layer works on each position alone. The (sequence, head)
// pairs are independent and are split across the pool's workers; the two
// products run on the matrix kernels (see kernel.Pool.Attention for the
// blocking). Taught by the lessons on scores, scaling, the causal mask,
// softmax and the weighted sum of values.
func AttentionForward(p *kernel.Pool, out, preatt, att, q, k, v []float32, B, Tq, Tk, NH, HS int) {
	p.Attention(out, preatt, att, q, k, v, B, Tq, Tk, NH, HS)
}
