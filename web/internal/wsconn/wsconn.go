// Package wsconn runs the explorer's websockets the same way for every
// page: the explorer session, the training view and the classroom.
//
// An Upgrader checks that a browser's Origin names the host it connects
// to, and that the host is one the server answers to, before upgrading. A
// Conn then has exactly one reader (the caller, through Read) and one
// writer goroutine of its own, which drains a send queue bounded in bytes,
// pings the client, and closes with a code and a reason the page can show.
// A client that stops answering pings, or stops reading for longer than
// the write deadlines allow, is dropped.
package wsconn

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"
)

// Errors of sending.
var (
	// ErrClosed is returned by Send once the connection is closing.
	ErrClosed = errors.New("wsconn: connection closed")
	// ErrQueueFull is returned by TrySend when the frame does not fit in
	// the send queue.
	ErrQueueFull = errors.New("wsconn: send queue full")
	// ErrTooBig is returned by Read for a message over the read limit.
	ErrTooBig = errors.New("wsconn: message too big")
)

// Options configure an Upgrader. Zero fields take the defaults given.
type Options struct {
	// ReadLimit is the largest message a client may send, in bytes
	// (default 64 KiB). A larger one closes the connection with code 1009
	// and a reason saying the limit.
	ReadLimit int64
	// QueueBytes bounds the bytes of frames waiting to be written
	// (default 4 MiB). A frame larger than that is queued only when the
	// queue is empty, so that any frame can be sent.
	QueueBytes int64
	// PingEvery is how often the writer pings (default 25 s); PongWait is
	// how long the reader waits for any message or pong before dropping
	// the client (default 60 s).
	PingEvery, PongWait time.Duration
	// WriteWait is how long one chunk of a frame, or a control frame, may
	// take to be accepted by the client (default 10 s).
	WriteWait time.Duration
	// MinRate is the slowest a client may read a large frame, in bytes per
	// second (default 256 KiB/s): a frame of n bytes must be written within
	// WriteWait + n/MinRate.
	MinRate int64
	// AllowHost reports whether the server answers to a request's Host;
	// nil allows any. A refused host gets 421 Misdirected Request.
	AllowHost func(host string) bool
	// WriteBufferSize is the size of a frame's chunks (default 32 KiB).
	WriteBufferSize int
}

func (o *Options) defaults() {
	if o.ReadLimit <= 0 {
		o.ReadLimit = 64 << 10
	}
	if o.QueueBytes <= 0 {
		o.QueueBytes = 4 << 20
	}
	if o.PingEvery <= 0 {
		o.PingEvery = 25 * time.Second
	}
	if o.PongWait <= 0 {
		o.PongWait = 60 * time.Second
	}
	if o.WriteWait <= 0 {
		o.WriteWait = 10 * time.Second
	}
	if o.MinRate <= 0 {
		o.MinRate = 256 << 10
	}
	if o.WriteBufferSize <= 0 {
		o.WriteBufferSize = 32 << 10
	}
}

// An Upgrader turns HTTP requests into Conns. It is safe for concurrent
// use.
type Upgrader struct {
	opt Options
	ws  websocket.Upgrader
}

// NewUpgrader returns an Upgrader with opt.
func NewUpgrader(opt Options) *Upgrader {
	opt.defaults()
	u := &Upgrader{opt: opt}
	u.ws = websocket.Upgrader{
		ReadBufferSize:  4096,
		WriteBufferSize: opt.WriteBufferSize,
		CheckOrigin:     SameOrigin,
		Error: func(w http.ResponseWriter, r *http.Request, status int, reason error) {
			http.Error(w, "websocket: "+reason.Error(), status)
		},
	}
	return u
}

// SameOrigin reports whether a websocket request comes from a page of the
// host it connects to, or from a client that is not a browser (which sends
// no Origin). It is the Upgrader's origin check.
func SameOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	return err == nil && strings.EqualFold(u.Host, r.Host)
}

