package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/gorilla/websocket"

	"github.com/transformer-explorer/explorer/engine"
	"github.com/transformer-explorer/explorer/trace"
	"github.com/transformer-explorer/explorer/web/internal/wsconn"
)

// runs holds a session's traces: the last completed run, which downloads,
// lessons and generate read, and the run in progress, whose held hooks the
// page may fetch before it ends. Its methods may be called from any
// goroutine. A trace, once published here, is never written again:
// adding the lens or a generated token makes a new one (trace.Clone).
//
// The traces of a prompt's run are not the session's: every session that
// ran the prompt shares them (shared.go), and base names that run. Only
// what the session made itself is its own: a generate's continuation of
// the run (whose tensors beyond the run's are the session's), a trace
// opened from a file, and the trace compared with the current one.
type runs struct {
	mu  sync.Mutex
	tr  *trace.Trace // the last completed run, with the lens once added
	seq int          // its seq
	// base is the shared run that tr is, or that tr continues; nil for a
	// trace that shares nothing with a run (a file's). The session holds
	// one reference on it (see sharedRuns), given back when base changes.
	base *sharedRun
	// plain is tr as the run recorded it, without the lens, which a
	// generate continues (the lens of the longer sequence is made anew).
	plain *trace.Trace
	// live is the trace of the run in progress, seq liveSeq. Others read
	// only its tensors (held fetches) while it runs: its fields are still
	// the run's to write (LabelTrace) until it is published as tr.
	live    *trace.Trace
	liveSeq int
	// evicted reports that the server dropped tr to make room for other
	// sessions' runs (see memory).
	evicted bool
	// closed reports that the session has ended (close): a run finishing
	// after that keeps nothing.
	closed bool

	lensMu sync.Mutex // held while withLens adds the lens to tr

	// files names the traces opened from a file (see opened.go): the
	// current run may be one, and such a trace has no weights behind it.
	files map[*trace.Trace]string
	// other is the trace opened to compare with the current one, and
	// compared their comparison; nil when there is none.
	other    *trace.Trace
	compared *trace.TraceDiff
	// showingFile reports whether the page was last sent a file's model
	// and steps, so that the next run sends the server's model again.
	showingFile bool
	// shared is the server's own trace (Options.Trace) once the session
	// has shown it: every session shares it, so none counts it as kept.
	shared *trace.Trace
}

// current returns the last completed run and its seq.
func (r *runs) current() (*trace.Trace, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.tr, r.seq
}

// recorded returns the last completed run as it was recorded, without the
// lens, for a generate to continue, and the shared run it is or continues.
func (r *runs) recorded() (*trace.Trace, *sharedRun) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.plain, r.base
}

// started records the run in progress.
func (r *runs) started(tr *trace.Trace, seq int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.live, r.liveSeq = tr, seq
}

// finished ends the run in progress; a completed one (ok) becomes the
// current run, with base the shared run it is or continues (nil for
// none). The run held a reference on base, which becomes the session's;
// finished returns the base it replaces, whose reference the caller gives
// back (Server.leaveRun). A base dropped meanwhile is not kept: the trace
// then counts as the session's own. After close, nothing is kept, and
// finished returns base itself.
func (r *runs) finished(tr *trace.Trace, seq int, ok bool, base *sharedRun) (old *sharedRun) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.live == tr {
		r.live = nil
	}
	if !ok {
		delete(r.files, tr)
		return nil
	}
	if r.closed {
		return base // the run's reference, which no one keeps now
	}
	if r.tr != tr {
		delete(r.files, r.tr)
		r.other, r.compared = nil, nil // compared with a trace no longer shown
	}
	if base != nil && base.dropped.Load() {
		base = nil
	}
	old = r.base
	r.tr, r.plain, r.seq, r.evicted, r.base = tr, tr, seq, false, base
	return old
}

// evict drops the last completed run, and the trace compared with it, to
// make room for other sessions. It returns the shared run the trace was
// or continued, whose reference the caller gives back.
func (r *runs) evict() (base *sharedRun) {
	r.mu.Lock()
	defer r.mu.Unlock()
	base = r.base
	if r.tr != nil {
		delete(r.files, r.tr)
		r.tr, r.plain, r.evicted = nil, nil, true
	}
	r.other, r.compared, r.base = nil, nil, nil
	return base
}

