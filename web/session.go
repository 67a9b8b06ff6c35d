package web

import (
	"context"
	cryptorand "crypto/rand"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"

	"github.com/gorilla/websocket"

	"github.com/transformer-explorer/explorer/web/internal/wsconn"
)

// A session is one browser tab: its websocket, the traces of its runs
// (state.go) and the work running for it (work.go). The connection's
// reader is serve's loop; wsconn's writer goroutine owns the writes; each
// run or generate works in its own goroutine under a context that new
// work, a cancel message or the tab closing cancels.
type session struct {
	srv  *Server
	id   string
	conn *wsconn.Conn
	work work
	runs runs
	// seeds draws the seed of each generate that does not set one, so
	// that every tab samples differently; only the reader goroutine
	// (handle) uses it.
	seeds *rand.Rand
}

// newSession returns the session of a new connection, its seeds drawn
// from the system's random source.
func newSession(s *Server, conn *wsconn.Conn) *session {
	var b [16]byte
	cryptorand.Read(b[:])
	return &session{srv: s, id: newID(), conn: conn,
		seeds: rand.New(rand.NewPCG(binary.LittleEndian.Uint64(b[:8]), binary.LittleEndian.Uint64(b[8:])))}
}

// nextSeed returns the seed of a generate that sets none.
func (ss *session) nextSeed() uint64 { return ss.seeds.Uint64() }

func (s *Server) serveWebsocket(w http.ResponseWriter, r *http.Request) {
	conn, err := s.upgrader.Upgrade(w, r)
	if err != nil {
		return // the upgrader has replied
	}
	ss := newSession(s, conn)
	release, reason := s.addSession(ss, r.RemoteAddr)
	if release == nil {
		conn.CloseWith(websocket.CloseTryAgainLater, reason)
		conn.Wait()
		return
	}
	defer release()
	ss.serve(r.Context())
}

// serve runs the session until the tab goes away.
func (ss *session) serve(ctx context.Context) {
	ctx, stop := context.WithCancel(ctx)
	defer func() {
		stop()
		ss.work.stop()
		ss.conn.Close(websocket.CloseGoingAway, "")
		ss.conn.Wait()
	}()
	ss.sendHello()
	for {
		kind, data, err := ss.conn.Read()
		if err != nil {
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
	if ss.srv.opt.Model == nil && (msg.Type == msgRun || msg.Type == msgGenerate) {
		why := "this explorer was started with a trace file and no model: start it with --model to run prompts"
		if err := ss.srv.opt.ModelError; err != nil {
			why = "no model is loaded: " + err.Error()
		}
		ss.sendError(msg.Seq, codeNoModel, why)
		return
	}
	switch msg.Type {
	case msgRun:
		ss.startRun(ctx, msg)
	case msgGenerate:
		ss.startGenerate(ctx, msg)
	case msgTensor:
		ss.sendHeld(msg)
	case msgCancel:
		ss.work.stop()
	case msgShow:
		if ss.srv.opt.Trace == nil {
			ss.sendError(msg.Seq, codeNoTrace, "the explorer was not started with a trace file (explorer serve --trace FILE)")
			return
		}
		// The server's trace is shared, not the session's: it reserves
		// nothing (see runs.kept).
		if err := ss.srv.mem.reserve(ss, 0); err != nil {
			ss.sendError(msg.Seq, codeBusy, err.Error())
			return
		}
		ss.show(ctx, msg.Seq, ss.srv.opt.Trace, ss.srv.opt.TraceName, 0)
	case msgUncompare:
		ss.uncompare()
	case msgFollow, msgUnfollow:
		ss.sendError(msg.Seq, codeBadMessage, fmt.Sprintf("%q is reserved for classroom rooms and not served on this page", msg.Type))
	default:
		ss.sendError(msg.Seq, codeBadMessage, fmt.Sprintf("unknown message type %q", msg.Type))
	}
}

// send queues a frame, giving up when ctx ends or the tab has gone.
func (ss *session) send(ctx context.Context, f wsconn.Frame) error {
	return ss.conn.Send(ctx, f)
}

// sendJSON queues one JSON message.
func (ss *session) sendJSON(ctx context.Context, v any) error {
	return ss.conn.SendJSON(ctx, v)
}

func (ss *session) sendError(seq int, code, message string) {
	ss.sendJSON(context.Background(), errorMessage{Type: "error", Seq: seq, Code: code, Message: message})
}

func (ss *session) sendHello() {
	hello := helloMessage{Type: "hello", Session: ss.id, MaxTraceBytes: ss.srv.maxTraceBytes()}
	hello.Axes = ss.srv.axes
	switch m, tr := ss.srv.opt.Model, ss.srv.opt.Trace; {
	case tr != nil:
		// The page opens on the trace, whose model it shows first.
		hello.Model, hello.Steps, hello.EagerLimit = &tr.Model, ss.srv.steps, ss.srv.opt.EagerLimit
		hello.Trace, hello.Can = ss.srv.opt.TraceName, abilities{Run: m != nil}
	case m != nil:
		info := m.Info()
		hello.Model, hello.Steps, hello.EagerLimit = &info, ss.srv.steps, ss.srv.opt.EagerLimit
		hello.Can = abilities{Run: true, Generate: true}
	default:
		hello.ModelError = ss.srv.opt.ModelError.Error()
	}
	ss.sendJSON(context.Background(), hello)
}
