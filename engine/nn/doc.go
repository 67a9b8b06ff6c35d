// Package nn holds the layers of GPT-2 as plain functions over flat float32
// slices, one forward function per layer (and, for training, its backward
// partner), in the style of llm.c.
//
// Arguments come in a fixed order: outputs first, then inputs, then sizes.
// Every slice is row-major, and the sizes use these letters throughout:
//
//	B  = batch size (sequences processed together; 1 at inference)
//	T  = sequence length (positions in this pass)
//	Tq = query positions in this pass; Tk = key positions seen so far
//	     (Tq = Tk for a prompt, Tq = 1 for a token decoded with a cache)
//	C  = channels, the residual width n_embd (768 for GPT-2 small)
//	NH = attention heads, HS = head size C/NH
//	OC = output channels of a matrix multiply
//	V  = vocabulary size
//	N  = rows of a position-wise op, usually B·T
//
// A forward function writes what the backward pass or the trace needs as
// extra outputs (LayerNorm's mean and rstd, attention's preatt and att), so
// nothing is computed twice. The functions allocate nothing; callers own
// every buffer.
package nn
