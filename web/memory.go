package web

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/transformer-explorer/explorer/engine"
	"github.com/transformer-explorer/explorer/trace"
)

// memory is the server's budget, in bytes, for what sessions keep between
// messages: the traces of their runs and the frames queued to their
// pages. Every run, once it has a forward-pass slot, reserves what its
// trace may take, and settles to what the trace holds when it ends. At the limit, the traces of
// the sessions used least recently that are not running are dropped
// (their pages are told to run again when they ask for them); when that is
// not enough (the running passes' traces alone fill the budget), the run
// is refused with a message the page shows.
//
// Its methods may be called from any goroutine. Lock order: memory.mu,
// then a session's runs.mu; a session never calls memory holding runs.mu.
type memory struct {
	capacity int64

	mu    sync.Mutex
	used  int64
	holds map[*session]*hold
}

// hold is what one session holds.
type hold struct {
	fixed    int64     // its send queue's bound, held while it is open
	kept     int64     // its traces, as last settled
	reserved int64     // for work not yet settled
	running  int       // reservations not yet settled
	used     time.Time // last use, for eviction
}

func newMemory(capacity int64) *memory {
	return &memory{capacity: capacity, holds: map[*session]*hold{}}
}

// errBusy is the error of a reservation the budget cannot make.
type errBusy struct {
	need, used, capacity int64
}

func (e *errBusy) Error() string {
	if e.need > e.capacity/2 {
		return fmt.Sprintf("this run's trace would take %s, more than the server keeps for one run (half of its %s for traces): try a shorter prompt",
			mib(e.need), mib(e.capacity))
	}
	return fmt.Sprintf("the server's memory for traces is in use (%s of %s, by runs still going); this needs %s more. Try again in a moment, or a shorter prompt",
		mib(e.used), mib(e.capacity), mib(e.need))
}

// mib writes a size in MiB, or KiB below 10 MiB.
func mib(n int64) string {
	if n < 10<<20 {
		return fmt.Sprintf("%d KiB", (n+1<<9)>>10)
	}
	return fmt.Sprintf("%d MiB", (n+1<<19)>>20)
}

// open admits a session, holding fixed bytes (its send queue) until close.
func (m *memory) open(ss *session, fixed int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.makeRoomLocked(ss, fixed); err != nil {
		return err
	}
	m.used += fixed
	m.holds[ss] = &hold{fixed: fixed, used: time.Now()}
	return nil
}

// close gives back everything ss holds.
func (m *memory) close(ss *session) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if h := m.holds[ss]; h != nil {
		m.used -= h.fixed + h.kept + h.reserved
		delete(m.holds, ss)
	}
}

// reserve holds n more bytes for work of ss that will settle them, making
// room by evicting idle sessions' traces when needed. No one reservation
// may take more than half the budget, so that one prompt cannot push
// every other session's trace out.
func (m *memory) reserve(ss *session, n int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	h := m.holds[ss]
	if h == nil {
		return errors.New("web: the session has closed")
	}
	if n > m.capacity/2 {
		return &errBusy{need: n, used: m.used, capacity: m.capacity}
	}
	if err := m.makeRoomLocked(ss, n); err != nil {
		return err
	}
	m.used += n
	h.reserved += n
	h.running++
	h.used = time.Now()
	return nil
}

// settle ends a reservation of n bytes: the work is over, and ss now keeps
// kept bytes of traces.
func (m *memory) settle(ss *session, n, kept int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	h := m.holds[ss]
	if h == nil {
		return
	}
	m.used += kept - h.kept - n
	h.kept, h.reserved = kept, h.reserved-n
	h.running--
	h.used = time.Now()
}

// touch marks ss as used now, so that it is evicted last.
func (m *memory) touch(ss *session) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if h := m.holds[ss]; h != nil {
		h.used = time.Now()
	}
}

// inUse returns the bytes held.
func (m *memory) inUse() int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.used
}

// makeRoomLocked evicts the traces of idle sessions other than ss, least
// recently used first, until n more bytes fit; m.mu is held.
func (m *memory) makeRoomLocked(ss *session, n int64) error {
	if m.used+n <= m.capacity {
		return nil
	}
	var idle []*session
	for other, h := range m.holds {
		if other != ss && h.running == 0 && h.kept > 0 {
			idle = append(idle, other)
		}
	}
	slices.SortFunc(idle, func(a, b *session) int { return m.holds[a].used.Compare(m.holds[b].used) })
	for _, other := range idle {
		if m.used+n <= m.capacity {
			break
		}
		other.runs.evict()
		h := m.holds[other]
		m.used -= h.kept
		h.kept = 0
	}
	if m.used+n > m.capacity {
		return &errBusy{need: n, used: m.used, capacity: m.capacity}
	}
	return nil
}

// traceBytes returns what the trace of a run of T new positions, after
// keys-T cached ones, takes at most: every hook of the pass (passHooks)
// in float32.
func (s *Server) traceBytes(T, keys int) int64 {
	info := s.opt.Model.Info()
	d := info.Dims(T, engine.TopK)
	d.Keys = keys
	var n int64
	for _, name := range trace.Names(info.NLayer) {
		if !s.passHooks.Match(name) {
			continue
		}
		lay, err := trace.LayoutOf(name, d)
		if err != nil {
			continue
		}
		size := int64(1)
		for _, dim := range lay.Shape {
			size *= int64(dim)
		}
		n += size
	}
	return 4 * n
}

// passBytes returns the scratch of a forward pass of T new positions after
// keys-T cached ones, beyond what it records into the trace: the key and
// value caches (counted twice: a generate rebuilds them from the trace's
// joined keys and values), the per-position activations, and a row of
// logits.
func (s *Server) passBytes(T, keys int) int64 {
	c := s.opt.Model.Config
	L, C, F, V := int64(c.NLayer), int64(c.NEmbd), int64(c.Inner()), int64(c.VocabSize)
	return 4 * (4*L*int64(keys)*C + int64(T)*(11*C+2*F) + V)
}

// runBytes is what a run of T new positions after keys-T cached ones
// reserves: its trace and its pass's scratch, which is given back when the
// run settles.
func (s *Server) runBytes(T, keys int) int64 { return s.traceBytes(T, keys) + s.passBytes(T, keys) }

// lensBytes returns what the logit lens adds to a trace of T positions.
func (s *Server) lensBytes(T int) int64 {
	return 2 * 4 * int64(s.opt.Model.Config.NLayer+1) * int64(T) * engine.TopK
}
