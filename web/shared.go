package web

import (
	"context"
	"encoding/binary"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/transformer-explorer/explorer/engine"
	"github.com/transformer-explorer/explorer/trace"
)

// Runs that sessions share. A class follows its teacher, so every
// student's tab runs the teacher's prompt: the server computes each
// prompt once and every tab that runs it reads the one trace. A run's
// trace depends on the server's model, the hooks a pass records
// (Server.passHooks, the same for every run), the tokenizer's labels, and
// the prompt: its token ids and its text (the trace's Text). A page's
// eager hooks and model map change what is streamed to it, not what is
// recorded, so they are the session's (see follow).
//
// Ownership. The pass (Server.fly) alone writes a shared run's trace,
// until it seals it (trace.Seal) at the end of the pass; from then on
// nobody writes it, and trace refuses Record and AppendToken on it.
// Sessions only read it: a generate continues it into a Clone of the
// session's own (see generate), the logit lens is added once for every
// session into a sealed Clone (Server.runLens), and downloads, lessons
// and held tensors read it as it is.
//
// Lifetime. A shared run is kept while any session refers to it: one
// reference while a session streams it (follow), one while it is, or a
// trace of the session's derives from it, the session's current run
// (runs.base). When the last reference goes, a pass still running is
// cancelled and the run's memory is given back. In between, its trace is
// counted once in the server's memory (memory.runs) and may be evicted,
// like a session's own traces, when none of the sessions that refer to it
// is running (every one of them is then told it was dropped).

// runKey identifies a run of the server's model: the prompt's text and
// its token ids (4 bytes each, little-endian, so that the key compares).
type runKey struct {
	text string
	ids  string
}

func newRunKey(text string, ids []int) runKey {
	b := make([]byte, 4*len(ids))
	for i, id := range ids {
		binary.LittleEndian.PutUint32(b[4*i:], uint32(id))
	}
	return runKey{text: text, ids: string(b)}
}

// sharedRuns holds the runs sessions share, by key. Its methods may be
// called from any goroutine.
//
// Lock order: a session's lensMu, then a sharedRun's lensMu (withLens,
// runLens), then memory.mu, then a session's runs.mu, then sharedRuns.mu,
// then a sharedRun's mu.
type sharedRuns struct {
	wg sync.WaitGroup // the passes running

	mu    sync.Mutex
	byKey map[runKey]*sharedRun
	// passes counts the passes started, so that tests can tell one pass
	// from one per session.
	passes int
}

func newSharedRuns() *sharedRuns { return &sharedRuns{byKey: map[runKey]*sharedRun{}} }

// A sharedRun is one pass of a prompt and its trace, which every session
// that runs the prompt meanwhile reads (see above).
type sharedRun struct {
	key  runKey
	text string
	ids  []int

	// Guarded by sharedRuns.mu.
	users    map[*session]int // each session's references
	finished bool             // the pass has ended, well or not
	cancel   context.CancelFunc
	// ended is closed once the pass has ended and its memory is settled
	// (or given back).
	ended chan struct{}
	// dropped is set, under sharedRuns.mu, once the run is out of the
	// map: no session may take a new reference, and the server's memory
	// no longer counts it. It is read without the lock.
	dropped atomic.Bool

	mu      sync.Mutex
	tr      *trace.Trace  // nil until the pass has a slot and memory
	hooks   []string      // the hooks recorded so far, in order
	changed chan struct{} // closed, and replaced, at every change
	done    bool          // the pass completed: tr is labelled and sealed
	err     *runError     // why the pass failed
	began   time.Time     // when the pass got its slot
	took    time.Duration // how long the pass took, once done
	lens    *trace.Trace  // tr with the logit lens, sealed, once asked for

	lensMu sync.Mutex // held while the lens is computed (runLens)
}

// runError is why a shared run failed, as the page is told: a protocol
// error code and a message.
type runError struct {
	code, message string
}

// flight is what a session sees of a shared run at one moment.
type flight struct {
	tr      *trace.Trace
	hooks   []string // recorded, in order; never changed after
	done    bool
	err     *runError
	took    time.Duration   // the pass's time, once done
	changed <-chan struct{} // closed at the next change
}

