package train

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/transformer-explorer/explorer/engine"
	"github.com/transformer-explorer/explorer/engine/kernel"
	"github.com/transformer-explorer/explorer/engine/nn"
	"github.com/transformer-explorer/explorer/trace"
)

// A GPT is a GPT-2 model being trained: its weights, their gradients, and
// the activations of one batch of B sequences of T tokens, saved by Forward
// for Backward (llm.c's layout: one allocation per tensor kind, layer l at
// offset l·size). A GPT is not safe for concurrent use.
type GPT struct {
	Config engine.Config
	Params *engine.Params // the weights, one contiguous block (Params.Flat)
	Grads  *engine.Params // dLoss/dweight, same layout as Params

	pool *kernel.Pool
	B, T int
	acts activations
	grad gradActs
	ids  []int // (B, T) inputs of the last Forward
	tgts []int // (B, T) targets of the last Forward
}

// activations are the tensors Forward saves; per-layer ones hold L layers.
type activations struct {
	encoded   []float32 // (B, T, C) wte[ids] + wpe[t]
	ln1       []float32 // (L, B, T, C)
	ln1Mean   []float32 // (L, B, T)
	ln1Rstd   []float32 // (L, B, T)
	qkv       []float32 // (L, B, T, 3C)
	q, k, v   []float32 // (L, B, T, C) each, split from qkv
	preatt    []float32 // (L, B, NH, T, T)
	att       []float32 // (L, B, NH, T, T)
	atty      []float32 // (L, B, T, C) attention output before c_proj
	attproj   []float32 // (L, B, T, C)
	residual2 []float32 // (L, B, T, C) x + attn(ln_1(x))
	ln2       []float32 // (L, B, T, C)
	ln2Mean   []float32 // (L, B, T)
	ln2Rstd   []float32 // (L, B, T)
	fch       []float32 // (L, B, T, F)
	fchGelu   []float32 // (L, B, T, F)
	fcproj    []float32 // (L, B, T, C)
	residual3 []float32 // (L, B, T, C) block output
	lnf       []float32 // (B, T, C)
	lnfMean   []float32 // (B, T)
	lnfRstd   []float32 // (B, T)
	probs     []float32 // (B, T, V) softmax of the logits; dlogits in Backward
	losses    []float32 // (B, T)
}

// gradActs are the gradients of activations, reused from layer to layer.
type gradActs struct {
	dx             []float32 // (B, T, C) gradient of the residual stream
	dln            []float32 // (B, T, C)
	datty          []float32 // (B, T, C)
	dq, dk, dv     []float32 // (B, T, C)
	dqkv           []float32 // (B, T, 3C)
	dfch, dfchGelu []float32 // (B, T, F)
	dpreatt        []float32 // (B, NH, T, T)
	// lnParts holds one (2C) partial dweight|dbias per row chunk of a
	// parallel LayerNorm backward, summed afterwards so that no two
	// workers add into the same weight gradient.
	lnParts []float32
}

