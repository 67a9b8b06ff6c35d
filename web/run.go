package web

import (
	"context"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/transformer-explorer/explorer/engine"
	"github.com/transformer-explorer/explorer/trace"
	"github.com/transformer-explorer/explorer/web/internal/wsconn"
)

// startRun tokenizes (or takes) a prompt and streams its trace, after
// cancelling the session's running work. The pass is the prompt's shared
// run (shared.go): every session running the same prompt meanwhile reads
// the one trace, computed once.
func (ss *session) startRun(ctx context.Context, msg clientMessage) {
	plan, ok := ss.streamPlan(msg)
	if !ok {
		return
	}
	ids, text, ok := ss.promptIDs(msg)
	if !ok {
		return
	}
	ss.work.begin(ctx, func(ctx context.Context) {
		if err := ss.showModel(ctx, msg.Seq); err != nil {
			return
		}
		// The session counts as running while it follows the pass, so
		// that neither its traces nor the run's are evicted meanwhile.
		if err := ss.srv.mem.reserve(ss, 0); err != nil {
			ss.sendError(msg.Seq, codeBusy, err.Error())
			return
		}
		defer func() { ss.srv.mem.settle(ss, 0, ss.runs.kept()) }()
		ss.follow(ctx, msg.Seq, plan, ss.srv.joinRun(ss, text, ids))
	})
}

// follow streams the shared run sr to the page as run seq, holding the
// reference on sr that joinRun took: the tokens once the pass has begun,
// then every hook the pass has recorded and each new one as it is
// recorded (as streamer sends them: whole, held, or after a thumbnail,
// by the page's plan), then done; or the error that ended the pass. A
// session that joins a run in flight, or one that is over, gets the same
// frames as the session that started it, from the trace. On success sr
// becomes the session's current run and the reference its base's;
// otherwise the reference is given back.
func (ss *session) follow(ctx context.Context, seq int, plan streaming, sr *sharedRun) {
	started := time.Now()
	var (
		live *liveRun // once the pass has begun
		next int      // hooks streamed
	)
	completed := false
	defer func() {
		if completed {
			return
		}
		if live != nil {
			live.fail()
		}
		ss.srv.leaveRun(ss, sr)
	}()
	for {
		f := sr.state()
		if live == nil && f.tr != nil {
			var err error
			if live, err = ss.announce(ctx, seq, plan, f.tr, started); err != nil {
				return
			}
		}
		for ; next < len(f.hooks); next++ {
			if err := live.stream.Record(trace.Tensor{Name: f.hooks[next]}); err != nil {
				return
			}
		}
		switch {
		case f.err != nil:
			if ctx.Err() == nil {
				ss.sendError(seq, f.err.code, f.err.message)
			}
			return
		case f.done:
			completed = true
			live.took = f.took // the pass's own time, not this tab's wait
			live.complete(sr)
			live.done(ctx)
			return
		}
		select {
		case <-f.changed:
		case <-ctx.Done():
			return
		}
	}
}

// streaming says what a run sends as the engine computes it.
type streaming struct {
	asked  func(name string) bool // the hooks the page asked for
	limit  int                    // the largest tensor sent whole, in values
	thumbs bool                   // send pooled patterns for the model map
}

// whole reports whether a hook is streamed whole as soon as it exists;
// the others are held.
func (st streaming) whole(name string, values int) bool {
	return name != trace.Logits && values <= st.limit && st.asked(name)
}

// streamPlan reads what a run or generate message asks to be streamed, or
// reports a bad eager pattern and returns false.
func (ss *session) streamPlan(msg clientMessage) (streaming, bool) {
	st := streaming{asked: func(string) bool { return true }, limit: ss.srv.opt.EagerLimit, thumbs: msg.Map}
	if msg.Eager != nil {
		// Checked against the model's layers, or those of a deeper trace
		// file on screen, whose steps the page may still be on.
		depth := ss.srv.nLayer
		if tr, _ := ss.runs.current(); tr != nil {
			depth = max(depth, tr.Model.NLayer)
		}
		sel, err := trace.Select(max(depth, 1), msg.Eager...)
		if err != nil {
			ss.sendError(msg.Seq, codeBadMessage, "eager: "+err.Error())
			return st, false
		}
		st.asked = sel.Match
	}
	return st, true
}

