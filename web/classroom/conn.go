package classroom

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gorilla/websocket"

	"github.com/transformer-explorer/explorer/web/internal/wsconn"
)

// joinWait is how long a new connection has to send its join.
const joinWait = 10 * time.Second

// serveWebsocket runs one room connection: it reads the join, then reads
// the teacher's views, until the client leaves, is dropped, or ctx ends;
// the connection's own writer (wsconn) sends what the room queues.
func (h *Hub) serveWebsocket(w http.ResponseWriter, r *http.Request) {
	conn, err := h.upgrader.Upgrade(w, r)
	if err != nil {
		return // the upgrader has answered
	}
	defer conn.Wait()
	release, ok := h.clients.Take(r.RemoteAddr)
	if !ok {
		refuse(conn, errTooMany, wsconn.Reason{Key: "close.roomPages", Args: map[string]any{"max": h.clients.Max()},
			Text: fmt.Sprintf("This computer already has %d room pages open. Close one and reload.", h.clients.Max())})
		return
	}
	defer release()
	conn.SetReadDeadline(time.Now().Add(joinWait))
	room, c, err := h.join(conn, r.RemoteAddr)
	if err != nil {
		h.opt.Logger.Debug("classroom: join refused", "remote", r.RemoteAddr, "err", err)
		return
	}
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	go func() {
		select {
		case <-ctx.Done():
			conn.CloseWith(websocket.CloseGoingAway, wsconn.Reason{Key: "close.stopping", Text: "the explorer is stopping"})
		case <-conn.Done():
		}
	}()
	readViews(conn, room, c)
	room.leave(c)
	conn.Close(websocket.CloseNormalClosure, "")
}

// join reads the join message and adds the connection to its room, or
// refuses it with an error message and a close frame.
func (h *Hub) join(conn *wsconn.Conn, remoteAddr string) (*Room, *client, error) {
	_, b, err := conn.Read()
	if err != nil {
		conn.Close(websocket.CloseNormalClosure, "")
		return nil, nil, err
	}
	m, err := parseMessage(b)
	if err == nil && m.Type != typeJoin {
		err = errors.New("classroom: join the room first")
	}
	if err != nil {
		return nil, nil, refuse(conn, errBadMessage, badMessage(err.Error()))
	}
	room, err := h.find(remoteAddr, m.Code)
	if err != nil {
		return nil, nil, refuse(conn, errTooMany, wsconn.Reason{Key: "close.wrongCodes", Text: err.Error()})
	}
	if room == nil {
		code := strings.ToUpper(m.Code)
		if r := []rune(code); len(r) > 12 {
			code = string(r[:12]) + "…"
		}
		return nil, nil, refuse(conn, errNoRoom, wsconn.Reason{Key: "room.noRoom", Args: map[string]any{"code": code},
			Text: "There is no room with code " + code + ". Check the code on the teacher's screen."})
	}
	teacher := m.Key != ""
	if teacher && !sameKey(m.Key, room.key) {
		h.wrongTry(remoteAddr, "teacher key")
		return nil, nil, refuse(conn, errBadKey, wsconn.Reason{Key: "room.badKey",
			Text: "This teacher link is not valid for this room. Use the link that explorer serve printed."})
	}
	c := newClient(teacher, connOutbox{conn})
	if err := room.join(c); err != nil {
		why := wsconn.Reason{Key: "room.full", Text: "The room is full."}
		if errors.Is(err, ErrRoomClosed) {
			why = wsconn.Reason{Key: "room.closed", Text: "The room is closed."}
		}
		return nil, nil, refuse(conn, errFull, why)
	}
	return room, c, nil
}

// refuse sends an error message and closes the websocket politely after
// it, both saying why; it returns an error with the code.
func refuse(conn *wsconn.Conn, code string, why wsconn.Reason) error {
	conn.TrySend(wsconn.Text(errorMessage(code, why)))
	conn.CloseWith(websocket.ClosePolicyViolation, why)
	return errors.New(code)
}

// The words of the errors a room member's messages get.
var (
	notTeacher = wsconn.Reason{Key: "room.notTeacher", Text: "Only the teacher drives the room."}
	notDriver  = wsconn.Reason{Key: "room.notDriver", Text: "Another tab drives the room; take over to drive from here."}
	badGuess   = wsconn.Reason{Key: "room.badGuess", Text: "That question is closed or has no such answer."}
)

// badMessage says that a message could not be understood, and how.
func badMessage(detail string) wsconn.Reason {
	return wsconn.Reason{Key: "error.bad_message", Text: detail}
}

// readViews reads the client's messages until the connection fails. Views
// from the teacher are published; anything from a student is refused.
func readViews(conn *wsconn.Conn, room *Room, c *client) {
	for {
		_, b, err := conn.Read()
		if err != nil {
			return
		}
		m, err := parseMessage(b)
		if err != nil {
			room.tell(c, errorMessage(errBadMessage, badMessage(err.Error())))
			continue
		}
		switch m.Type {
		case typeJoin:
			room.tell(c, errorMessage(errBadMessage, badMessage("already in the room")))
		case typeGuess:
			if !room.guess(c, m.PollID, m.Choice) {
				room.tell(c, errorMessage(errBadGuess, badGuess))
			}
		case typeTake:
			if !c.teacher {
				room.tell(c, errorMessage(errNotTeacher, notTeacher))
				continue
			}
			room.take(c)
		default: // view, poll, reveal, endpoll: the driver's
			switch {
			case !c.teacher:
				room.tell(c, errorMessage(errNotTeacher, notTeacher))
			case !room.drives(c):
				room.tell(c, errorMessage(errNotDriver, notDriver))
			case m.Type == typeView:
				room.Publish(*m.View)
			case m.Type == typePoll:
				room.openPoll(*m.Poll)
			case m.Type == typeReveal:
				if !room.revealPoll(*m.Reveal) {
					room.tell(c, errorMessage(errBadMessage, badMessage("no open poll with that answer")))
				}
			case m.Type == typeEndPoll:
				room.endPoll()
			}
		}
	}
}

// connOutbox is the outbox of a websocket client: its byte-bounded send
// queue. A client whose queue is full has fallen behind and is dropped.
type connOutbox struct{ conn *wsconn.Conn }

func (o connOutbox) offer(msg []byte) bool { return o.conn.TrySend(wsconn.Text(msg)) == nil }

func (o connOutbox) close() {
	o.conn.CloseWith(websocket.CloseTryAgainLater, wsconn.Reason{Key: "close.fellBehind", Text: "left the room or fell behind; reconnect"})
}