// NewGPT returns a model for cfg with zero weights and buffers for batches
// of B sequences of T ≤ n_positions tokens, computing on pool.
func NewGPT(pool *kernel.Pool, cfg engine.Config, B, T int) (*GPT, error) {
	if err := checkConfig(cfg); err != nil {
		return nil, err
	}
	if B < 1 || T < 1 || T > cfg.NPositions {
		return nil, fmt.Errorf("train: batch %d × %d tokens: want B ≥ 1 and 1 ≤ T ≤ n_positions = %d", B, T, cfg.NPositions)
	}
	g := &GPT{Config: cfg, Params: engine.NewParams(cfg), Grads: engine.NewParams(cfg), pool: pool, B: B, T: T}
	C, F, V, L, NH := cfg.NEmbd, cfg.Inner(), cfg.VocabSize, cfg.NLayer, cfg.NHead
	BT := B * T
	f := func(n int) []float32 { return make([]float32, n) }
	g.acts = activations{
		encoded: f(BT * C), ln1: f(L * BT * C), ln1Mean: f(L * BT), ln1Rstd: f(L * BT),
		qkv: f(L * BT * 3 * C), q: f(L * BT * C), k: f(L * BT * C), v: f(L * BT * C),
		preatt: f(L * B * NH * T * T), att: f(L * B * NH * T * T),
		atty: f(L * BT * C), attproj: f(L * BT * C), residual2: f(L * BT * C),
		ln2: f(L * BT * C), ln2Mean: f(L * BT), ln2Rstd: f(L * BT),
		fch: f(L * BT * F), fchGelu: f(L * BT * F), fcproj: f(L * BT * C), residual3: f(L * BT * C),
		lnf: f(BT * C), lnfMean: f(BT), lnfRstd: f(BT), probs: f(BT * V), losses: f(BT),
	}
	g.grad = gradActs{
		dx: f(BT * C), dln: f(BT * C), datty: f(BT * C), dq: f(BT * C), dk: f(BT * C), dv: f(BT * C),
		dqkv: f(BT * 3 * C), dfch: f(BT * F), dfchGelu: f(BT * F), dpreatt: f(B * NH * T * T),
		lnParts: f(g.chunks(BT) * 2 * C),
	}
	g.ids, g.tgts = make([]int, BT), make([]int, BT)
	return g, nil
}

// Init fills the weights as GPT-2 does: normal(0, 0.02) for embeddings and
// matrices, with the two residual projections (attn.c_proj, mlp.c_proj)
// scaled down by 1/√(2L) so the residual stream's variance does not grow
// with depth; zero biases; LayerNorm gains 1.
func (g *GPT) Init(r *rand.Rand) {
	std := 0.02
	projStd := std / math.Sqrt(2*float64(g.Config.NLayer))
	for _, t := range g.Params.Tensors(g.Config) {
		d := *t.Data
		switch {
		case t.Kind == "norm" && len(t.Key) >= 6 && t.Key[len(t.Key)-6:] == "weight":
			for i := range d {
				d[i] = 1
			}
		case t.Kind == "bias" || t.Kind == "norm":
			clear(d)
		default:
			s := std
			if isResidualProj(t.Key) {
				s = projStd
			}
			for i := range d {
				d[i] = float32(r.NormFloat64() * s)
			}
		}
	}
}

func isResidualProj(key string) bool {
	const a, m = "attn.c_proj.weight", "mlp.c_proj.weight"
	return len(key) >= len(a) && key[len(key)-len(a):] == a || len(key) >= len(m) && key[len(key)-len(m):] == m
}

// CopyWeights copies the weights of src (which must have g's config) into g.
func (g *GPT) CopyWeights(src *engine.Params) {
	dst := g.Params.Tensors(g.Config)
	from := src.Tensors(g.Config)
	for i := range dst {
		copy(*dst[i].Data, *from[i].Data)
	}
}

// layer returns the slice of a per-layer activation for layer l of n values.
func layer(x []float32, l, n int) []float32 { return x[l*n : (l+1)*n] }

// parallelRows runs fn over [lo, hi) chunks of N rows on the pool, for the
// position-wise layers (LayerNorm, GELU, softmax) that the kernels do not
// already split.
func (g *GPT) parallelRows(N int, fn func(lo, hi int)) {
	chunks := g.chunks(N)
	g.pool.Parallel(chunks, func(c int) {
		lo, hi := c*N/chunks, (c+1)*N/chunks
		if lo < hi {
			fn(lo, hi)
		}
	})
}

// chunks is how many pieces parallelRows cuts N rows into.
func (g *GPT) chunks(N int) int { return min(N, 4*g.pool.Workers()) }

