package engine

import (
	"fmt"

	"github.com/transformer-explorer/explorer/engine/kernel"
	"github.com/transformer-explorer/explorer/engine/nn"
	"github.com/transformer-explorer/explorer/trace"
)

// This file is GPT-2's transformer block, written once for inference and
// training: State.Append runs it for one sequence against a key/value
// cache, reporting hooks, and engine/train runs it (through ForwardBlock)
// for a batch of sequences, keeping every activation for the backward pass.

// BlockActs are the activations one pass through a transformer block
// writes, for N = B·Tq rows: B sequences of Tq new positions each, which
// see Tk positions in all (the Tk−Tq before them are cached). Shapes use
// the letters of the package doc; a slice may be longer than its shape.
//
// Inference reuses memory from block to block and within one: LN1 and LN2
// may be the same slice, AttnOut and MLPOut too, and ResidMid, ResidPost
// and the block's input as well. Training gives every field its own
// memory, which the backward pass reads.
type BlockActs struct {
	LN1              []float32 // (N, C) ln_1(x)
	LN1Mean, LN1Rstd []float32 // (N) ln_1's μ and 1/√(σ²+ε); may be nil
	QKV              []float32 // (N, 3C) c_attn's output: q, k, v side by side
	Q                []float32 // (N, C) queries, NH heads of HS
	// K and V (B, Tk, C) are the keys and values of every position each
	// sequence has; the pass writes the last Tq rows of each sequence and
	// reads all Tk.
	K, V             []float32
	Scores, Pattern  []float32 // (B, NH, Tq, Tk) preatt and att
	Z                []float32 // (N, C) att · V, the heads side by side
	AttnOut          []float32 // (N, C) attn.c_proj's output
	ResidMid         []float32 // (N, C) x + AttnOut
	LN2              []float32 // (N, C) ln_2(ResidMid)
	LN2Mean, LN2Rstd []float32 // (N); may be nil
	Pre, Post        []float32 // (N, F) c_fc's output and GELU(Pre)
	MLPOut           []float32 // (N, C) mlp.c_proj's output
	ResidPost        []float32 // (N, C) ResidMid + MLPOut, the block's output
	// Scale (N) is scratch for the hook_scale hooks; nil when nothing is
	// recorded.
	Scale []float32
}

// blockPass is one pass of a batch through the transformer blocks: its
// shapes, its worker pool, and where its hooks go.
type blockPass struct {
	pool      *kernel.Pool
	cfg       Config
	B, Tq, Tk int
	// h receives the hooks; nil records nothing. Hooks describe one
	// sequence, so h is set only when B = 1.
	h      *hooks
	rowOps *rowOps
	// scratchAttention: nothing reads a block's attention scores and
	// pattern after the block (inference), so unless a hook wants them
	// they are never stored whole (see kernel.Pool.Attention).
	scratchAttention bool
}

// blockLayer is what a pass reads and writes in one block: its weights,
// the model's matrices of them with any packed copies (nil in training,
// which multiplies the weights as they are), its activations and its hook
// names.
type blockLayer struct {
	w     *BlockParams
	lin   *blockLinears
	a     *BlockActs
	names *[numBlockHooks]string
}

// rows returns N = B·Tq, the rows of the position-wise layers.
func (f *blockPass) rows() int { return f.B * f.Tq }

// block runs one transformer block on the residual stream x (N, C) and
// returns the stream leaving it, nanoGPT's two lines:
//
//	x = x + attn(ln_1(x))
//	x = x + mlp(ln_2(x))
//
// Each hook the recorder wants is computed into memory it lends, when it
// does, and into l.a otherwise.
func (f *blockPass) block(l blockLayer, x []float32) []float32 {
	f.h.emit(l.names[hResidPre], x, f.rows(), f.cfg.NEmbd)
	x = f.attention(l, x)
	return f.mlp(l, x)
}

