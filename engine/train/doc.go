// Package train pre-trains and fine-tunes GPT-2 models on the CPU: the
// backward pass of the whole model (built from the engine/nn layer pairs),
// AdamW with weight decay, learning-rate warm-up and cosine decay, gradient
// clipping, held-out validation, checkpoints in Hugging Face layout that
// engine.LoadDir loads, and the induction score of every attention head.
//
// The dimension letters are those of engine/nn: B sequences of T positions,
// C channels, NH heads of HS channels, F = MLP width, V = vocabulary, L =
// layers.
//
// Run is the entry point: it trains for a number of steps and calls back
// after every step with a Progress, which every few steps carries the
// attention pattern of each layer on a fixed probe (a random token sequence
// repeated twice), so a viewer can watch an induction head form. Everything
// is deterministic given Options.Seed (up to the summation order of the
// parallel kernels).
package train
