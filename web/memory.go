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
// pages. A run shared by several sessions (shared.go) is counted once,
// apart from the sessions (runs); a session counts its queue and the
// traces of its own (a generate's continuation of a shared run, beyond
// the tensors it shares, a trace opened from a file and the one compared
// with it). Every pass, once it has a forward-pass slot, reserves what
// its trace may take, and settles to what the trace holds when it ends.
// At the limit, traces that no running work reads are dropped, least
// recently used first: a session's own traces when the session is not
// running, a shared run's when none of the sessions that show it is
// (their pages are told to run again when they ask for them); when that
// is not enough (the running passes' traces alone fill the budget), the
// run is refused with a message the page shows.
//
// Its methods may be called from any goroutine. Lock order: memory.mu,
// then a session's runs.mu, then sharedRuns.mu (see shared.go); a session
// never calls memory holding runs.mu.
type memory struct {
	capacity int64
	shared   *sharedRuns // whose runs it evicts

	mu    sync.Mutex
	used  int64
	holds map[*session]*hold
	runs  map[*sharedRun]*hold // each shared run's trace, counted once
}

// hold is what one session, or one shared run, holds.
type hold struct {
	fixed    int64     // a session's send queue's bound, held while it is open
	kept     int64     // its traces, as last settled
	reserved int64     // for work not yet settled
	running  int       // reservations not yet settled
	used     time.Time // last use, for eviction
}

func newMemory(capacity int64, shared *sharedRuns) *memory {
	return &memory{capacity: capacity, shared: shared, holds: map[*session]*hold{}, runs: map[*sharedRun]*hold{}}
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
	if err := m.makeRoomLocked(ss, nil, fixed); err != nil {
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
// room by evicting traces no running work reads when needed. No one
// reservation may take more than half the budget, so that one prompt
// cannot push every other session's trace out. A session reserves 0 to
// count as running while it streams a shared run.
func (m *memory) reserve(ss *session, n int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	h := m.holds[ss]
	if h == nil {
		return errors.New("web: the session has closed")
	}
	return m.reserveLocked(h, ss, nil, n)
}

// reserveRun is reserve for work of a shared run (its pass, its lens). A
// run that was dropped (no session refers to it, or it was evicted) can
// reserve nothing: its pages are told to run the prompt again.
func (m *memory) reserveRun(sr *sharedRun, n int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if sr.dropped.Load() {
		return errEvicted
	}
	h := m.runs[sr]
	if h == nil {
		h = &hold{}
		m.runs[sr] = h
	}
	return m.reserveLocked(h, nil, sr, n)
}

// reserveLocked reserves n bytes for the work of h, which belongs to ss
// or sr; m.mu is held.
func (m *memory) reserveLocked(h *hold, ss *session, sr *sharedRun, n int64) error {
	if n > m.capacity/2 {
		return &errBusy{need: n, used: m.used, capacity: m.capacity}
	}
	if err := m.makeRoomLocked(ss, sr, n); err != nil {
		return err
	}
	m.used += n
	h.reserved += n
	h.running++
	h.used = time.Now()
	return nil
}

// settle ends a reservation of n bytes: the work is over, and ss now keeps
// kept bytes of traces of its own.
func (m *memory) settle(ss *session, n, kept int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.settleLocked(m.holds[ss], n, kept)
}

// settleRun is settle for the work of a shared run, which now keeps kept
// bytes. A run dropped meanwhile keeps nothing.
func (m *memory) settleRun(sr *sharedRun, n, kept int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.settleLocked(m.runs[sr], n, kept)
}

func (m *memory) settleLocked(h *hold, n, kept int64) {
	if h == nil {
		return
	}
	m.used += kept - h.kept - n
	h.kept, h.reserved = kept, h.reserved-n
	h.running--
	h.used = time.Now()
}

// dropRun gives back everything a shared run holds; it may be called
// more than once.
func (m *memory) dropRun(sr *sharedRun) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.dropRunLocked(sr)
}

func (m *memory) dropRunLocked(sr *sharedRun) {
	if h := m.runs[sr]; h != nil {
		m.used -= h.kept + h.reserved
		delete(m.runs, sr)
	}
}

// touch marks ss as used now, so that it and the runs it shows are
// evicted last.
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

// A victim is what eviction may drop: the own traces of an idle session,
// or a shared run.
type victim struct {
	ss   *session
	sr   *sharedRun
	used time.Time
}

// makeRoomLocked evicts traces no running work reads, least recently
// used first, until n more bytes fit for the work of ss or of sr (whose
// own traces are spared); m.mu is held.
func (m *memory) makeRoomLocked(ss *session, sr *sharedRun, n int64) error {
	if m.used+n <= m.capacity {
		return nil
	}
	var victims []victim
	for other, h := range m.holds {
		if other != ss && h.running == 0 && h.kept > 0 {
			victims = append(victims, victim{ss: other, used: h.used})
		}
	}
	for run, h := range m.runs {
		if run != sr && h.running == 0 && h.kept > 0 {
			// A shared run was last used when any of its sessions was.
			used := h.used
			for _, u := range m.shared.users(run) {
				if uh := m.holds[u]; uh != nil && uh.used.After(used) {
					used = uh.used
				}
			}
			victims = append(victims, victim{sr: run, used: used})
		}
	}
	slices.SortFunc(victims, func(a, b victim) int { return a.used.Compare(b.used) })
	for _, v := range victims {
		if m.used+n <= m.capacity {
			break
		}
		if v.ss != nil {
			m.evictSessionLocked(v.ss)
		} else {
			m.evictRunLocked(v.sr, ss)
		}
	}
	if m.used+n > m.capacity {
		return &errBusy{need: n, used: m.used, capacity: m.capacity}
	}
	return nil
}

// evictSessionLocked drops the traces of an idle session, and its
// reference to the shared run they derived from; m.mu is held.
func (m *memory) evictSessionLocked(ss *session) {
	h := m.holds[ss]
	if h == nil || h.running > 0 {
		return
	}
	base := ss.runs.evict()
	m.used -= h.kept
	h.kept = 0
	// A session's base is a run whose pass is over: it is never
	// cancelled here, so nothing waits under m.mu.
	if base != nil {
		if drop, _ := m.shared.release(ss, base); drop {
			m.dropRunLocked(base)
		}
	}
}

// evictRunLocked drops a shared run, unless one of the sessions that show
// it is running or is the session making room (asker), and with it the
// traces those sessions derived from it; m.mu is held.
func (m *memory) evictRunLocked(sr *sharedRun, asker *session) {
	users, ok := m.shared.evict(sr, func(u *session) bool {
		h := m.holds[u]
		return u == asker || h != nil && h.running > 0
	})
	if !ok {
		return
	}
	for _, u := range users {
		u.runs.dropRun(sr)
		if h := m.holds[u]; h != nil {
			kept := u.runs.kept()
			m.used += kept - h.kept
			h.kept = kept
		}
	}
	m.dropRunLocked(sr)
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