// promptIDs checks a run message's prompt and returns its token ids.
func (ss *session) promptIDs(msg clientMessage) ([]int, string, bool) {
	m, tok := ss.srv.opt.Model, ss.srv.opt.Tokenizer
	var ids []int
	text := ""
	switch {
	case msg.Prompt != nil && msg.IDs != nil:
		ss.sendError(msg.Seq, codeBadMessage, "give prompt or ids, not both")
		return nil, "", false
	case msg.Prompt != nil:
		text = *msg.Prompt
		if !utf8.ValidString(text) {
			ss.sendError(msg.Seq, codeBadPrompt, "the prompt is not valid UTF-8")
			return nil, "", false
		}
		var err error
		if ids, err = tok.Encode(text); err != nil {
			ss.sendError(msg.Seq, codeBadPrompt, err.Error())
			return nil, "", false
		}
	case msg.IDs != nil:
		ids = msg.IDs
		for _, id := range ids {
			if id < 0 || id >= m.Config.VocabSize {
				ss.sendError(msg.Seq, codeBadPrompt, fmt.Sprintf("token id %d is outside the vocabulary of %d", id, m.Config.VocabSize))
				return nil, "", false
			}
		}
		b, err := tok.Decode(ids)
		if err != nil {
			ss.sendError(msg.Seq, codeBadPrompt, err.Error())
			return nil, "", false
		}
		text = string(b)
	default:
		ss.sendError(msg.Seq, codeBadMessage, "a run needs a prompt")
		return nil, "", false
	}
	if len(ids) == 0 {
		ss.sendError(msg.Seq, codeBadPrompt, "the prompt is empty: type some text")
		return nil, "", false
	}
	if n := m.Config.NPositions; len(ids) > n {
		ss.sendError(msg.Seq, codeTooLong, fmt.Sprintf("the prompt is %d tokens; this model reads at most %d", len(ids), n))
		return nil, "", false
	}
	return ids, text, true
}

// run records a forward pass of the session's own into the trace
// newTrace makes (a generate's continuation of base, the shared run the
// session's current trace is or continues, or nil), streaming each tensor
// the plan picks as the engine produces it, as a binary frame, and
// announcing the others as held (after a pooled thumbnail, for a
// pattern, when the plan asks). A tensor the client is too far behind to
// take is announced as held too, so that a slow page never holds up the
// engine. pass runs the engine with the recorder it is given; need is
// the most the new trace and the pass take (Server.runBytes), reserved
// from the server's memory before the pass. The run holds a reference on
// base, which becomes the session's when the run completes.
func (ss *session) run(ctx context.Context, seq int, plan streaming, need int64, base *sharedRun, newTrace func() (*trace.Trace, error),
	pass func(ctx context.Context, tr *trace.Trace, rec trace.Recorder) error) {
	started := time.Now()
	if base != nil && !ss.srv.shared.retain(ss, base) {
		base = nil // evicted meanwhile: the continuation is all the session's
	}
	completed := false
	defer func() {
		if !completed {
			ss.srv.leaveRun(ss, base)
		}
	}()
	// A run waiting for a forward-pass slot holds no memory; once it has
	// one, it makes room for its trace (evicting idle sessions' traces).
	if err := ss.srv.acquire(ctx); err != nil {
		return
	}
	defer ss.srv.release()
	if err := ss.srv.mem.reserve(ss, need); err != nil {
		ss.sendError(seq, codeBusy, err.Error())
		return
	}
	defer func() { ss.srv.mem.settle(ss, need, ss.runs.kept()) }()

	tr, err := newTrace()
	if err != nil {
		ss.sendError(seq, codeBadPrompt, err.Error())
		return
	}
	live, err := ss.announce(ctx, seq, plan, tr, started)
	if err != nil {
		return
	}
	defer live.fail()
	// The logit lens is left out, as in a shared run's pass.
	err = pass(ctx, tr, trace.Only(ss.srv.passHooks, trace.Tee(tr, live.stream)))
	if err != nil {
		if ctx.Err() == nil {
			ss.sendError(seq, codeInternal, err.Error())
		}
		return
	}
	engine.LabelTrace(tr, ss.srv.opt.Tokenizer)
	completed = true
	live.complete(base)
	live.done(ctx)
}

