package engine

import (
	"context"

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
	eps := float32(cfg.LayerNormEpsilon)
	h := hooks{rec: rec, offset: pos}
	wantLens := h.wants(trace.LensTopIDs) || h.wants(trace.LensTopProbs)
	wantNext := h.wants(trace.NextTopIDs) || h.wants(trace.NextTopProbs) || h.wants(trace.NextLoss)
	allLogits := h.wants(trace.Logits) || wantNext
	s.grow(T, Tk, allLogits, wantLens)
	p := m.pool
	w := &m.Params

	// Embeddings: x = wte[ids] + wpe[pos : pos+T]. The position rows are
	// contiguous in wpe, so they are reported without a copy.
	emb := h.buffer(trace.Embed, s.emb, T*C)
	nn.EmbedForward(emb, ids, w.WTE, T, C)
	posEmb := w.WPE[pos*C : Tk*C]
	if err := h.emit(trace.Embed, emb, T, C); err != nil {
		return nil, err
	}
	if err := h.emit(trace.PosEmbed, posEmb, T, C); err != nil {
		return nil, err
	}
	x := h.buffer(m.hooks[0][hResidPre], s.x, T*C)
	nn.ResidualForward(x, emb, posEmb, T*C)

	for l := 0; l < L; l++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if wantLens {
			if err := s.lens(ctx, x, l, T); err != nil {
				return nil, err
			}
		}
		var err error
		if x, err = s.block(x, l, T, pos, eps, h); err != nil {
			return nil, err
		}
	}
	if wantLens {
		if err := s.lens(ctx, x, L, T); err != nil {
			return nil, err
		}
	}

	// Final LayerNorm and the unembedding: logits = ln_f(x) · wteᵀ, for
	// every position or only the last.
	ln := h.buffer(trace.LNFinalNormalized, s.ln, T*C)
	nn.LayerNormForward(ln, s.mean, s.rstd, x, w.LnFW, w.LnFB, T, C, eps)
	if err := h.emitScale(trace.LNFinalScale, s.scale, s.rstd, T); err != nil {
		return nil, err
	}
	if err := h.emit(trace.LNFinalNormalized, ln, T, C); err != nil {
		return nil, err
	}
	logits := s.logits
	if allLogits {
		logits = h.buffer(trace.Logits, s.logits, T*V)
		nn.MatMulPackedForward(p, logits, ln, m.packed.lmHead, nil, T)
	} else {
		nn.MatMulPackedForward(p, logits, ln[(T-1)*C:], m.packed.lmHead, nil, 1)
	}
	if err := h.emit(trace.Logits, logits, T, V); err != nil {
		return nil, err
	}
	if wantNext {
		if err := s.emitNext(h, logits, ids, T); err != nil {
			return nil, err
		}
	}
	if wantLens {
		if err := h.emit(trace.LensTopIDs, s.lensIDs, L+1, T, TopK); err != nil {
			return nil, err
		}
		if err := h.emit(trace.LensTopProbs, s.lensP, L+1, T, TopK); err != nil {
			return nil, err
		}
	}
	s.ids = append(s.ids, ids...)
	if allLogits {
		return logits[(T-1)*V : T*V], nil
	}
	return logits, nil
}

