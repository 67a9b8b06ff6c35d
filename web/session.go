package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"slices"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"

	"github.com/transformer-explorer/explorer/engine"
	"github.com/transformer-explorer/explorer/trace"
)

// A session is one browser tab: its websocket, the trace of its current
// prompt, and the work running for it. The reader goroutine (serve) takes
// messages; one writer goroutine owns the connection's writes; each run
// works in its own goroutine under a context that a new prompt, a cancel
// message or the tab closing cancels.
type session struct {
	srv  *Server
	id   string
	conn *websocket.Conn
	out  chan outFrame
	done chan struct{} // closed when the session ends

	lensMu sync.Mutex // held while withLens adds the lens to tr

	mu     sync.Mutex
	tr     *trace.Trace // the last completed run, for downloads and lessons
	logits []float32    // its last position's logits, for sampling
	seq    int          // the seq of tr
	// live is the trace of the run in progress, seq liveSeq, so that the
	// page can fetch a held hook before the run ends.
	live    *trace.Trace
	liveSeq int
	cancel  context.CancelFunc
	wg      sync.WaitGroup // the running work
	rng     uint64         // sampling seed counter
}

// outFrame is one websocket message to send.
type outFrame struct {
	kind int // websocket.TextMessage or BinaryMessage
	data []byte
}

// clientMessage is every message a page may send; Type selects the fields
// that matter (PROTOCOL.md).
type clientMessage struct {
	Type        string   `json:"type"`
	Seq         int      `json:"seq"`
	Prompt      *string  `json:"prompt"`
	IDs         []int    `json:"ids"`
	Name        string   `json:"name"`
	Temperature *float64 `json:"temperature"`
	TopK        int      `json:"top_k"`
	TopP        *float64 `json:"top_p"`
	Seed        *uint64  `json:"seed"`
	// Eager lists the hooks (trace.Select patterns) a run streams as they
	// are computed; the others are held. Absent, every hook up to the
	// eager limit is streamed.
	Eager []string `json:"eager"`
	// Map asks for the model map's thumbnails of the attention patterns
	// that are not streamed whole.
	Map bool `json:"map"`
}

// Error codes sent in {"type":"error"} messages.
const (
	codeBadMessage = "bad_message"
	codeTooLong    = "too_long"
	codeBadPrompt  = "bad_prompt"
	codeNoModel    = "no_model"
	codeNoTrace    = "no_trace"
	codeInternal   = "internal"
)

func (s *Server) serveWebsocket(w http.ResponseWriter, r *http.Request) {
	conn, err := s.upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // the upgrader has replied
	}
	ss := &session{srv: s, id: newID(), conn: conn, out: make(chan outFrame, 64), done: make(chan struct{})}
	if !s.addSession(ss) {
		conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseTryAgainLater, "too many open tabs"), time.Now().Add(time.Second))
		conn.Close()
		return
	}
	defer s.removeSession(ss.id)
	ss.serve(r.Context())
}

// serve runs the session until the tab goes away.
func (ss *session) serve(ctx context.Context) {
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	writerDone := make(chan struct{})
	go ss.writeLoop(writerDone)
	defer func() {
		ss.stopWork()
		close(ss.done)
		<-writerDone
		ss.conn.Close()
	}()

	ss.conn.SetReadLimit(maxMessageBytes)
	ss.conn.SetReadDeadline(time.Now().Add(pongWait))
	ss.conn.SetPongHandler(func(string) error { return ss.conn.SetReadDeadline(time.Now().Add(pongWait)) })
	ss.sendHello()
	for {
		kind, data, err := ss.conn.ReadMessage()
		if err != nil {
			if errors.Is(err, websocket.ErrReadLimit) {
				ss.conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseMessageTooBig, fmt.Sprintf("messages are limited to %d bytes", maxMessageBytes)), time.Now().Add(time.Second))
			}
			return
		}
		if kind != websocket.TextMessage {
			ss.sendError(0, codeBadMessage, "send JSON text messages")
			continue
		}
		var msg clientMessage
		if err := json.Unmarshal(data, &msg); err != nil {
			ss.sendError(0, codeBadMessage, "malformed JSON: "+err.Error())
			continue
		}
		ss.handle(ctx, msg)
	}
}