// attention is the attention half of a block, x + attn(ln_1(x)):
//
//	ln  = ln_1(x)                          (N, C)
//	qkv = ln · c_attn + b                  (N, 3C), split into q, k, v
//	z   = softmax(q·kᵀ/√HS + mask) · v     (N, C), per head (nn.AttentionForward)
//	out = z · c_proj + b                   (N, C)
//
// and returns x + out (N, C). The new keys and values go straight into
// l.a.K and l.a.V (the cache, in inference), so the recorder gets copies
// of those.
func (f *blockPass) attention(l blockLayer, x []float32) []float32 {
	c := f.cfg
	C, NH, HS := c.NEmbd, c.NHead, c.HeadSize()
	B, Tq, Tk, N := f.B, f.Tq, f.Tk, f.rows()
	a, w, n, h := l.a, l.w, l.names, f.h

	ln := f.layerNorm(n[hLN1Scale], n[hLN1Normalized], a.LN1, a.LN1Mean, a.LN1Rstd, a.Scale, x, w.Ln1W, w.Ln1B)
	f.matmul(a.QKV, ln, w.AttnW, l.lin.get(0), w.AttnB, C, 3*C)
	q := h.buffer(n[hQ], a.Q, N*C)
	splitQKV(q, a.K, a.V, a.QKV, B, Tq, Tk, C)
	h.emit(n[hQ], q, Tq, NH, HS)
	h.emit(n[hK], a.K[(Tk-Tq)*C:], Tq, NH, HS)
	h.emit(n[hV], a.V[(Tk-Tq)*C:], Tq, NH, HS)

	var scores, pattern []float32 // kept in the kernel's scratch when nil
	if !f.scratchAttention || h.wants(n[hScores]) || h.wants(n[hPattern]) {
		scores = h.buffer(n[hScores], a.Scores, B*NH*Tq*Tk)
		pattern = h.buffer(n[hPattern], a.Pattern, B*NH*Tq*Tk)
	}
	z := h.buffer(n[hZ], a.Z, N*C)
	nn.AttentionForward(f.pool, z, scores, pattern, q, a.K, a.V, B, Tq, Tk, NH, HS)
	h.emit(n[hScores], scores, NH, Tq, Tk)
	h.emit(n[hPattern], pattern, NH, Tq, Tk)
	h.emit(n[hZ], z, Tq, NH, HS)

	out := h.buffer(n[hAttnOut], a.AttnOut, N*C)
	f.matmul(out, z, w.AttnProjW, l.lin.get(1), w.AttnProjB, C, C)
	h.emit(n[hAttnOut], out, Tq, C)
	return f.residual(n[hResidMid], a.ResidMid, x, out)
}

// mlp is the MLP half of a block, x + mlp(ln_2(x)):
//
//	ln   = ln_2(x)             (N, C)
//	pre  = ln · c_fc + b       (N, F)
//	post = GELU(pre)           (N, F)
//	out  = post · c_proj + b   (N, C)
//
// and returns x + out (N, C).
func (f *blockPass) mlp(l blockLayer, x []float32) []float32 {
	c := f.cfg
	C, F, N := c.NEmbd, c.Inner(), f.rows()
	a, w, n, h := l.a, l.w, l.names, f.h

	ln := f.layerNorm(n[hLN2Scale], n[hLN2Normalized], a.LN2, a.LN2Mean, a.LN2Rstd, a.Scale, x, w.Ln2W, w.Ln2B)
	pre := h.buffer(n[hMLPPre], a.Pre, N*F)
	f.matmul(pre, ln, w.FcW, l.lin.get(2), w.FcB, C, F)
	h.emit(n[hMLPPre], pre, f.Tq, F)
	post := h.buffer(n[hMLPPost], a.Post, N*F)
	f.gelu(post, pre)
	h.emit(n[hMLPPost], post, f.Tq, F)
	out := h.buffer(n[hMLPOut], a.MLPOut, N*C)
	f.matmul(out, post, w.FcProjW, l.lin.get(3), w.FcProjB, F, C)
	h.emit(n[hMLPOut], out, f.Tq, C)
	return f.residual(n[hResidPost], a.ResidPost, x, out)
}

// layerNorm computes out = LayerNorm(x) (N, C) with the gain and bias,
// saving μ and 1/√(σ²+ε) in mean and rstd (either may be nil, unless the
// scale hook is wanted), and reports the hooks hook_scale and
// hook_normalized. Rows are split across the pool's workers.
func (f *blockPass) layerNorm(scaleName, normName string, own, mean, rstd, scale, x, gain, bias []float32) []float32 {
	C, N := f.cfg.NEmbd, f.rows()
	out := f.h.buffer(normName, own, N*C)
	f.rowOps.layerNorm(f.pool, out, mean, rstd, x, gain, bias, N, C, float32(f.cfg.LayerNormEpsilon))
	f.h.emitScale(scaleName, scale, rstd, N)
	f.h.emit(normName, out, N, C)
	return out
}