// Upgrade checks the request's host and origin and upgrades it. On error
// the client has been answered (421 for a host the server does not answer
// to, 403 for a foreign origin, 400 for a request that is no websocket).
// The Conn's writer runs until Close, or until the client fails.
func (u *Upgrader) Upgrade(w http.ResponseWriter, r *http.Request) (*Conn, error) {
	if u.opt.AllowHost != nil && !u.opt.AllowHost(r.Host) {
		http.Error(w, fmt.Sprintf("this server does not answer to the host %q", r.Host), http.StatusMisdirectedRequest)
		return nil, fmt.Errorf("wsconn: host %q refused", r.Host)
	}
	ws, err := u.ws.Upgrade(w, r, nil)
	if err != nil {
		return nil, err
	}
	return newConn(ws, u.opt), nil
}

// A Frame is one message to send: Data, or Size bytes that Write produces
// when the frame goes out, so that a large tensor is encoded straight onto
// the socket instead of into a copy that waits in the queue.
type Frame struct {
	Kind int // websocket.TextMessage or websocket.BinaryMessage
	Data []byte
	// Write, when set, writes the frame's Size bytes to w; it runs on the
	// writer goroutine, so what it reads must stay unchanged until then.
	Write func(w io.Writer) error
	Size  int64
}

func (f Frame) size() int64 {
	if f.Write != nil {
		return f.Size
	}
	return int64(len(f.Data))
}

// Text returns a text frame of b.
func Text(b []byte) Frame { return Frame{Kind: websocket.TextMessage, Data: b} }

// Binary returns a binary frame of b.
func Binary(b []byte) Frame { return Frame{Kind: websocket.BinaryMessage, Data: b} }

// A Conn is one websocket. Read must be called from one goroutine at a
// time; every other method may be called from any goroutine.
type Conn struct {
	ws  *websocket.Conn
	opt Options

	mu      sync.Mutex
	queue   []Frame
	queued  int64         // bytes in queue
	freed   chan struct{} // closed and replaced whenever the queue shrinks
	closing bool
	code    int
	reason  string

	wake chan struct{} // tells the writer there is work (buffered, 1)
	done chan struct{} // closed when the writer has finished
}

func newConn(ws *websocket.Conn, opt Options) *Conn {
	c := &Conn{
		ws:    ws,
		opt:   opt,
		freed: make(chan struct{}),
		wake:  make(chan struct{}, 1),
		done:  make(chan struct{}),
	}
	ws.SetReadDeadline(time.Now().Add(opt.PongWait))
	ws.SetPongHandler(func(string) error { return ws.SetReadDeadline(time.Now().Add(opt.PongWait)) })
	go c.writeLoop()
	return c
}

// Read returns the client's next message. Every message, and every pong,
// gives the client another PongWait. A message over the read limit closes
// the connection with code 1009 (message too big) and a reason saying the
// limit; any error means the connection is finished for reading.
func (c *Conn) Read() (kind int, data []byte, err error) {
	kind, r, err := c.ws.NextReader()
	if err != nil {
		return 0, nil, err
	}
	// The limit is ours, not the websocket library's, whose close frame
	// would carry no reason.
	data, err = io.ReadAll(io.LimitReader(r, c.opt.ReadLimit+1))
	if err != nil {
		return 0, nil, err
	}
	if int64(len(data)) > c.opt.ReadLimit {
		c.CloseWith(websocket.CloseMessageTooBig, Reason{Key: "close.tooBig", Args: map[string]any{"max": c.opt.ReadLimit},
			Text: fmt.Sprintf("messages are limited to %d bytes", c.opt.ReadLimit)})
		return 0, nil, ErrTooBig
	}
	c.ws.SetReadDeadline(time.Now().Add(c.opt.PongWait))
	return kind, data, nil
}

// SetReadDeadline sets the deadline for the next Read, such as a shorter
// one for a client's first message.
func (c *Conn) SetReadDeadline(t time.Time) error { return c.ws.SetReadDeadline(t) }

// Send queues f, waiting while the queue is full; it returns ctx's error
// if ctx ends first, and ErrClosed once the connection is closing.
func (c *Conn) Send(ctx context.Context, f Frame) error {
	for {
		c.mu.Lock()
		if c.closing {
			c.mu.Unlock()
			return ErrClosed
		}
		if c.fitsLocked(f) {
			c.pushLocked(f)
			c.mu.Unlock()
			return nil
		}
		freed := c.freed
		c.mu.Unlock()
		select {
		case <-freed:
		case <-ctx.Done():
			return ctx.Err()
		case <-c.done:
			return ErrClosed
		}
	}
}

