package classroom

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gorilla/websocket"
)

// Timing of a connection.
const (
	joinWait  = 10 * time.Second // for the first message
	writeWait = 10 * time.Second // for one frame to go out
	pingEvery = 25 * time.Second
	pongWait  = 60 * time.Second
)

// serveWebsocket runs one room connection: it reads the join, then runs a
// writer goroutine draining the client's queue while it reads the
// teacher's views, until the client leaves, is dropped, or ctx ends.
func (h *Hub) serveWebsocket(w http.ResponseWriter, r *http.Request) {
	conn, err := h.upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // the upgrader has answered
	}
	defer conn.Close()
	conn.SetReadLimit(maxMessageBytes)
	conn.SetReadDeadline(time.Now().Add(joinWait))
	room, c, err := h.join(conn)
	if err != nil {
		h.opt.Logger.Debug("classroom: join refused", "remote", r.RemoteAddr, "err", err)
		return
	}
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		writePump(ctx, conn, c.send)
	}()
	readPump(conn, room, c)
	room.leave(c)
	cancel()
	<-done
}

// join reads the join message and adds the connection to its room, or
// refuses it with an error message and a close frame.
func (h *Hub) join(conn *websocket.Conn) (*Room, *client, error) {
	_, b, err := conn.ReadMessage()
	if err != nil {
		return nil, nil, err
	}
	m, err := parseMessage(b)
	if err == nil && m.Type != typeJoin {
		err = errors.New("classroom: join the room first")
	}
	if err != nil {
		return nil, nil, refuse(conn, errBadMessage, err.Error())
	}
	room := h.Room(m.Code)
	if room == nil {
		return nil, nil, refuse(conn, errNoRoom, "There is no room with code "+strings.ToUpper(m.Code)+". Check the code on the teacher's screen.")
	}
	teacher := m.Key != ""
	if teacher && !sameKey(m.Key, room.key) {
		return nil, nil, refuse(conn, errBadKey, "This teacher link is not valid for this room. Use the link that explorer serve printed.")
	}
	c := newClient(teacher, h.opt.Queue)
	if err := room.join(c); err != nil {
		return nil, nil, refuse(conn, errFull, err.Error())
	}
	return room, c, nil
}

// refuse sends an error and closes the websocket politely; it returns an
// error saying why.
func refuse(conn *websocket.Conn, code, text string) error {
	deadline := time.Now().Add(writeWait)
	conn.SetWriteDeadline(deadline)
	conn.WriteMessage(websocket.TextMessage, errorMessage(code, text))
	reason := text
	if len(reason) > 120 { // a close frame holds 123 bytes of reason
		reason = reason[:120]
	}
	conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.ClosePolicyViolation, reason), deadline)
	return errors.New(code)
}

// readPump reads the client's messages until the connection fails. Views
// from the teacher are published; anything from a student is refused.
func readPump(conn *websocket.Conn, room *Room, c *client) {
	conn.SetReadDeadline(time.Now().Add(pongWait))
	conn.SetPongHandler(func(string) error { return conn.SetReadDeadline(time.Now().Add(pongWait)) })
	for {
		_, b, err := conn.ReadMessage()
		if err != nil {
			return
		}
		conn.SetReadDeadline(time.Now().Add(pongWait))
		m, err := parseMessage(b)
		switch {
		case err != nil:
			room.tell(c, errorMessage(errBadMessage, err.Error()))
		case m.Type != typeView:
			room.tell(c, errorMessage(errBadMessage, "already in the room"))
		case !c.teacher:
			room.tell(c, errorMessage(errNotTeacher, "Only the teacher drives the room."))
		default:
			room.Publish(*m.View)
		}
	}
}

// writePump sends the client's queue in order, and pings. When the queue
// closes (the client left or was dropped) or ctx ends, it sends a close
// frame and closes the connection, which ends the reader.
func writePump(ctx context.Context, conn *websocket.Conn, send <-chan []byte) {
	defer conn.Close()
	ping := time.NewTicker(pingEvery)
	defer ping.Stop()
	bye := func(code int, reason string) {
		conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason), time.Now().Add(time.Second))
	}
	for {
		select {
		case msg, ok := <-send:
			if !ok {
				bye(websocket.CloseTryAgainLater, "left the room or fell behind; reconnect")
				return
			}
			conn.SetWriteDeadline(time.Now().Add(writeWait))
			if err := conn.WriteMessage(websocket.TextMessage, msg); err != nil {
				return
			}
		case <-ping.C:
			if err := conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(writeWait)); err != nil {
				return
			}
		case <-ctx.Done():
			bye(websocket.CloseGoingAway, "the explorer is stopping")
			return
		}
	}
}

// sameOrigin accepts a websocket whose Origin names the host it connects
// to, and clients that are not browsers (no Origin).
func sameOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	return err == nil && strings.EqualFold(u.Host, r.Host)
}