// layerNormBackward runs nn.LayerNormBackward over N rows in parallel,
// each chunk of rows adding its weight gradients into its own part of
// d.lnParts, which are then summed into dweight and dbias (C).
func (g *GPT) layerNormBackward(dinp, dweight, dbias, dout, inp, weight, mean, rstd []float32, N, C int) {
	parts := g.grad.lnParts
	clear(parts)
	chunks := g.chunks(N)
	g.pool.Parallel(chunks, func(c int) {
		lo, hi := c*N/chunks, (c+1)*N/chunks
		if lo < hi {
			part := parts[c*2*C : (c+1)*2*C]
			nn.LayerNormBackward(dinp[lo*C:], part[:C], part[C:], dout[lo*C:], inp[lo*C:], weight, mean[lo:], rstd[lo:], hi-lo, C)
		}
	})
	for c := 0; c < chunks; c++ {
		part := parts[c*2*C : (c+1)*2*C]
		for i := 0; i < C; i++ {
			dweight[i] += part[i]
			dbias[i] += part[C+i]
		}
	}
}

// Forward runs the model on inputs (B, T) and, when targets (B, T) is not
// nil, returns the mean cross-entropy of predicting targets[b,t] after
// inputs[b,0..t] (entries < 0 are skipped); otherwise it returns NaN. It
// saves every activation Backward needs. Ids must be below vocab_size.
func (g *GPT) Forward(inputs, targets []int) float64 {
	loss, _ := g.forward(inputs, targets, nil)
	return loss
}

// Record runs one sequence, ids (T), through the model as Forward does
// without targets (g.B must be 1), and reports the hooks of its blocks to
// rec, as a engine.Model's forward pass names and shapes them (see
// engine.ForwardBlock). It returns rec's first error.
func (g *GPT) Record(ids []int, rec trace.Recorder) error {
	if g.B != 1 {
		return fmt.Errorf("train: record: the model runs batches of %d sequences; hooks describe one", g.B)
	}
	_, err := g.forward(ids, nil, rec)
	return err
}

func (g *GPT) forward(inputs, targets []int, rec trace.Recorder) (float64, error) {
	cfg, a := g.Config, &g.acts
	B, T := g.B, g.T
	C, V := cfg.NEmbd, cfg.VocabSize
	BT := B * T
	eps := float32(cfg.LayerNormEpsilon)
	w := g.Params
	copy(g.ids, inputs[:BT])
	if targets != nil {
		copy(g.tgts, targets[:BT])
	} else {
		for i := range g.tgts {
			g.tgts[i] = -1
		}
	}

	// x = wte[ids] + wpe[t]
	for b := 0; b < B; b++ {
		enc := a.encoded[b*T*C : (b+1)*T*C]
		nn.EmbedForward(enc, g.ids[b*T:(b+1)*T], w.WTE, T, C)
		nn.ResidualForward(enc, enc, w.WPE[:T*C], T*C)
	}
	x := a.encoded
	for l := 0; l < cfg.NLayer; l++ {
		if err := g.blockForward(l, x, rec); err != nil {
			return math.NaN(), err
		}
		x = layer(a.residual3, l, BT*C)
	}
	g.parallelRows(BT, func(lo, hi int) {
		nn.LayerNormForward(a.lnf[lo*C:], a.lnfMean[lo:], a.lnfRstd[lo:], x[lo*C:], w.LnFW, w.LnFB, hi-lo, C, eps)
	})
	nn.UnembedForward(g.pool, a.probs, a.lnf, w.LMHead, BT, C, V)
	if targets == nil {
		g.parallelRows(BT, func(lo, hi int) { nn.SoftmaxForward(a.probs[lo*V:], a.probs[lo*V:], hi-lo, V) })
		return math.NaN(), nil
	}
	g.parallelRows(BT, func(lo, hi int) {
		nn.CrossEntropyForward(a.losses[lo:], a.probs[lo*V:], a.probs[lo*V:], g.tgts[lo:], hi-lo, V)
	})
	var sum float64
	n := 0
	for i, l := range a.losses {
		if g.tgts[i] >= 0 {
			sum += float64(l)
			n++
		}
	}
	if n == 0 {
		return math.NaN(), nil
	}
	return sum / float64(n), nil
}