// TrySend queues f if it fits, without waiting: ErrQueueFull when it does
// not, ErrClosed once the connection is closing.
func (c *Conn) TrySend(f Frame) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closing {
		return ErrClosed
	}
	if !c.fitsLocked(f) {
		return ErrQueueFull
	}
	c.pushLocked(f)
	return nil
}

// SendJSON queues v as a text frame, as Send does.
func (c *Conn) SendJSON(ctx context.Context, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("wsconn: %w", err)
	}
	return c.Send(ctx, Text(b))
}

// Queued returns the bytes waiting in the send queue.
func (c *Conn) Queued() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.queued
}

func (c *Conn) fitsLocked(f Frame) bool {
	return c.queued == 0 || c.queued+f.size() <= c.opt.QueueBytes
}

func (c *Conn) pushLocked(f Frame) {
	c.queue = append(c.queue, f)
	c.queued += f.size()
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// Close ends the connection: the frames already queued are written, then
// a close frame with code and reason (cut to the 123 bytes a close frame
// holds), and the socket is closed, which ends Read. Later sends fail. The
// first Close decides the code; Close does not wait (see Wait).
func (c *Conn) Close(code int, reason string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closing {
		return
	}
	c.closing, c.code, c.reason = true, code, reason
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// Wait waits until the writer has finished and the socket is closed.
func (c *Conn) Wait() { <-c.done }

// Done is closed when the connection has finished.
func (c *Conn) Done() <-chan struct{} { return c.done }

// writeLoop owns the socket's writes until the connection closes.
func (c *Conn) writeLoop() {
	defer close(c.done)
	defer c.ws.Close()
	defer c.fail()
	ping := time.NewTicker(c.opt.PingEvery)
	defer ping.Stop()
	for {
		select {
		case <-c.wake:
		case <-ping.C:
			if c.ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(c.opt.WriteWait)) != nil {
				return
			}
			continue
		}
		for {
			f, ok := c.pop()
			if !ok {
				break
			}
			err := c.write(f)
			c.mu.Lock()
			c.queued -= f.size()
			close(c.freed)
			c.freed = make(chan struct{})
			c.mu.Unlock()
			if err != nil {
				return
			}
		}
		c.mu.Lock()
		closing, code, reason := c.closing && len(c.queue) == 0, c.code, c.reason
		c.mu.Unlock()
		if closing {
			c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, CloseReason(reason)), time.Now().Add(c.opt.WriteWait))
			return
		}
	}
}

// fail marks the connection closing after the writer stops, so that
// senders stop queueing.
func (c *Conn) fail() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closing = true
	c.queue, c.queued = nil, 0
}

func (c *Conn) pop() (Frame, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.queue) == 0 {
		return Frame{}, false
	}
	f := c.queue[0]
	c.queue[0] = Frame{}
	c.queue = c.queue[1:]
	return f, true
}

// write sends one frame, in chunks, each of which must be accepted within
// WriteWait, and the whole within WriteWait + size/MinRate.
func (c *Conn) write(f Frame) error {
	start := time.Now()
	limit := start.Add(c.opt.WriteWait + time.Duration(f.size()*int64(time.Second)/c.opt.MinRate))
	dw := &deadlineWriter{c: c, limit: limit}
	dw.extend()
	w, err := c.ws.NextWriter(f.Kind)
	if err != nil {
		return err
	}
	dw.w = w
	if f.Write != nil {
		err = f.Write(dw)
	} else {
		_, err = dw.Write(f.Data)
	}
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	return err
}

// deadlineWriter gives every chunk written through it a fresh write
// deadline, never later than limit.
type deadlineWriter struct {
	c     *Conn
	w     io.Writer
	limit time.Time
}

func (d *deadlineWriter) extend() {
	t := time.Now().Add(d.c.opt.WriteWait)
	if t.After(d.limit) {
		t = d.limit
	}
	d.c.ws.SetWriteDeadline(t)
}

func (d *deadlineWriter) Write(p []byte) (int, error) {
	chunk := d.c.opt.WriteBufferSize
	n := 0
	for n < len(p) {
		d.extend()
		m, err := d.w.Write(p[n:min(len(p), n+chunk)])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// CloseReason cuts a close reason to the 123 bytes a close frame holds,
// at a character boundary.
func CloseReason(s string) string {
	const max = 123
	if len(s) <= max {
		return s
	}
	s = s[:max]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}