// dropRun drops the current run when it is, or continues, the shared run
// sr, which the server evicted (its reference goes with it).
func (r *runs) dropRun(sr *sharedRun) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.base != sr {
		return
	}
	r.tr, r.plain, r.evicted, r.base = nil, nil, true, nil
	r.other, r.compared = nil, nil
}

// close forgets every trace when the session ends, and returns the shared
// run whose reference the caller gives back.
func (r *runs) close() (base *sharedRun) {
	r.mu.Lock()
	defer r.mu.Unlock()
	base = r.base
	r.tr, r.plain, r.live, r.base, r.other, r.compared = nil, nil, nil, nil, nil, nil
	r.closed = true
	return base
}

// kept returns the bytes of the traces the session keeps of its own
// between runs: its current trace's beyond the shared run it continues
// (nothing for the shared run itself, or the server's own trace, which
// every session shares) and the one compared with it.
func (r *runs) kept() int64 {
	r.mu.Lock()
	tr, other, shared, base := r.tr, r.other, r.shared, r.base
	r.mu.Unlock()
	var n int64
	if tr != nil && tr != shared {
		n += ownBytes(tr, base)
	}
	if other != nil {
		n += other.Bytes()
	}
	return n
}

// ownBytes returns the bytes of tr that the shared run base does not
// count: none when tr is base's trace (with or without the lens), those
// beyond base's trace when tr continues it (a Clone counts the tensors it
// shares), all of them without a base, or when base was dropped.
func ownBytes(tr *trace.Trace, base *sharedRun) int64 {
	if base == nil || base.dropped.Load() {
		return tr.Bytes()
	}
	plain, lens := base.traces()
	switch {
	case tr == plain || tr == lens:
		return 0
	case plain == nil:
		return tr.Bytes()
	}
	return tr.Bytes() - plain.Bytes()
}

// missing says why a session has no trace to read.
func (r *runs) missing() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.evicted {
		return errEvicted
	}
	return errNoRun
}

// markFile records that tr was opened from the named file; shared says
// that it is the server's own trace, which every session shows.
func (r *runs) markFile(tr *trace.Trace, name string, shared bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.files == nil {
		r.files = map[*trace.Trace]string{}
	}
	r.files[tr] = name
	if shared {
		r.shared = tr
	}
}

// fileOf returns the name of the file tr was opened from, or false for a
// trace the server's model ran.
func (r *runs) fileOf(tr *trace.Trace) (string, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	name, ok := r.files[tr]
	return name, ok
}

// find returns the trace of run seq: the current run, or the one still in
// progress; the error says why there is none.
func (r *runs) find(seq int) (*trace.Trace, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.live != nil && seq == r.liveSeq {
		return r.live, nil
	}
	if r.tr != nil && seq == r.seq {
		return r.tr, nil
	}
	if r.evicted && seq == r.seq {
		return nil, errEvicted
	}
	return nil, errStale
}

// Why a session has no trace to read.
var (
	errStale   = errors.New("that run is no longer current; run the prompt again")
	errEvicted = errors.New("the server needed the memory of this run for other users' runs; run the prompt again")
)

// withLens returns the session's trace with the logit lens, which runs
// leave out. The first call after a run computes the lens from the
// trace's residual stream (engine.RecordLens) into a copy of the trace
// that shares its tensors, and makes the copy the session's trace, so
// that whoever is reading the old one is not disturbed; a shared run's
// lens is computed once for all its sessions (Server.runLens).
func (ss *session) withLens(ctx context.Context) (*trace.Trace, error) {
	r := &ss.runs
	r.lensMu.Lock()
	defer r.lensMu.Unlock()
	r.mu.Lock()
	tr, base := r.tr, r.base
	r.mu.Unlock()
	if tr == nil {
		return nil, r.missing()
	}
	ss.srv.mem.touch(ss)
	if tr.Has(trace.LensTopIDs) {
		return tr, nil
	}
	if _, ok := r.fileOf(tr); ok {
		return nil, errNoWeights
	}
	if base != nil {
		if plain, _ := base.traces(); tr == plain {
			// The shared run's lens, made once for every session.
			full, err := ss.srv.runLens(ctx, base)
			if err != nil {
				return nil, err
			}
			r.mu.Lock()
			if r.tr == tr {
				r.tr = full
			}
			r.mu.Unlock()
			return full, nil
		}
	}
	if err := ss.srv.acquire(ctx); err != nil {
		return nil, err
	}
	defer ss.srv.release()
	need := ss.srv.lensBytes(len(tr.IDs))
	if err := ss.srv.mem.reserve(ss, need); err != nil {
		return nil, err
	}
	defer func() { ss.srv.mem.settle(ss, need, r.kept()) }()
	full := tr.Clone()
	if err := engine.RecordLens(ctx, ss.srv.opt.Model, full); err != nil {
		return nil, err
	}
	engine.LabelTrace(full, ss.srv.opt.Tokenizer)
	r.mu.Lock()
	if r.tr == tr {
		r.tr = full
	}
	r.mu.Unlock()
	return full, nil
}