// A liveRun is run seq of tr in progress on the page, begun by announce.
// It ends once: by complete, or by fail, which callers defer and which
// does nothing after complete.
type liveRun struct {
	ss      *session
	tr      *trace.Trace
	seq     int
	started time.Time
	// took, when set, is the time done reports: the shared pass's own,
	// which a tab that joined it late did not wait for.
	took   time.Duration
	stream trace.Recorder // streams tr's tensors by the page's plan
	sent   *int64         // the bytes stream has sent
	ended  bool
}

// announce begins run seq of tr, begun at started, on the page: tr
// becomes the session's run in progress, the page gets its tokens, and
// the run's recorder streams tr's tensors by plan (streamer), counting
// the bytes it sends. If the tokens cannot be sent, the run ends as
// failed and the error is returned.
func (ss *session) announce(ctx context.Context, seq int, plan streaming, tr *trace.Trace, started time.Time) (*liveRun, error) {
	ss.runs.started(tr, seq)
	r := &liveRun{ss: ss, tr: tr, seq: seq, started: started}
	if err := ss.sendJSON(ctx, newTokensMessage(seq, tr)); err != nil {
		r.fail()
		return nil, err
	}
	r.stream, r.sent = ss.streamer(ctx, seq, plan, tr)
	return r, nil
}

// fail ends the run as failed, unless it has ended.
func (r *liveRun) fail() {
	if !r.ended {
		r.ended = true
		r.ss.runs.finished(r.tr, r.seq, false, nil)
	}
}

// complete ends the run as complete, continuing base (nil for none): tr
// becomes the session's current run, before the page is told it is done
// so that what the page asks next finds it, and the shared run it
// displaces is given back.
func (r *liveRun) complete(base *sharedRun) {
	r.ended = true
	r.ss.srv.leaveRun(r.ss, r.ss.runs.finished(r.tr, r.seq, true, base))
}

// done tells the page that the run is done, with its labels, the time it
// took and the bytes its tensors took.
func (r *liveRun) done(ctx context.Context) {
	took := r.took
	if took == 0 {
		took = time.Since(r.started)
	}
	r.ss.sendJSON(ctx, doneMessage{Type: "done", Seq: r.seq, Labels: r.tr.Labels, MS: took.Milliseconds(), Bytes: *r.sent})
}

// streamer returns the recorder that streams to the page, as run seq,
// each hook tr keeps once it is recorded: whole, as a binary frame, when
// the plan picks it and the client keeps up; otherwise announced as held
// (after a pooled thumbnail, for a pattern, when the plan asks). A tensor
// the client is too far behind to take is held too, so that a slow page
// never holds up the engine. The count it returns is the bytes streamed.
func (ss *session) streamer(ctx context.Context, seq int, plan streaming, tr *trace.Trace) (trace.Recorder, *int64) {
	var sent int64
	// The trace records first (and lends the engine the memory of every
	// hook); the stream then sends what the trace now keeps, which no one
	// writes again, so a frame can be encoded when it goes out. A pass of
	// a generated token sends each hook over every position, as a run of
	// the whole sequence would.
	return trace.RecorderFunc(func(t trace.Tensor) error {
		f, shape, ok := hookFrame(seq, tr, t.Name)
		if !ok {
			return fmt.Errorf("web: the trace lost %s", t.Name)
		}
		held := func() error {
			return ss.sendJSON(ctx, heldMessage{Type: "held", Seq: seq, Name: t.Name, Shape: shape})
		}
		values := 1
		for _, d := range shape {
			values *= d
		}
		if plan.whole(t.Name, values) {
			switch err := ss.conn.TrySend(f); {
			case err == nil:
				sent += f.Size
				return nil
			case errors.Is(err, wsconn.ErrQueueFull):
				return held()
			default:
				return err
			}
		}
		if plan.thumbs && isPattern(t.Name) {
			whole, _ := tr.Tensor(t.Name)
			if frame, ok := thumbnailFrame(seq, whole); ok {
				if err := ss.send(ctx, wsconn.Binary(frame)); err != nil {
					return err
				}
				sent += int64(len(frame))
			}
		}
		return held()
	}), &sent
}

// isPattern reports whether a hook is an attention pattern.
func isPattern(name string) bool {
	_, point, ok := trace.ParseBlock(name)
	return ok && point == trace.AttnPattern
}