// state returns the run as it is now.
func (sr *sharedRun) state() flight {
	sr.mu.Lock()
	defer sr.mu.Unlock()
	return flight{tr: sr.tr, hooks: sr.hooks, done: sr.done, err: sr.err, took: sr.took, changed: sr.changed}
}

// signalLocked wakes every session waiting for a change; sr.mu is held.
func (sr *sharedRun) signalLocked() {
	close(sr.changed)
	sr.changed = make(chan struct{})
}

// traces returns the run's trace, and the trace with the lens when one
// was made; both nil until the pass has begun.
func (sr *sharedRun) traces() (plain, lens *trace.Trace) {
	sr.mu.Lock()
	defer sr.mu.Unlock()
	return sr.tr, sr.lens
}

// joinRun returns the shared run of a prompt, starting its pass when no
// session has it, and takes a reference on it for ss, which ss gives back
// with leaveRun (or hands to its runs, see runs.finished).
func (s *Server) joinRun(ss *session, text string, ids []int) *sharedRun {
	c := s.shared
	key := newRunKey(text, ids)
	c.mu.Lock()
	defer c.mu.Unlock()
	sr := c.byKey[key]
	if sr == nil {
		ctx, cancel := context.WithCancel(context.Background())
		sr = &sharedRun{key: key, text: text, ids: ids, users: map[*session]int{}, cancel: cancel,
			ended: make(chan struct{}), changed: make(chan struct{})}
		c.byKey[key] = sr
		c.passes++
		c.wg.Add(1)
		go func() {
			defer c.wg.Done()
			defer close(sr.ended)
			defer cancel()
			s.fly(ctx, sr)
		}()
	}
	sr.users[ss]++
	return sr
}

// retain takes another reference on sr for ss, and reports false when sr
// was dropped (then no reference is taken).
func (c *sharedRuns) retain(ss *session, sr *sharedRun) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if sr.dropped.Load() {
		return false
	}
	sr.users[ss]++
	return true
}

// release gives back a reference ss holds on sr. The last reference
// takes sr out of the map (a new run of the prompt starts a new pass) and
// cancels a pass still running. It reports whether the run's memory is to
// be given back now (the pass is over), or else returns, when it
// cancelled the pass, a channel closed once fly has ended it and given
// its memory back.
func (c *sharedRuns) release(ss *session, sr *sharedRun) (drop bool, stopping <-chan struct{}) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if n := sr.users[ss] - 1; n > 0 {
		sr.users[ss] = n
	} else {
		delete(sr.users, ss)
	}
	if len(sr.users) > 0 {
		return false, nil
	}
	c.forgetLocked(sr)
	if !sr.finished {
		sr.cancel()
		return false, sr.ended
	}
	return true, nil
}

// forgetLocked takes sr out of the map for good; c.mu is held.
func (c *sharedRuns) forgetLocked(sr *sharedRun) {
	if c.byKey[sr.key] == sr {
		delete(c.byKey, sr.key)
	}
	sr.dropped.Store(true)
}

// finish records that sr's pass has ended (failed, or not) and reports
// whether the run's memory is to be given back: when it failed (it is
// forgotten, so that the next run of the prompt tries again) or no
// session refers to it any more.
func (c *sharedRuns) finish(sr *sharedRun, failed bool) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	sr.finished = true
	if failed || len(sr.users) == 0 {
		c.forgetLocked(sr)
		return true
	}
	return false
}

// evict takes sr out of the map to make room, unless its pass is not
// over or a session that refers to it is busy (running work, or the
// session making room); it returns the sessions that referred to it,
// whose traces go with it.
func (c *sharedRuns) evict(sr *sharedRun, busy func(*session) bool) ([]*session, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !sr.finished || sr.dropped.Load() {
		return nil, false
	}
	users := make([]*session, 0, len(sr.users))
	for u := range sr.users {
		if busy(u) {
			return nil, false
		}
		users = append(users, u)
	}
	c.forgetLocked(sr)
	return users, true
}

// users returns the sessions that refer to sr.
func (c *sharedRuns) users(sr *sharedRun) []*session {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]*session, 0, len(sr.users))
	for u := range sr.users {
		out = append(out, u)
	}
	return out
}

// started returns how many passes the shared runs have started.
func (c *sharedRuns) started() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.passes
}