// sendHeld sends a tensor the page asked for, from the current run or the
// one in progress. The frame is encoded onto the socket when it goes out,
// from the trace's own memory.
func (ss *session) sendHeld(msg clientMessage) {
	tr, err := ss.runs.find(msg.Seq)
	switch {
	case err == nil && msg.Trace == otherTrace:
		var ok bool
		if tr, ok = ss.runs.otherOf(tr); !ok {
			ss.sendError(msg.Seq, codeNoTrace, "no trace is open to compare with; open one again")
			return
		}
	case msg.Trace != "" && msg.Trace != "a":
		ss.sendError(msg.Seq, codeBadMessage, fmt.Sprintf("trace %q: want a or b", msg.Trace))
		return
	case err != nil:
		ss.sendError(msg.Seq, codeNoTrace, err.Error())
		return
	}
	ss.srv.mem.touch(ss)
	if msg.Trace == otherTrace {
		t, ok := tr.Tensor(msg.Name)
		if !ok {
			ss.sendError(msg.Seq, codeBadMessage, fmt.Sprintf("the trace compared has no tensor %q", msg.Name))
			return
		}
		ss.send(context.Background(), otherFrame(msg.Seq, t))
		return
	}
	f, _, ok := hookFrame(msg.Seq, tr, msg.Name)
	if !ok {
		ss.sendError(msg.Seq, codeBadMessage, fmt.Sprintf("the trace has no tensor %q", msg.Name))
		return
	}
	ss.send(context.Background(), f)
}

// hookFrame returns the frame of the named hook over every position the
// trace recorded, and the hook's shape. A hook recorded in one pass is
// encoded from the trace's memory; one recorded over a prompt and
// generated tokens is joined when the frame goes out (a transient copy),
// never while it waits in the queue.
func hookFrame(seq int, tr *trace.Trace, name string) (wsconn.Frame, []int, bool) {
	ps := tr.Passes(name)
	switch len(ps) {
	case 0:
		return wsconn.Frame{}, nil, false
	case 1:
		return tensorFrame(seq, ps[0]), ps[0].Shape, true
	}
	shape, ok := tr.Shape(name)
	if !ok {
		return wsconn.Frame{}, nil, false
	}
	h := frameHeader{Seq: seq, Name: name, Shape: shape}
	n := 1
	for _, d := range shape {
		n *= d
	}
	return wsconn.Frame{Kind: websocket.BinaryMessage, Size: frameSize(h, n), Write: func(w io.Writer) error {
		t, ok := tr.Tensor(name)
		if !ok {
			return fmt.Errorf("web: the passes of %s do not join", name)
		}
		return writeFrame(w, h, t.Data)
	}}, shape, true
}

// tensorFrame is the binary frame of t (see encodeTensor), encoded when
// it is written. t's data must not change until then, as a trace's never
// does.
func tensorFrame(seq int, t trace.Tensor) wsconn.Frame {
	return headedFrame(frameHeader{Seq: seq, Name: t.Name, Shape: t.Shape}, t)
}

// otherFrame is tensorFrame of a tensor of the trace compared with run
// seq's, marked "trace": "b".
func otherFrame(seq int, t trace.Tensor) wsconn.Frame {
	return headedFrame(frameHeader{Seq: seq, Name: t.Name, Shape: t.Shape, Trace: otherTrace}, t)
}

// headedFrame is the frame of t's values under header h.
func headedFrame(h frameHeader, t trace.Tensor) wsconn.Frame {
	return wsconn.Frame{Kind: websocket.BinaryMessage, Size: frameSize(h, len(t.Data)), Write: func(w io.Writer) error {
		return writeFrame(w, h, t.Data)
	}}
}