// block runs transformer block l on the T new positions of the residual
// stream x (T, C) and returns the stream leaving it:
//
//	x = x + attn(ln_1(x))
//	x = x + mlp(ln_2(x))
//
// Each hook the recorder wants is computed into memory it lends, when it
// does, and into the state's buffers otherwise; the stream is then updated
// out of place, since x may be a hook the recorder now owns.
func (s *State) block(x []float32, l, T, pos int, eps float32, h hooks) ([]float32, error) {
	m := s.m
	cfg := m.Config
	C, F, NH, HS := cfg.NEmbd, cfg.Inner(), cfg.NHead, cfg.HeadSize()
	Tk := pos + T
	p, w, pw, names := m.pool, &m.Params.Blocks[l], &m.packed.blocks[l], m.hooks[l]

	if err := h.emit(names[hResidPre], x, T, C); err != nil {
		return nil, err
	}
	// Attention half.
	ln := h.buffer(names[hLN1Normalized], s.ln, T*C)
	nn.LayerNormForward(ln, s.mean, s.rstd, x, w.Ln1W, w.Ln1B, T, C, eps)
	if err := h.emitScale(names[hLN1Scale], s.scale, s.rstd, T); err != nil {
		return nil, err
	}
	if err := h.emit(names[hLN1Normalized], ln, T, C); err != nil {
		return nil, err
	}
	nn.MatMulPackedForward(p, s.qkv, ln, pw.attn, w.AttnB, T)
	// Split q, k, v; k and v go straight into this layer's cache, so the
	// recorder gets copies of those.
	q := h.buffer(names[hQ], s.q, T*C)
	kc, vc := s.k[l][pos*C:Tk*C], s.v[l][pos*C:Tk*C]
	splitQKV(q, kc, vc, s.qkv, T, C)
	if err := h.emit(names[hQ], q, T, NH, HS); err != nil {
		return nil, err
	}
	if err := h.emit(names[hK], kc, T, NH, HS); err != nil {
		return nil, err
	}
	if err := h.emit(names[hV], vc, T, NH, HS); err != nil {
		return nil, err
	}
	preatt := h.buffer(names[hScores], s.preatt, NH*T*Tk)
	att := h.buffer(names[hPattern], s.att, NH*T*Tk)
	z := h.buffer(names[hZ], s.z, T*C)
	nn.AttentionForward(p, z, preatt, att, q, s.k[l][:Tk*C], s.v[l][:Tk*C], 1, T, Tk, NH, HS)
	if err := h.emit(names[hScores], preatt, NH, T, Tk); err != nil {
		return nil, err
	}
	if err := h.emit(names[hPattern], att, NH, T, Tk); err != nil {
		return nil, err
	}
	if err := h.emit(names[hZ], z, T, NH, HS); err != nil {
		return nil, err
	}
	attnOut := h.buffer(names[hAttnOut], s.proj, T*C)
	nn.MatMulPackedForward(p, attnOut, z, pw.attnProj, w.AttnProjB, T)
	if err := h.emit(names[hAttnOut], attnOut, T, C); err != nil {
		return nil, err
	}
	x, err := s.residual(h, names[hResidMid], x, attnOut, T, C)
	if err != nil {
		return nil, err
	}

	// MLP half.
	ln = h.buffer(names[hLN2Normalized], s.ln, T*C)
	nn.LayerNormForward(ln, s.mean, s.rstd, x, w.Ln2W, w.Ln2B, T, C, eps)
	if err := h.emitScale(names[hLN2Scale], s.scale, s.rstd, T); err != nil {
		return nil, err
	}
	if err := h.emit(names[hLN2Normalized], ln, T, C); err != nil {
		return nil, err
	}
	fc := h.buffer(names[hMLPPre], s.fc, T*F)
	nn.MatMulPackedForward(p, fc, ln, pw.fc, w.FcB, T)
	if err := h.emit(names[hMLPPre], fc, T, F); err != nil {
		return nil, err
	}
	fcGelu := h.buffer(names[hMLPPost], s.fcGelu, T*F)
	if cfg.exactGELU() {
		nn.GeluExactForward(fcGelu, fc, T*F)
	} else {
		nn.GeluForward(fcGelu, fc, T*F)
	}
	if err := h.emit(names[hMLPPost], fcGelu, T, F); err != nil {
		return nil, err
	}
	mlpOut := h.buffer(names[hMLPOut], s.proj, T*C)
	nn.MatMulPackedForward(p, mlpOut, fcGelu, pw.fcProj, w.FcProjB, T)
	if err := h.emit(names[hMLPOut], mlpOut, T, C); err != nil {
		return nil, err
	}
	return s.residual(h, names[hResidPost], x, mlpOut, T, C)
}

// residual adds a block's attention or MLP output y to the residual
// stream x, both (T, C), and reports the sum as the named hook. The sum
// goes to memory the recorder lends, or else to the state's s.x (which x
// may be: the add is element-wise), never into memory the recorder owns.
func (s *State) residual(h hooks, name string, x, y []float32, T, C int) ([]float32, error) {
	out := h.buffer(name, s.x, T*C)
	nn.ResidualForward(out, x, y, T*C)
	return out, h.emit(name, out, T, C)
}

// hooks sends tensors to a recorder, skipping the ones it does not want.
type hooks struct {
	rec    trace.Recorder
	offset int
}

func (h hooks) wants(name string) bool { return h.rec != nil && trace.Wants(h.rec, name) }

// buffer returns memory for n values of the named hook: memory the
// recorder lends when it wants the hook and lends, else own[:n]. What is
// computed into lent memory must not be written again after it is emitted.
func (h hooks) buffer(name string, own []float32, n int) []float32 {
	if h.rec != nil {
		if buf := trace.Lend(h.rec, name, n); len(buf) == n {
			return buf
		}
	}
	return own[:n]
}

// emit reports data with the given shape if the recorder wants it; the
// data must hold exactly the shape's elements (leading ones are sliced).
func (h hooks) emit(name string, data []float32, shape ...int) error {
	if !h.wants(name) {
		return nil
	}
	n := 1
	for _, d := range shape {
		n *= d
	}
	// The shape is copied so that the variadic argument does not escape:
	// a pass that records nothing then allocates nothing.
	return h.rec.Record(trace.Tensor{Name: name, Shape: append([]int(nil), shape...), Data: data[:n], Offset: h.offset})
}

// emitScale reports a LayerNorm's hook_scale, √(σ² + ε) = 1/rstd, as (T, 1).
func (h hooks) emitScale(name string, scale, rstd []float32, T int) error {
	if !h.wants(name) {
		return nil
	}
	for t := 0; t < T; t++ {
		scale[t] = 1 / rstd[t]
	}
	return h.emit(name, scale, T, 1)
}
