package engine

import (
	"errors"
	"fmt"
	"slices"

	"github.com/transformer-explorer/explorer/trace"
)

// Resume returns a state that has read ids, with the keys and values of
// every layer given: k[l] and v[l] are (len(ids), C), rows laid out
// [NH, HS] as the blocks.{l}.attn.hook_k and hook_v of a recorded pass
// hold them. The state's cache is exactly what a state that read ids
// would hold, so a traced prompt can be continued token by token (Append)
// without being read again. capacity is as for NewState; k and v are
// copied.
func (m *Model) Resume(ids []int, k, v [][]float32, capacity int) (*State, error) {
	C, L := m.Config.NEmbd, m.Config.NLayer
	if err := m.checkIDs(ids, 0); err != nil {
		return nil, fmt.Errorf("engine: resume: %w", err)
	}
	if len(k) != L || len(v) != L {
		return nil, fmt.Errorf("engine: resume: keys and values of %d and %d layers, the model has %d", len(k), len(v), L)
	}
	T := len(ids)
	for l := range L {
		if len(k[l]) != T*C || len(v[l]) != T*C {
			return nil, fmt.Errorf("engine: resume: layer %d has %d keys and %d values, want %d (T=%d × C=%d)", l, len(k[l]), len(v[l]), T*C, T, C)
		}
	}
	s := m.NewState(max(capacity, T+1))
	for l := range L {
		s.k[l] = append(s.k[l][:0], k[l]...)
		s.v[l] = append(s.v[l][:0], v[l]...)
	}
	s.ids = slices.Clone(ids)
	return s, nil
}

// ErrNoCache is wrapped by ResumeTrace's error when the trace lacks the
// keys or values of a layer.
var ErrNoCache = errors.New("engine: the trace has no keys or values to continue from")

// ResumeTrace is Resume from a recorded pass: the trace's ids and the
// keys and values it holds (blocks.{l}.attn.hook_k and hook_v of every
// layer).
func (m *Model) ResumeTrace(tr *trace.Trace, capacity int) (*State, error) {
	L := m.Config.NLayer
	k, v := make([][]float32, L), make([][]float32, L)
	for l := range L {
		kt, ok1 := tr.Tensor(trace.Block(l, trace.AttnK))
		vt, ok2 := tr.Tensor(trace.Block(l, trace.AttnV))
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("%w (layer %d)", ErrNoCache, l)
		}
		k[l], v[l] = kt.Data, vt.Data
	}
	return m.Resume(tr.IDs, k, v, capacity)
}
