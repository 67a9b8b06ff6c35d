package classroom

import (
	"embed"
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"sync"

	"github.com/transformer-explorer/explorer/web/internal/wsconn"
)

//go:embed static
var staticFiles embed.FS

// Options configure a Hub.
type Options struct {
	// Page serves the explorer page at GET /; the room pages are that page
	// with the room script added. Required.
	Page http.Handler
	// JoinURL is the address students should open, shown on the teacher's
	// screen, such as "http://192.168.1.20:8080/room/". The default is
	// /room/ on the host the teacher's browser used.
	JoinURL string
	// MaxStudents bounds each room (default 200).
	MaxStudents int
	// QueueBytes bounds each connection's send queue, in bytes (default
	// 1 MiB: a dozen views with the longest prompts, thousands of short
	// ones). A student this far behind is dropped.
	QueueBytes int64
	Logger     *slog.Logger
}

// A Hub serves the rooms of a classroom under /room/ (see the package
// documentation). Mount it with the pattern "/room/".
type Hub struct {
	opt      Options
	mux      *http.ServeMux
	upgrader *wsconn.Upgrader

	mu    sync.Mutex
	rooms map[string]*Room
}

// NewHub returns a Hub with no rooms.
func NewHub(opt Options) (*Hub, error) {
	if opt.Page == nil {
		return nil, errors.New("classroom: no explorer page to serve")
	}
	if opt.MaxStudents <= 0 {
		opt.MaxStudents = 200
	}
	if opt.QueueBytes <= 0 {
		opt.QueueBytes = 1 << 20
	}
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	h := &Hub{
		opt:   opt,
		mux:   http.NewServeMux(),
		rooms: map[string]*Room{},
		upgrader: wsconn.NewUpgrader(wsconn.Options{
			ReadLimit:       maxMessageBytes,
			QueueBytes:      opt.QueueBytes,
			WriteBufferSize: 4096,
		}),
	}
	static, err := fs.Sub(staticFiles, "static")
	if err != nil {
		return nil, err
	}
	files := http.StripPrefix("/room/", http.FileServerFS(static))
	h.mux.Handle("GET /room/room.js", files)
	h.mux.Handle("GET /room/room.css", files)
	h.mux.HandleFunc("GET /room/{$}", h.serveJoin)
	h.mux.HandleFunc("GET /room/{code}", h.serveStudent)
	h.mux.HandleFunc("GET /room/{code}/teacher", h.serveTeacher)
	h.mux.HandleFunc("GET /room/ws", h.serveWebsocket)
	return h, nil
}

// NewRoom opens a room with a fresh code and teacher key.
func (h *Hub) NewRoom() *Room {
	h.mu.Lock()
	defer h.mu.Unlock()
	code := newCode()
	for h.rooms[code] != nil {
		code = newCode()
	}
	r := newRoom(code, newKey(), h.opt.MaxStudents)
	h.rooms[code] = r
	return r
}

// Room returns the room with the given code, as a student may type it
// (any case, with spaces or dashes), or nil.
func (h *Hub) Room(code string) *Room {
	code, ok := normalizeCode(code)
	if !ok {
		return nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.rooms[code]
}

// ServeHTTP serves the room pages and the room websocket.
func (h *Hub) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

// Close closes every room, dropping its connections.
func (h *Hub) Close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for code, r := range h.rooms {
		r.close()
		delete(h.rooms, code)
	}
}
