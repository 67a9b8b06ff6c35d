package kernel

import (
	"sync"
	"sync/atomic"
)

// jobKind says what a job's tasks are.
type jobKind int

const (
	jobFunc      jobKind = iota // task i is fn(i)
	jobGemm                     // task i is a block of a Gemm; see gemmArgs.task
	jobAttention                // task i is rows of one attention head; see attnArgs.task
)

// A job is one call's set of n tasks, drained through the atomic counter
// next by the calling goroutine and the helpers it recruited. Job records
// are recycled, which keeps steady-state calls free of allocations; that is
// safe because a caller only recycles a job after every participant has
// left it (pending reached zero).
type job struct {
	kind jobKind
	fn   func(int)
	g    gemmArgs
	// partial holds the split-K partial sums of a Gemm (see modeAxpyK); it
	// keeps its capacity when the job is recycled.
	partial []float32
	a       attnArgs

	n       int64
	next    atomic.Int64 // next unclaimed task index
	pending atomic.Int32 // participants still working: caller + recruited helpers
	done    chan struct{}

	panicMu  sync.Mutex
	panicVal any // first panic of a task, re-raised by the caller
}

// work claims and runs tasks until none are left. A panicking task is
// recorded and the participant stops claiming; the caller re-panics.
func (j *job) work(s *scratch) {
	defer func() {
		if r := recover(); r != nil {
			j.panicMu.Lock()
			if j.panicVal == nil {
				j.panicVal = r
			}
			j.panicMu.Unlock()
		}
	}()
	for {
		i := j.next.Add(1) - 1
		if i >= j.n {
			return
		}
		switch j.kind {
		case jobFunc:
			j.fn(int(i))
		case jobGemm:
			j.g.task(s, int(i))
		case jobAttention:
			j.a.task(s, int(i))
		}
	}
}

// leave is called by a helper when it is done with j; the last participant
// out wakes the caller.
func (j *job) leave() {
	if j.pending.Add(-1) == 0 {
		j.done <- struct{}{}
	}
}