// blockForward runs block l on its input x (B, T, C), the engine's block
// (engine.ForwardBlock) with every activation saved in g.acts:
//
//	residual2 = x + c_proj(attention(c_attn(ln_1(x))))
//	residual3 = residual2 + mlp_c_proj(GELU(c_fc(ln_2(residual2))))
//
// rec, when not nil (B = 1), receives the block's hooks.
func (g *GPT) blockForward(l int, x []float32, rec trace.Recorder) error {
	_, err := engine.ForwardBlock(g.pool, g.Config, &g.Params.Blocks[l], g.blockActs(l), x, l, g.B, g.T, rec)
	return err
}

// blockActs returns layer l's slices of the saved activations.
func (g *GPT) blockActs(l int) *engine.BlockActs {
	cfg, a := g.Config, &g.acts
	C, F, NH := cfg.NEmbd, cfg.Inner(), cfg.NHead
	BT := g.B * g.T
	att := g.B * NH * g.T * g.T
	return &engine.BlockActs{
		LN1: layer(a.ln1, l, BT*C), LN1Mean: layer(a.ln1Mean, l, BT), LN1Rstd: layer(a.ln1Rstd, l, BT),
		QKV: layer(a.qkv, l, BT*3*C), Q: layer(a.q, l, BT*C), K: layer(a.k, l, BT*C), V: layer(a.v, l, BT*C),
		Scores: layer(a.preatt, l, att), Pattern: layer(a.att, l, att),
		Z: layer(a.atty, l, BT*C), AttnOut: layer(a.attproj, l, BT*C), ResidMid: layer(a.residual2, l, BT*C),
		LN2: layer(a.ln2, l, BT*C), LN2Mean: layer(a.ln2Mean, l, BT), LN2Rstd: layer(a.ln2Rstd, l, BT),
		Pre: layer(a.fch, l, BT*F), Post: layer(a.fchGelu, l, BT*F),
		MLPOut: layer(a.fcproj, l, BT*C), ResidPost: layer(a.residual3, l, BT*C),
	}
}

func (g *GPT) geluBackward(dinp, inp, dout []float32) {
	if g.Config.ActivationFunction == "gelu" {
		nn.GeluExactBackward(dinp, inp, dout, len(inp))
	} else {
		nn.GeluBackward(dinp, inp, dout, len(inp))
	}
}

// ZeroGrad clears the gradients; Backward adds to them.
func (g *GPT) ZeroGrad() { clear(g.Grads.Flat()) }

// Backward adds the gradient of the mean loss of the last Forward (which
// must have had targets) to Grads, walking the layers in reverse: the
// fused softmax/cross-entropy, the tied unembedding, ln_f, each block, and
// the embeddings.
func (g *GPT) Backward() {
	cfg, a, d, p := g.Config, &g.acts, &g.grad, g.pool
	B, T := g.B, g.T
	C, V := cfg.NEmbd, cfg.VocabSize
	BT := B * T
	n := 0
	for _, t := range g.tgts {
		if t >= 0 {
			n++
		}
	}
	if n == 0 {
		return
	}
	w, dw := g.Params, g.Grads
	// dlogits overwrite the probabilities they are computed from.
	dlogits := a.probs
	scale := float32(1 / float64(n))
	g.parallelRows(BT, func(lo, hi int) {
		nn.CrossEntropySoftmaxBackward(dlogits[lo*V:], a.probs[lo*V:], g.tgts[lo:], scale, hi-lo, V)
	})
	clear(d.dln)
	nn.UnembedBackward(p, d.dln, dw.LMHead, dlogits, a.lnf, w.LMHead, BT, C, V)
	x := a.encoded
	if cfg.NLayer > 0 {
		x = layer(a.residual3, cfg.NLayer-1, BT*C)
	}
	clear(d.dx)
	g.layerNormBackward(d.dx, dw.LnFW, dw.LnFB, d.dln, x, w.LnFW, a.lnfMean, a.lnfRstd, BT, C)
	for l := cfg.NLayer - 1; l >= 0; l-- {
		x := a.encoded
		if l > 0 {
			x = layer(a.residual3, l-1, BT*C)
		}
		g.blockBackward(l, x)
	}
	nn.EncoderBackward(dw.WTE, dw.WPE, d.dx, g.ids, B, T, C)
}