// handle acts on one message from the page.
func (ss *session) handle(ctx context.Context, msg clientMessage) {
	if ss.srv.opt.Model == nil && msg.Type != "cancel" {
		ss.sendError(msg.Seq, codeNoModel, "no model is loaded: "+ss.srv.opt.ModelError.Error())
		return
	}
	switch msg.Type {
	case "run":
		ss.startRun(ctx, msg)
	case "generate":
		ss.startGenerate(ctx, msg)
	case "tensor":
		ss.sendHeld(msg)
	case "cancel":
		ss.stopWork()
	case "follow", "unfollow":
		ss.sendError(msg.Seq, codeBadMessage, fmt.Sprintf("%q is reserved for classroom rooms and not served on this page", msg.Type))
	default:
		ss.sendError(msg.Seq, codeBadMessage, fmt.Sprintf("unknown message type %q", msg.Type))
	}
}

// writeLoop owns the connection's writes until the session ends.
func (ss *session) writeLoop(finished chan<- struct{}) {
	defer close(finished)
	ping := time.NewTicker(pingEvery)
	defer ping.Stop()
	for {
		select {
		case f := <-ss.out:
			ss.conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
			if err := ss.conn.WriteMessage(f.kind, f.data); err != nil {
				ss.conn.Close() // unblocks the reader, which ends the session
				ss.drain()
				return
			}
		case <-ping.C:
			ss.conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(5*time.Second))
		case <-ss.done:
			return
		}
	}
}

// drain discards frames until the session ends, so senders never block on
// a dead connection.
func (ss *session) drain() {
	for {
		select {
		case <-ss.out:
		case <-ss.done:
			return
		}
	}
}

// send queues a frame, giving up when ctx ends or the session closes.
func (ss *session) send(ctx context.Context, f outFrame) error {
	select {
	case ss.out <- f:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-ss.done:
		return errors.New("web: session closed")
	}
}

func (ss *session) sendJSON(ctx context.Context, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return ss.send(ctx, outFrame{websocket.TextMessage, b})
}

func (ss *session) sendError(seq int, code, message string) {
	ss.sendJSON(context.Background(), map[string]any{"type": "error", "seq": seq, "code": code, "message": message})
}

func (ss *session) sendHello() {
	hello := map[string]any{"type": "hello", "session": ss.id}
	if m := ss.srv.opt.Model; m != nil {
		hello["model"] = m.Info()
		hello["steps"] = ss.srv.steps
		hello["eager_limit"] = ss.srv.opt.EagerLimit
	} else {
		hello["model_error"] = ss.srv.opt.ModelError.Error()
	}
	ss.sendJSON(context.Background(), hello)
}

// stopWork cancels the running work and waits for it to end.
func (ss *session) stopWork() {
	ss.mu.Lock()
	cancel := ss.cancel
	ss.cancel = nil
	ss.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	ss.wg.Wait()
}

// begin cancels earlier work and starts fn in its own goroutine.
func (ss *session) begin(ctx context.Context, fn func(ctx context.Context)) {
	ss.stopWork()
	ctx, cancel := context.WithCancel(ctx)
	ss.mu.Lock()
	ss.cancel = cancel
	ss.mu.Unlock()
	ss.wg.Add(1)
	go func() {
		defer ss.wg.Done()
		defer cancel()
		fn(ctx)
	}()
}

