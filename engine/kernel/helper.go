package kernel

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Helper states. A helper that has just finished a job keeps polling for
// the next one for helperSpin before it parks on its channel: waking a
// parked goroutine means waking an OS thread, which costs about 40 µs on
// this (virtualised) machine, the time of a whole M = 16 matrix product,
// while a matrix-heavy forward pass issues its next call within
// microseconds. The poll yields the processor on every turn, so other
// goroutines still run.
const (
	helperSpinning int32 = iota // idle, polling next
	helperParked                // idle, blocked on wake
	helperBusy                  // claimed by a caller, running its job
	helperClosed
)

// helperSpin is how long an idle helper polls before parking.
const helperSpin = 200 * time.Microsecond

// A helper is one worker goroutine and the scratch it owns. A caller that
// claims it (state → busy) hands over the job through next if the helper
// is polling, or through wake if it is parked.
type helper struct {
	state atomic.Int32
	next  atomic.Pointer[job]
	wake  chan *job // capacity 1
	s     scratch
}

// offer hands j to h if h is idle and reports whether it did. The helper
// joins j's participants.
func (h *helper) offer(j *job) bool {
	for {
		switch st := h.state.Load(); st {
		case helperSpinning:
			if h.state.CompareAndSwap(st, helperBusy) {
				j.pending.Add(1)
				h.next.Store(j)
				return true
			}
		case helperParked:
			if h.state.CompareAndSwap(st, helperBusy) {
				j.pending.Add(1)
				h.wake <- j
				return true
			}
		default:
			return false
		}
	}
}

// loop is the helper goroutine: it runs the jobs it is handed until the
// helper is closed.
func (h *helper) loop(wg *sync.WaitGroup) {
	defer wg.Done()
	deadline := time.Now().Add(helperSpin)
	for {
		if j := h.next.Swap(nil); j != nil {
			h.runJob(j)
			deadline = time.Now().Add(helperSpin)
			continue
		}
		st := h.state.Load()
		if st == helperClosed {
			return
		}
		if st == helperSpinning && time.Now().After(deadline) && h.state.CompareAndSwap(helperSpinning, helperParked) {
			j, ok := <-h.wake
			if !ok {
				return
			}
			h.runJob(j)
			deadline = time.Now().Add(helperSpin)
			continue
		}
		// Idle and polling, or claimed with the job not stored yet.
		runtime.Gosched()
	}
}

// runJob works on j, makes h claimable again and leaves j.
func (h *helper) runJob(j *job) {
	j.work(&h.s)
	h.state.Store(helperSpinning)
	j.leave()
}

// close stops h once it is idle.
func (h *helper) close() {
	for {
		switch st := h.state.Load(); st {
		case helperClosed:
			return
		case helperSpinning:
			if h.state.CompareAndSwap(st, helperClosed) {
				return
			}
		case helperParked:
			if h.state.CompareAndSwap(st, helperClosed) {
				close(h.wake)
				return
			}
		default:
			runtime.Gosched() // finishing a job
		}
	}
}
