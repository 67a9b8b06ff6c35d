package engine

import (
	"context"

	"container/heap"
	"math"

	"github.com/transformer-explorer/explorer/engine/nn"
	"github.com/transformer-explorer/explorer/trace"
)

// candidate is a token and its logit, ordered for a min-heap of the best.
type candidate struct {
	id    int
	logit float32
}

type minHeap []candidate

func (h minHeap) Len() int { return len(h) }
func (h minHeap) Less(i, j int) bool {
	if h[i].logit != h[j].logit {
		return h[i].logit < h[j].logit
	}
	return h[i].id > h[j].id // among equals, prefer the smaller id
}
func (h minHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *minHeap) Push(x any)   { *h = append(*h, x.(candidate)) }
func (h *minHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// topK writes the len(ids) largest logits of z, best first, as ids and
// softmax probabilities (computed against the whole row via
// lse = log Σ exp z), and returns lse. When z has fewer entries, the rest
// are id −1 with probability 0. buf is scratch.
func topK(ids, probs []float32, z []float32, buf []candidate) float64 {
	k := min(len(ids), len(z))
	h := minHeap(buf[:0])
	for i, x := range z {
		if len(h) < k {
			heap.Push(&h, candidate{i, x})
		} else if x > h[0].logit {
			h[0] = candidate{i, x}
			heap.Fix(&h, 0)
		}
	}
	lse := nn.LogSumExp(z)
	for j := len(h) - 1; j >= 0; j-- {
		c := heap.Pop(&h).(candidate)
		ids[j] = float32(c.id)
		probs[j] = float32(math.Exp(float64(c.logit) - lse))
	}
	for j := k; j < len(ids); j++ {
		ids[j], probs[j] = -1, 0
	}
	return lse
}

// nextRows is how many positions a task of emitNext ranks: each costs a
// pass over V logits (50257 for GPT-2), so a few rows make a task worth
// handing to another worker.
const nextRows = 8

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// emitNext reports the derived next-token hooks from the logits (T, V) of
// every new position: the top-k predictions and, where the next token is known,
// the loss −log p(ids[t+1]).
//
// Rows are independent and are split across the pool's workers in groups
// of nextRows, each group with its own heap.
func (s *State) emitNext(h *hooks, logits []float32, ids []int, T int) {
	V := s.m.Config.VocabSize
	s.m.pool.Parallel(ceilDiv(T, nextRows), func(g int) {
		buf := make([]candidate, 0, TopK)
		for t := g * nextRows; t < min((g+1)*nextRows, T); t++ {
			z := logits[t*V : (t+1)*V]
			lse := topK(s.topIDs[t*TopK:(t+1)*TopK], s.topP[t*TopK:(t+1)*TopK], z, buf)
			if t+1 < T {
				s.loss[t] = float32(lse - float64(z[ids[t+1]]))
			}
		}
	})
	h.emit(trace.NextTopIDs, s.topIDs, T, TopK)
	h.emit(trace.NextTopProbs, s.topP, T, TopK)
	if T >= 2 {
		h.emit(trace.NextLoss, s.loss, T-1)
	}
}

// lensChunk is how many positions the logit lens unembeds at once: enough
// rows for the matrix kernel to run at full speed, few enough that the
// scratch logits stay small (64·V floats, 13 MB for GPT-2).
const lensChunk = 64

// lens computes row l of the logit lens from the residual stream x (T, C):
// the final LayerNorm and the unembedding applied to the stream entering
// block l (or leaving the last block when l = L), keeping the top-k tokens
// of every position.
func (s *State) lens(ctx context.Context, x []float32, l, T int) error {
	off := l * T * TopK
	return s.m.lensRows(ctx, s.lensIDs[off:off+T*TopK], s.lensP[off:off+T*TopK], x, s.lensLN, s.lensZ, T)
}

// lensRows writes the top-k tokens of the logit lens of the n rows of
// resid (n, C) to ids and probs (n, TopK): the final LayerNorm into ln
// (n, C), then the unembedding lensChunk rows at a time into z (scratch of
// min(n, lensChunk)·V), each chunk's rows ranked across the pool's
// workers. A done ctx stops it between chunks.
func (m *Model) lensRows(ctx context.Context, ids, probs, resid, ln, z []float32, n int) error {
	cfg := m.Config
	C, V := cfg.NEmbd, cfg.VocabSize
	w := &m.params
	nn.LayerNormForward(ln, nil, nil, resid, w.LnFW, w.LnFB, n, C, float32(cfg.LayerNormEpsilon))
	for t0 := 0; t0 < n; t0 += lensChunk {
		if err := ctx.Err(); err != nil {
			return err
		}
		rows := min(lensChunk, n-t0)
		zc := z[:rows*V]
		m.mats.lmHead.forward(m.pool, zc, ln[t0*C:(t0+rows)*C], nil, rows)
		m.pool.Parallel(ceilDiv(rows, nextRows), func(g int) {
			heap := make([]candidate, 0, TopK)
			for t := t0 + g*nextRows; t < min(t0+(g+1)*nextRows, t0+rows); t++ {
				topK(ids[t*TopK:(t+1)*TopK], probs[t*TopK:(t+1)*TopK], zc[(t-t0)*V:(t-t0+1)*V], heap)
			}
		})
	}
	return nil
}