// blockBackward turns d.dx from the gradient of block l's output into the
// gradient of its input x, adding the block's weight gradients. The
// residual connections pass d.dx through unchanged, so each half only adds
// its branch's contribution to it.
func (g *GPT) blockBackward(l int, x []float32) {
	cfg, a, d, p := g.Config, &g.acts, &g.grad, g.pool
	B, T := g.B, g.T
	C, F, NH, HS := cfg.NEmbd, cfg.Inner(), cfg.NHead, cfg.HeadSize()
	BT := B * T
	w, dw := &g.Params.Blocks[l], &g.Grads.Blocks[l]

	// MLP half: residual3 = residual2 + fcproj.
	residual2 := layer(a.residual2, l, BT*C)
	fch, fchGelu := layer(a.fch, l, BT*F), layer(a.fchGelu, l, BT*F)
	clear(d.dfchGelu)
	nn.MatMulBackward(p, d.dfchGelu, dw.FcProjW, dw.FcProjB, d.dx, fchGelu, w.FcProjW, BT, F, C)
	clear(d.dfch)
	g.parallelRows(BT, func(lo, hi int) { g.geluBackward(d.dfch[lo*F:hi*F], fch[lo*F:hi*F], d.dfchGelu[lo*F:hi*F]) })
	clear(d.dln)
	nn.MatMulBackward(p, d.dln, dw.FcW, dw.FcB, d.dfch, layer(a.ln2, l, BT*C), w.FcW, BT, C, F)
	ln2Mean, ln2Rstd := layer(a.ln2Mean, l, BT), layer(a.ln2Rstd, l, BT)
	g.layerNormBackward(d.dx, dw.Ln2W, dw.Ln2B, d.dln, residual2, w.Ln2W, ln2Mean, ln2Rstd, BT, C)

	// Attention half: residual2 = x + attproj.
	clear(d.datty)
	nn.MatMulBackward(p, d.datty, dw.AttnProjW, dw.AttnProjB, d.dx, layer(a.atty, l, BT*C), w.AttnProjW, BT, C, C)
	clear(d.dq)
	clear(d.dk)
	clear(d.dv)
	nn.AttentionBackward(p, d.dq, d.dk, d.dv, d.dpreatt, d.datty,
		layer(a.q, l, BT*C), layer(a.k, l, BT*C), layer(a.v, l, BT*C), layer(a.att, l, B*NH*T*T), B, T, NH, HS)
	for n := 0; n < BT; n++ {
		row := d.dqkv[n*3*C : (n+1)*3*C]
		copy(row[:C], d.dq[n*C:(n+1)*C])
		copy(row[C:2*C], d.dk[n*C:(n+1)*C])
		copy(row[2*C:], d.dv[n*C:(n+1)*C])
	}
	clear(d.dln)
	nn.MatMulBackward(p, d.dln, dw.AttnW, dw.AttnB, d.dqkv, layer(a.ln1, l, BT*C), w.AttnW, BT, C, 3*C)
	ln1Mean, ln1Rstd := layer(a.ln1Mean, l, BT), layer(a.ln1Rstd, l, BT)
	g.layerNormBackward(d.dx, dw.Ln1W, dw.Ln1B, d.dln, x, w.Ln1W, ln1Mean, ln1Rstd, BT, C)
}

// Probs returns the next-token probabilities (B, T, V) of the last Forward
// without targets. The slice belongs to g.
func (g *GPT) Probs() []float32 { return g.acts.probs }

// checkConfig validates cfg as the engine validates a config.json.
func checkConfig(cfg engine.Config) error {
	raw, err := json.Marshal(cfg)
	if err != nil {
		return fmt.Errorf("train: config: %w", err)
	}
	if _, err := engine.ParseConfig(raw); err != nil {
		return fmt.Errorf("train: %w", err)
	}
	return nil
}
