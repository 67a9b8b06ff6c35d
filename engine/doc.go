// Package engine runs GPT-2 checkpoints in float32 and reports every
// intermediate tensor to a trace.Recorder as it is computed.
//
// The model is read from a Hugging Face style directory (config.json,
// model.safetensors or a sharded index, vocab.json and merges.txt); F32
// weights are memory-mapped, F16 and BF16 are widened to float32 once at
// load. A traced pass computes each hook straight into memory the
// recorder lends (trace.Lender), so a trace.Trace keeps them without a
// copy.
//
// # Packing
//
// The matrix kernels read a weight fastest from a copy in their panel
// layout (kernel.Pool.Pack). Loading makes no such copy: a pass reads the
// checkpoint's Conv1D layout (in, out) as it is mapped, packing each block
// of it on the fly inside the product, which costs about as much as
// packing the whole matrix ahead would, once. So a command that runs one
// pass (explorer trace, tokenize, plot) starts at once and never packs.
// Model.PackWeights makes the packed copies, for callers that run many
// passes: explorer serve calls it in the background right after loading,
// and its passes use each matrix's copy as soon as it exists. The forward pass follows GPT-2 exactly: token and position
// embeddings, pre-LayerNorm blocks of causal multi-head attention
// and a GELU MLP each added to the residual stream, a final LayerNorm and the
// tied unembedding. The layers themselves live in engine/nn; this package
// wires them together, names their outputs with trace hook names and adds a
// key/value cache for generation.
//
// Shapes in comments use the letters of engine/nn: T positions, C = n_embd
// channels, NH heads of HS = C/NH channels, F = n_inner (4C), V vocabulary
// entries, L layers.
package engine
