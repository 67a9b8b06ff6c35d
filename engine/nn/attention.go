package nn

import (
	"math"

	"github.com/transformer-explorer/explorer/engine/kernel"
)

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
// attn.hook_attn_scores and attn.hook_pattern.
//
// Attention is the only layer that mixes information across positions;
// every other layer works on each position alone. The (sequence, head)
// pairs are independent and are split across the pool's workers. Taught by
// the lessons on scores, scaling, the causal mask, softmax and the weighted
// sum of values.
func AttentionForward(p *kernel.Pool, out, preatt, att, q, k, v []float32, B, Tq, Tk, NH, HS int) {
	C := NH * HS
	_ = out[B*Tq*C-1]
	_ = preatt[B*NH*Tq*Tk-1]
	_ = att[B*NH*Tq*Tk-1]
	_ = q[B*Tq*C-1]
	_ = k[B*Tk*C-1]
	_ = v[B*Tk*C-1]
	scale := float32(1 / math.Sqrt(float64(HS)))
	p.Parallel(B*NH, func(bh int) {
		b, h := bh/NH, bh%NH
		for i := 0; i < Tq; i++ {
			last := Tk - Tq + i // the last key this query may see
			q_bih := q[(b*Tq+i)*C+h*HS : (b*Tq+i)*C+(h+1)*HS]
			row := ((b*NH+h)*Tq + i) * Tk
			preatt_bhi := preatt[row : row+Tk]
			att_bhi := att[row : row+Tk]
			// Scores against visible keys, tracking the maximum so the
			// exponentials cannot overflow.
			maxv := float32(math.Inf(-1))
			for j := 0; j <= last; j++ {
				k_bjh := k[(b*Tk+j)*C+h*HS : (b*Tk+j)*C+(h+1)*HS]
				s := kernel.Dot(q_bih, k_bjh) * scale
				preatt_bhi[j] = s
				if s > maxv {
					maxv = s
				}
			}
			var sum float64
			for j := 0; j <= last; j++ {
				e := math.Exp(float64(preatt_bhi[j] - maxv))
				att_bhi[j] = float32(e)
				sum += e
			}
			inv := float32(1 / sum)
			for j := 0; j <= last; j++ {
				att_bhi[j] *= inv
			}
			for j := last + 1; j < Tk; j++ {
				preatt_bhi[j] = float32(math.Inf(-1))
				att_bhi[j] = 0
			}
			// Weighted sum of the values of the visible keys.
			out_bih := out[(b*Tq+i)*C+h*HS : (b*Tq+i)*C+(h+1)*HS]
			clear(out_bih)
			for j := 0; j <= last; j++ {
				v_bjh := v[(b*Tk+j)*C+h*HS : (b*Tk+j)*C+(h+1)*HS]
				kernel.Axpy(att_bhi[j], v_bjh, out_bih)
			}
		}
	})
}