// gelu applies the model's GELU to pre (N, F), writing post, in row chunks
// across the pool's workers.
func (f *blockPass) gelu(post, pre []float32) {
	f.rowOps.gelu(f.pool, post, pre, f.rows(), f.cfg.Inner(), f.cfg.exactGELU())
}

// matmul computes out (N, OC) = in (N, IC) · w (IC, OC) + bias, from the
// packed copy of w when lin has one.
func (f *blockPass) matmul(out, in, w []float32, lin *linear, bias []float32, IC, OC int) {
	if lin != nil {
		lin.forward(f.pool, out, in, bias, f.rows())
		return
	}
	nn.MatMulForward(f.pool, out, in, w, bias, f.rows(), IC, OC)
}

// residual adds a block half's output y to the residual stream x, both
// (N, C), and reports the sum as the named hook. The sum goes to memory
// the recorder lends, or else to own (which may be x: the add is
// element-wise), never into memory the recorder owns.
func (f *blockPass) residual(name string, own, x, y []float32) []float32 {
	n := f.rows() * f.cfg.NEmbd
	out := f.h.buffer(name, own, n)
	nn.ResidualForward(out, x, y, n)
	f.h.emit(name, out, f.rows(), f.cfg.NEmbd)
	return out
}

// get returns matrix i of the block (attn, attnProj, fc, fcProj), or nil
// when the block has no packed copies.
func (b *blockLinears) get(i int) *linear {
	if b == nil {
		return nil
	}
	return [...]*linear{b.attn, b.attnProj, b.fc, b.fcProj}[i]
}

// splitQKV copies the q, k and v thirds of each row of qkv (B·Tq, 3C)
// into q (B·Tq, C) and into the last Tq rows of each sequence of k and v
// (B, Tk, C).
func splitQKV(q, k, v, qkv []float32, B, Tq, Tk, C int) {
	for b := 0; b < B; b++ {
		for t := 0; t < Tq; t++ {
			row := qkv[(b*Tq+t)*3*C:][:3*C]
			kv := (b*Tk + Tk - Tq + t) * C
			copy(q[(b*Tq+t)*C:][:C], row[:C])
			copy(k[kv:kv+C], row[C:2*C])
			copy(v[kv:kv+C], row[2*C:])
		}
	}
}

// ForwardBlock runs transformer block l of a model with config cfg and
// weights w on the residual stream x (B·T, C) of B sequences of T
// positions, and returns the stream leaving the block, a.ResidPost. It
// writes every activation into a (K and V are (B, T, C) here), which
// must hold them all, mean and rstd included: it is the forward half of
// training, which engine/train's backward pass reads (the same block a
// Model runs, unpacked and without a cache).
//
// When rec is not nil, B must be 1, and rec receives the block's hooks
// as a Model's forward pass reports them, copied (nothing is lent, since
// the activations stay in a). ForwardBlock returns the recorder's first
// error, after finishing the block.
func ForwardBlock(p *kernel.Pool, cfg Config, w *BlockParams, a *BlockActs, x []float32, l, B, T int, rec trace.Recorder) ([]float32, error) {
	f := blockPass{pool: p, cfg: cfg, B: B, Tq: T, Tk: T, rowOps: newRowOps()}
	var names [numBlockHooks]string
	if rec != nil {
		if B != 1 {
			return nil, fmt.Errorf("engine: recording the hooks of a batch of %d sequences; hooks describe one", B)
		}
		f.h = &hooks{rec: rec}
		names = blockHookNames(l)
		if a.Scale == nil {
			a.Scale = make([]float32, T)
		}
	}
	x = f.block(blockLayer{w: w, a: a, names: &names}, x)
	if f.h != nil {
		return x, f.h.err
	}
	return x, nil
}

// blockHookNames returns the hook names of block l, indexed by the h*
// constants (the order of trace.BlockPoints).
func blockHookNames(l int) [numBlockHooks]string {
	var names [numBlockHooks]string
	points := trace.BlockPoints()
	if len(points) != numBlockHooks {
		panic("engine: hook table out of date with trace.BlockPoints")
	}
	for i, p := range points {
		names[i] = trace.Block(l, p)
	}
	return names
}
