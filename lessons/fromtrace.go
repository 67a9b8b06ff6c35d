package lessons

import "github.com/transformer-explorer/explorer/trace"

// FromTrace returns the lesson data of a recorded forward pass. The tensors
// are read from tr when a lesson asks for them, so tr must outlive the Data.
func FromTrace(tr *trace.Trace) *Data {
	return &Data{
		Model:        tr.Model,
		Text:         tr.Text,
		IDs:          tr.IDs,
		Tokens:       tr.Tokens,
		TokenStrings: tr.TokenStrings,
		Labels:       tr.Labels,
		Tensor: func(name string) ([]int, []float32, bool) {
			t, ok := tr.Tensor(name)
			return t.Shape, t.Data, ok
		},
	}
}