// startRun tokenizes (or takes) a prompt and streams its trace.
func (ss *session) startRun(ctx context.Context, msg clientMessage) {
	plan, ok := ss.streamPlan(msg)
	if !ok {
		return
	}
	ids, text, ok := ss.promptIDs(msg)
	if !ok {
		return
	}
	ss.begin(ctx, func(ctx context.Context) { ss.run(ctx, msg.Seq, text, ids, plan) })
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
		sel, err := trace.Select(ss.srv.opt.Model.Config.NLayer, msg.Eager...)
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

// run records a forward pass, streaming each tensor the plan picks as the
// engine produces it, as a binary frame, and announcing the others as
// held (after a pooled thumbnail, for a pattern, when the plan asks).
func (ss *session) run(ctx context.Context, seq int, text string, ids []int, plan streaming) {
	m, tok := ss.srv.opt.Model, ss.srv.opt.Tokenizer
	started := time.Now()
	if err := ss.srv.acquire(ctx); err != nil {
		return
	}
	defer ss.srv.release()

	tr, err := engine.NewTrace(m, tok, text, ids)
	if err != nil {
		ss.sendError(seq, codeBadPrompt, err.Error())
		return
	}
	ss.mu.Lock()
	ss.live, ss.liveSeq = tr, seq
	ss.mu.Unlock()
	if err := ss.sendJSON(ctx, tokensMessage(seq, tr)); err != nil {
		return
	}
	sent := 0
	// The trace records first (and lends the engine the memory of every
	// hook); the stream then sends what the trace now holds.
	sendFrame := func(frame []byte) error {
		sent += len(frame)
		return ss.send(ctx, outFrame{websocket.BinaryMessage, frame})
	}
	stream := trace.Tee(tr, trace.RecorderFunc(func(t trace.Tensor) error {
		if plan.whole(t.Name, len(t.Data)) {
			return sendFrame(encodeTensor(seq, t.Name, t.Shape, t.Data))
		}
		if plan.thumbs {
			if frame, ok := thumbnailFrame(seq, t); ok {
				if err := sendFrame(frame); err != nil {
					return err
				}
			}
		}
		return ss.sendJSON(ctx, map[string]any{"type": "held", "seq": seq, "name": t.Name, "shape": t.Shape})
	}))
	// The logit lens (L+1 unembeddings of every position, more work than
	// the rest of the pass) is left out; withLens adds it when a lesson,
	// plot or download needs it.
	logits, err := m.Forward(ctx, ids, trace.Only(ss.srv.passHooks, stream))
	if err == nil {
		engine.LabelTrace(tr, tok)
	}
	ss.mu.Lock()
	if ss.live == tr {
		ss.live = nil
	}
	if err == nil {
		ss.tr, ss.logits, ss.seq = tr, logits, seq
	}
	ss.mu.Unlock()
	if err != nil {
		if ctx.Err() == nil {
			ss.sendError(seq, codeInternal, err.Error())
		}
		return
	}
	ss.sendJSON(ctx, map[string]any{
		"type": "done", "seq": seq, "labels": tr.Labels,
		"ms": time.Since(started).Milliseconds(), "bytes": sent,
	})
}

// withLens returns the session's trace with the logit lens, which runs
// leave out. The first call after a run computes the lens from the
// trace's residual stream (engine.RecordLens) into a copy of the trace
// that shares its tensors, and makes the copy the session's trace, so
// that whoever is reading the old one is not disturbed.
func (ss *session) withLens(ctx context.Context) (*trace.Trace, error) {
	ss.lensMu.Lock()
	defer ss.lensMu.Unlock()
	ss.mu.Lock()
	tr := ss.tr
	ss.mu.Unlock()
	if tr == nil {
		return nil, errNoRun
	}
	if tr.Has(trace.LensTopIDs) {
		return tr, nil
	}
	if err := ss.srv.acquire(ctx); err != nil {
		return nil, err
	}
	defer ss.srv.release()
	full := tr.Clone()
	if err := engine.RecordLens(ctx, ss.srv.opt.Model, full); err != nil {
		return nil, err
	}
	engine.LabelTrace(full, ss.srv.opt.Tokenizer)
	ss.mu.Lock()
	if ss.tr == tr {
		ss.tr = full
	}
	ss.mu.Unlock()
	return full, nil
}

// tokensMessage describes a prompt's tokens for the token strip.
func tokensMessage(seq int, tr *trace.Trace) map[string]any {
	return map[string]any{
		"type": "tokens", "seq": seq, "text": tr.Text, "ids": tr.IDs,
		"tokens": tr.Tokens, "strings": tr.TokenStrings,
	}
}

// sendHeld sends a tensor the page asked for from the current trace.
func (ss *session) sendHeld(msg clientMessage) {
	ss.mu.Lock()
	tr, seq := ss.tr, ss.seq
	if ss.live != nil && msg.Seq == ss.liveSeq {
		tr, seq = ss.live, ss.liveSeq // the run is still going
	}
	ss.mu.Unlock()
	if tr == nil || msg.Seq != seq {
		ss.sendError(msg.Seq, codeNoTrace, "that run is no longer current; run the prompt again")
		return
	}
	t, ok := tr.Tensor(msg.Name)
	if !ok {
		ss.sendError(msg.Seq, codeBadMessage, fmt.Sprintf("the trace has no tensor %q", msg.Name))
		return
	}
	ss.send(context.Background(), outFrame{websocket.BinaryMessage, encodeTensor(seq, t.Name, t.Shape, t.Data)})
}

// sampleOptions checks a generate message's sampling knobs.
func sampleOptions(msg clientMessage) (engine.SampleOptions, error) {
	opt := engine.SampleOptions{Temperature: 1, TopK: msg.TopK, TopP: 1}
	if msg.Temperature != nil {
		opt.Temperature = *msg.Temperature
	}
	if msg.TopP != nil {
		opt.TopP = *msg.TopP
	}
	switch {
	case math.IsNaN(opt.Temperature) || opt.Temperature < 0 || opt.Temperature > 10:
		return opt, errors.New("temperature must be between 0 and 10")
	case opt.TopK < 0:
		return opt, errors.New("top_k must not be negative")
	case math.IsNaN(opt.TopP) || opt.TopP <= 0 || opt.TopP > 1:
		return opt, errors.New("top_p must be in (0, 1]")
	}
	return opt, nil
}

// startGenerate picks the next token of the current trace with the given
// sampling knobs, reports the distribution before and after them, and runs
// the prompt extended by that token as a new seq.
func (ss *session) startGenerate(ctx context.Context, msg clientMessage) {
	opt, err := sampleOptions(msg)
	if err != nil {
		ss.sendError(msg.Seq, codeBadMessage, err.Error())
		return
	}
	plan, ok := ss.streamPlan(msg)
	if !ok {
		return
	}
	ss.mu.Lock()
	tr, logits := ss.tr, ss.logits
	ss.rng++
	seed := ss.rng
	ss.mu.Unlock()
	if tr == nil {
		ss.sendError(msg.Seq, codeNoTrace, "run a prompt before generating")
		return
	}
	m, tok := ss.srv.opt.Model, ss.srv.opt.Tokenizer
	if len(tr.IDs) >= m.Config.NPositions {
		ss.sendError(msg.Seq, codeTooLong, fmt.Sprintf("the context of %d tokens is full", m.Config.NPositions))
		return
	}
	if msg.Seed != nil {
		seed = *msg.Seed
	}
	sampler := engine.NewSampler(opt, engine.NewRand(seed))
	before := engine.NewSampler(engine.SampleOptions{Temperature: 1}, engine.NewRand(0)).Distribution(logits)
	after := sampler.Distribution(logits)
	picked := sampler.Sample(logits)
	ids := append(slices.Clone(tr.IDs), picked)
	label := func(id int) string { return tok.Display(id) }
	ss.sendJSON(ctx, map[string]any{
		"type": "sampled", "seq": msg.Seq,
		"before": topTokens(before, 10, label), "after": topTokens(after, 10, label),
		"picked": map[string]any{"id": picked, "token": label(picked), "p_before": before[picked], "p_after": after[picked]},
	})
	text := tr.Text
	if b, err := tok.Decode([]int{picked}); err == nil {
		text += string(b)
	}
	ss.begin(ctx, func(ctx context.Context) { ss.run(ctx, msg.Seq, text, ids, plan) })
}

// topTokens lists the k most probable tokens of a distribution.
func topTokens(p []float64, k int, label func(int) string) []map[string]any {
	var out []map[string]any
	for _, id := range engine.Top(p, k) {
		if p[id] == 0 {
			break
		}
		out = append(out, map[string]any{"id": id, "token": label(id), "p": p[id]})
	}
	return out
}
