package engine

import (
	"fmt"
	"sync"

	"github.com/transformer-explorer/explorer/engine/kernel"
	"github.com/transformer-explorer/explorer/trace/safetensors"
)

// A boundTensor is one weight as the loader found it, for checkFinite.
type boundTensor struct {
	shard     string // the name of its weight file in the checkpoint
	file, key string // file: where the file is, for errors
	info      safetensors.Info
	data      []float32
	// mapped: data aliases the file's read-only mapping (an F32 tensor of
	// a mapped file), so its pages may be dropped (pages.Evict); see
	// matrices.markMapped.
	mapped bool
}

// finiteChunk is how many weights one task of checkFinite scans: 4 MB, a
// few hundred tasks for GPT-2 small.
const finiteChunk = 1 << 20

// checkFinite returns a TensorError wrapping ErrNonFinite that names the
// first NaN or infinity among the weights, if any. It reads every weight
// once, which makes it the largest part of loading a checkpoint that is in
// the page cache (GPT-2 small's 124M weights, 500 MB), so the scan is split
// into chunks across the pool's workers, each scanned at memory speed by
// kernel.FirstNonFinite.
func checkFinite(p *kernel.Pool, ts []boundTensor) error {
	type chunk struct{ t, lo, hi int }
	var chunks []chunk
	for i, t := range ts {
		for lo := 0; lo < len(t.data); lo += finiteChunk {
			chunks = append(chunks, chunk{i, lo, min(lo+finiteChunk, len(t.data))})
		}
	}
	var mu sync.Mutex
	first := len(chunks) // the first chunk that holds a non-finite weight
	at := -1
	p.Parallel(len(chunks), func(c int) {
		ch := chunks[c]
		i := kernel.FirstNonFinite(ts[ch.t].data[ch.lo:ch.hi])
		if i < 0 {
			return
		}
		mu.Lock()
		if c < first {
			first, at = c, ch.lo+i
		}
		mu.Unlock()
	})
	if at < 0 {
		return nil
	}
	t := ts[chunks[first].t]
	return &TensorError{File: t.file, Name: t.key, Want: t.info.Shape, Got: t.info.Shape, DType: t.info.DType,
		Err: fmt.Errorf("%w: element %d is %v (HINT: the checkpoint is corrupt or was saved after training diverged)", ErrNonFinite, at, t.data[at])}
}
