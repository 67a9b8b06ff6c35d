package nn

import "github.com/transformer-explorer/explorer/engine/kernel"

// MatMulForward is a fully connected layer in Hugging Face's Conv1D layout:
//
//	out (N, OC) = inp (N, C) · weight (C, OC) + bias (OC)
//
// bias may be nil. GPT-2 uses it four times per block: c_attn (C → 3C),
// attn c_proj (C → C), c_fc (C → 4C) and mlp c_proj (4C → C). The work is
// split across the pool's workers.
func MatMulForward(p *kernel.Pool, out, inp, weight, bias []float32, N, C, OC int) {
	p.MatMul(out, inp, weight, bias, N, C, OC)
}

// UnembedForward computes logits against an embedding matrix stored one
// token per row, as the tied LM head of GPT-2 is:
//
//	logits (N, V) = inp (N, C) · wte (V, C)ᵀ
//
// Taught by the lesson on the output layer.
func UnembedForward(p *kernel.Pool, logits, inp, wte []float32, N, C, V int) {
	p.MatMulT(logits, inp, wte, nil, N, C, V)
}

// MatMulPackedForward is MatMulForward with the weight packed once ahead
// of time by kernel.Pool.Pack, as inference does with fixed weights:
//
//	out (N, OC) = inp (N, C) · weight (C, OC) + bias (OC)
//
// C and OC are the packed weight's K and N; bias may be nil. Packing the
// tied embedding as its transpose (Pack(true, C, V, wte, C)) makes this
// the unembedding logits = inp · wteᵀ too.
func MatMulPackedForward(p *kernel.Pool, out, inp []float32, weight *kernel.Packed, bias []float32, N int) {
	p.MatMulPacked(out, inp, weight, bias, N)
}
