package engine

import "github.com/transformer-explorer/explorer/trace"

// hooks sends a pass's tensors to a recorder, skipping the ones it does not
// want. Its error is sticky, like a bufio.Writer's: the first error the
// recorder returns is kept, every later emit does nothing, and the pass
// checks err between layers and stops there. So the layer code reads as a
// list of computations and reports, without a check after each report.
//
// A nil *hooks, or one with a nil recorder, wants nothing.
type hooks struct {
	rec    trace.Recorder
	offset int  // trace.Tensor.Offset of every tensor: the first new position
	lend   bool // ask the recorder for memory (trace.Lender) to compute hooks in
	err    error
}

// wants reports whether the recorder wants the named hook.
func (h *hooks) wants(name string) bool {
	return h != nil && h.rec != nil && h.err == nil && trace.Wants(h.rec, name)
}

// buffer returns memory for n values of the named hook: memory the
// recorder lends when it wants the hook and lends, else own[:n]. What is
// computed into lent memory must not be written again after it is emitted.
func (h *hooks) buffer(name string, own []float32, n int) []float32 {
	if h.wants(name) && h.lend {
		if buf := trace.Lend(h.rec, name, n); len(buf) == n {
			return buf
		}
	}
	return own[:n]
}

// emit reports data with the given shape if the recorder wants it; the
// data must hold at least the shape's elements (the leading ones are sent).
func (h *hooks) emit(name string, data []float32, shape ...int) {
	if !h.wants(name) {
		return
	}
	n := 1
	for _, d := range shape {
		n *= d
	}
	// The shape is copied so that the variadic argument does not escape:
	// a pass that records nothing then allocates nothing.
	h.err = h.rec.Record(trace.Tensor{Name: name, Shape: append([]int(nil), shape...), Data: data[:n], Offset: h.offset})
}

// emitScale reports a LayerNorm's hook_scale, √(σ² + ε) = 1/rstd, as
// (N, 1), computing it into own scratch or memory the recorder lends.
func (h *hooks) emitScale(name string, own, rstd []float32, N int) {
	if !h.wants(name) {
		return
	}
	scale := h.buffer(name, own, N)
	for i, r := range rstd[:N] {
		scale[i] = 1 / r
	}
	h.emit(name, scale, N, 1)
}