// leaveRun gives back a reference ss holds on sr (see release). The last
// session to leave a pass still running cancels it and waits for it to
// stop (at its next layer), as a session's own work is waited for, so
// that a session that has gone holds nothing.
func (s *Server) leaveRun(ss *session, sr *sharedRun) {
	if sr == nil {
		return
	}
	drop, stopping := s.shared.release(ss, sr)
	if drop {
		s.mem.dropRun(sr)
	}
	if stopping != nil {
		<-stopping
	}
}

// fly runs the pass of sr and publishes how it ended. ctx ends when no
// session wants the run any more (release) or the server closes.
func (s *Server) fly(ctx context.Context, sr *sharedRun) {
	err := s.pass(ctx, sr)
	sr.mu.Lock()
	sr.done, sr.err = err == nil, err
	if !sr.began.IsZero() {
		sr.took = time.Since(sr.began)
	}
	sr.signalLocked()
	sr.mu.Unlock()
	if s.shared.finish(sr, err != nil) {
		s.mem.dropRun(sr)
	}
}

// pass waits for a forward-pass slot, reserves the run's trace and the
// pass's scratch from the server's memory (a run waiting for a slot holds
// none), records the pass into a new trace, hook by hook (the sessions
// following sr stream each as it is recorded), then labels and seals the
// trace and settles the memory to what it keeps. The logit lens (L+1
// unembeddings of every position, more work than the rest of the pass) is
// left out; runLens adds it when a lesson, plot or download needs it.
func (s *Server) pass(ctx context.Context, sr *sharedRun) *runError {
	if err := s.acquire(ctx); err != nil {
		return &runError{codeInternal, "the run was cancelled: " + err.Error()}
	}
	defer s.release()
	need := s.runBytes(len(sr.ids), len(sr.ids))
	if err := s.mem.reserveRun(sr, need); err != nil {
		return &runError{codeBusy, err.Error()}
	}
	var kept int64
	defer func() { s.mem.settleRun(sr, need, kept) }()
	tr, err := engine.NewTrace(s.opt.Model, s.opt.Tokenizer, sr.text, sr.ids)
	if err != nil {
		return &runError{codeBadPrompt, err.Error()}
	}
	sr.mu.Lock()
	sr.tr, sr.began = tr, time.Now()
	sr.signalLocked()
	sr.mu.Unlock()
	// The trace records first and lends the engine the memory of each
	// hook; the hook is then announced, and no one writes it again.
	announce := trace.RecorderFunc(func(t trace.Tensor) error {
		sr.mu.Lock()
		defer sr.mu.Unlock()
		sr.hooks = append(sr.hooks, t.Name)
		sr.signalLocked()
		return nil
	})
	if _, err := s.opt.Model.Forward(ctx, sr.ids, trace.Only(s.passHooks, trace.Tee(tr, announce))); err != nil {
		return &runError{codeInternal, err.Error()}
	}
	engine.LabelTrace(tr, s.opt.Tokenizer)
	tr.Seal()
	kept = tr.Bytes()
	return nil
}

// runLens returns sr's trace with the logit lens, computed once for every
// session that shows sr: the first caller computes it (engine.RecordLens)
// into a Clone of the trace, which it seals and keeps beside it, counted
// in sr's memory; callers meanwhile wait for it.
func (s *Server) runLens(ctx context.Context, sr *sharedRun) (*trace.Trace, error) {
	sr.lensMu.Lock()
	defer sr.lensMu.Unlock()
	plain, lens := sr.traces()
	if lens != nil {
		return lens, nil
	}
	if plain == nil || !plain.Sealed() {
		return nil, errors.New("web: the run is not over")
	}
	if err := s.acquire(ctx); err != nil {
		return nil, err
	}
	defer s.release()
	need := s.lensBytes(len(plain.IDs))
	if err := s.mem.reserveRun(sr, need); err != nil {
		return nil, err
	}
	kept := plain.Bytes()
	defer func() { s.mem.settleRun(sr, need, kept) }()
	full := plain.Clone()
	if err := engine.RecordLens(ctx, s.opt.Model, full); err != nil {
		return nil, err
	}
	engine.LabelTrace(full, s.opt.Tokenizer)
	full.Seal()
	sr.mu.Lock()
	sr.lens = full
	sr.mu.Unlock()
	kept = full.Bytes()
	return full, nil
}
