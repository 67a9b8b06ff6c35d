package classroom

import (
	"embed"
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/a-h/templ"
	"github.com/transformer-explorer/explorer/web/internal/limit"
	"github.com/transformer-explorer/explorer/web/internal/wsconn"

	"github.com/transformer-explorer/explorer/web"
)

//go:embed static
var staticFiles embed.FS

// Options configure a Hub.
type Options struct {
	// Page renders the room pages: the explorer page with the room bar
	// (*web.Server). Required.
	Page Pages
	// JoinURL is the address students should open, shown on the teacher's
	// screen, such as "http://192.168.1.20:8080/room/". The default is
	// /room/ on the host the teacher's browser used.
	JoinURL string
	// MaxStudents bounds each room (default DefaultMaxStudents). Every
	// student's page also opens an explorer tab, so the explorer must
	// serve at least this many (see cmd/explorer serve --classroom).
	MaxStudents int
	// MaxPerClient bounds the room sockets one client (remote address)
	// may hold (default DefaultMaxPerClient), so that one machine
	// cannot fill the room. A class behind one address (NAT, a proxy)
	// needs one per student and teacher tab.
	MaxPerClient int
	// WrongCodes is how many wrong room codes or teacher keys one client
	// may send at once before it must wait (default DefaultWrongCodes);
	// it then may try one per 3 s. A class behind one address shares it:
	// allow each student a slip.
	WrongCodes int
	// QueueBytes bounds each connection's send queue, in bytes (default
	// 1 MiB: a dozen views with the longest prompts, thousands of short
	// ones). A student this far behind is dropped.
	QueueBytes int64
	Logger     *slog.Logger
}

// DefaultMaxStudents is the default size of a room.
const DefaultMaxStudents = 200

// DefaultMaxPerClient is the default Options.MaxPerClient: a student needs
// one room page, and may open a few.
const DefaultMaxPerClient = 4

// DefaultWrongCodes is the default Options.WrongCodes: the wrong room
// codes and teacher keys a client may try before it must wait. A
// student's typos fit in it, and guessing a code (one in about three
// million) at one try per wrongEvery would take months.
const DefaultWrongCodes = 20

// wrongEvery is how often a client that used up its wrong codes may try
// again.
const wrongEvery = 3 * time.Second

// Pages renders the explorer page of a room; *web.Server is one.
type Pages interface {
	// RoomPage returns the explorer page with room's bar and script,
	// opening on room.View.
	RoomPage(r *http.Request, room web.Room) templ.Component
}

// A Hub serves the rooms of a classroom under /room/ (see the package
// documentation). Mount it with the pattern "/room/".
type Hub struct {
	opt      Options
	mux      *http.ServeMux
	upgrader *wsconn.Upgrader
	clients  *limit.PerClient // room sockets per remote address
	wrong    *limit.Rate      // wrong codes and keys per remote address

	mu    sync.Mutex
	rooms map[string]*Room
}

// NewHub returns a Hub with no rooms.
func NewHub(opt Options) (*Hub, error) {
	if opt.Page == nil {
		return nil, errors.New("classroom: no explorer page to serve")
	}
	if opt.MaxStudents <= 0 {
		opt.MaxStudents = DefaultMaxStudents
	}
	if opt.MaxPerClient <= 0 {
		opt.MaxPerClient = DefaultMaxPerClient
	}
	if opt.WrongCodes <= 0 {
		opt.WrongCodes = DefaultWrongCodes
	}
	if opt.QueueBytes <= 0 {
		opt.QueueBytes = 1 << 20
	}
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	h := &Hub{
		opt:     opt,
		mux:     http.NewServeMux(),
		rooms:   map[string]*Room{},
		clients: limit.NewPerClient(opt.MaxPerClient),
		wrong:   limit.NewRate(opt.WrongCodes, wrongEvery),
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

// find is Room for a code a client at remoteAddr sent: a wrong code (or
// teacher key, through wrongTry) counts against the client, and a client
// with too many wrong tries gets errTooManyTries until it waits. The
// first refusal of a burst is logged.
func (h *Hub) find(remoteAddr, code string) (*Room, error) {
	if !h.wrong.Ready(remoteAddr) {
		return nil, errTooManyTries
	}
	room := h.Room(code)
	if room == nil {
		h.wrongTry(remoteAddr, "room code")
	}
	return room, nil
}

// wrongTry counts a wrong code or key of the client at remoteAddr, and
// logs when it has used up its tries.
func (h *Hub) wrongTry(remoteAddr, what string) {
	if h.wrong.Spend(remoteAddr) {
		h.opt.Logger.Warn("classroom: too many wrong room codes or keys; refusing this client's joins for a while",
			"client", limit.Client(remoteAddr), "last", what, "tries", h.opt.WrongCodes, "then one per", wrongEvery)
	}
}

// errTooManyTries refuses a client that sent too many wrong codes.
var errTooManyTries = errors.New("Too many wrong room codes from this computer. Wait a minute, then type the code on the teacher's screen.")

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
