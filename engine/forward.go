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
// state and is valid until its next call.
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
	nn.EmbedForward(s.emb, ids, w.WTE, T, C)
	posEmb := w.WPE[pos*C : Tk*C]
	if err := h.emit(trace.Embed, s.emb, T, C); err != nil {
		return nil, err
	}
	if err := h.emit(trace.PosEmbed, posEmb, T, C); err != nil {
		return nil, err
	}
	nn.ResidualForward(s.x, s.emb, posEmb, T*C)

	for l := 0; l < L; l++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if wantLens {
			s.lens(l, T)
		}
		if err := s.block(l, T, pos, eps, h); err != nil {
			return nil, err
		}
	}
	if wantLens {
		s.lens(L, T)
	}

	// Final LayerNorm and the unembedding: logits = ln_f(x) · wteᵀ, for
	// every position or only the last.
	nn.LayerNormForward(s.ln, s.mean, s.rstd, s.x, w.LnFW, w.LnFB, T, C, eps)
	if err := h.emitScale(trace.LNFinalScale, s.scale, s.rstd, T); err != nil {
		return nil, err
	}
	if err := h.emit(trace.LNFinalNormalized, s.ln, T, C); err != nil {
		return nil, err
	}
	if allLogits {
		nn.MatMulPackedForward(p, s.logits, s.ln, m.packed.lmHead, nil, T)
	} else {
		nn.MatMulPackedForward(p, s.logits, s.ln[(T-1)*C:], m.packed.lmHead, nil, 1)
	}
	if err := h.emit(trace.Logits, s.logits, T, V); err != nil {
		return nil, err
	}
	if wantNext {
		if err := s.emitNext(h, ids, T); err != nil {
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
	last := s.logits
	if allLogits {
		last = s.logits[(T-1)*V : T*V]
	}
	return last, nil
}

// block runs transformer block l on the T new positions in s.x:
//
//	x = x + attn(ln_1(x))
//	x = x + mlp(ln_2(x))
func (s *State) block(l, T, pos int, eps float32, h hooks) error {
	m := s.m
	cfg := m.Config
	C, F, NH, HS := cfg.NEmbd, cfg.Inner(), cfg.NHead, cfg.HeadSize()
	Tk := pos + T
	p, w, pw, names := m.pool, &m.Params.Blocks[l], &m.packed.blocks[l], m.hooks[l]

	if err := h.emit(names[hResidPre], s.x, T, C); err != nil {
		return err
	}
	// Attention half.
	nn.LayerNormForward(s.ln, s.mean, s.rstd, s.x, w.Ln1W, w.Ln1B, T, C, eps)
	if err := h.emitScale(names[hLN1Scale], s.scale, s.rstd, T); err != nil {
		return err
	}
	if err := h.emit(names[hLN1Normalized], s.ln, T, C); err != nil {
		return err
	}
	nn.MatMulPackedForward(p, s.qkv, s.ln, pw.attn, w.AttnB, T)
	// Split q, k, v; k and v go straight into this layer's cache.
	kc, vc := s.k[l][pos*C:Tk*C], s.v[l][pos*C:Tk*C]
	splitQKV(s.q, kc, vc, s.qkv, T, C)
	if err := h.emit(names[hQ], s.q, T, NH, HS); err != nil {
		return err
	}
	if err := h.emit(names[hK], kc, T, NH, HS); err != nil {
		return err
	}
	if err := h.emit(names[hV], vc, T, NH, HS); err != nil {
		return err
	}
	nn.AttentionForward(p, s.z, s.preatt, s.att, s.q, s.k[l][:Tk*C], s.v[l][:Tk*C], 1, T, Tk, NH, HS)
	if err := h.emit(names[hScores], s.preatt, NH, T, Tk); err != nil {
		return err
	}
	if err := h.emit(names[hPattern], s.att, NH, T, Tk); err != nil {
		return err
	}
	if err := h.emit(names[hZ], s.z, T, NH, HS); err != nil {
		return err
	}
	nn.MatMulPackedForward(p, s.proj, s.z, pw.attnProj, w.AttnProjB, T)
	if err := h.emit(names[hAttnOut], s.proj, T, C); err != nil {
		return err
	}
	nn.ResidualForward(s.x, s.x, s.proj, T*C)
	if err := h.emit(names[hResidMid], s.x, T, C); err != nil {
		return err
	}

	// MLP half.
	nn.LayerNormForward(s.ln, s.mean, s.rstd, s.x, w.Ln2W, w.Ln2B, T, C, eps)
	if err := h.emitScale(names[hLN2Scale], s.scale, s.rstd, T); err != nil {
		return err
	}
	if err := h.emit(names[hLN2Normalized], s.ln, T, C); err != nil {
		return err
	}
	nn.MatMulPackedForward(p, s.fc, s.ln, pw.fc, w.FcB, T)
	if err := h.emit(names[hMLPPre], s.fc, T, F); err != nil {
		return err
	}
	if cfg.exactGELU() {
		nn.GeluExactForward(s.fcGelu, s.fc, T*F)
	} else {
		nn.GeluForward(s.fcGelu, s.fc, T*F)
	}
	if err := h.emit(names[hMLPPost], s.fcGelu, T, F); err != nil {
		return err
	}
	nn.MatMulPackedForward(p, s.proj, s.fcGelu, pw.fcProj, w.FcProjB, T)
	if err := h.emit(names[hMLPOut], s.proj, T, C); err != nil {
		return err
	}
	nn.ResidualForward(s.x, s.x, s.proj, T*C)
	return h.emit(names[hResidPost], s.x, T, C)
}

// hooks sends tensors to a recorder, skipping the ones it does not want.
type hooks struct {
	rec    trace.Recorder
	offset int
}

func (h hooks) wants(name string) bool { return h.rec != nil && trace.Wants(h.rec, name) }

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
