package web

import (
	"context"
	"crypto/rand"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/transformer-explorer/explorer/engine"
	"github.com/transformer-explorer/explorer/engine/tokenizer"
	"github.com/transformer-explorer/explorer/lessons"
	"github.com/transformer-explorer/explorer/lessons/i18n"
	"github.com/transformer-explorer/explorer/lessons/mathml"
	"github.com/transformer-explorer/explorer/trace"
	"github.com/transformer-explorer/explorer/viz"
	"github.com/transformer-explorer/explorer/viz/palette"
	"github.com/transformer-explorer/explorer/web/internal/hostcheck"
	"github.com/transformer-explorer/explorer/web/internal/limit"
	"github.com/transformer-explorer/explorer/web/internal/wsconn"
)

//go:embed static
var staticFiles embed.FS

// Options configure a Server. Model and Tokenizer are required unless
// ModelError says why there is no model; then the page shows that error.
type Options struct {
	Model      *engine.Model
	Tokenizer  *tokenizer.Tokenizer
	ModelError error
	// Lessons fill the lesson panel; nil shows each step's formula only.
	Lessons *lessons.Library
	// MaxConcurrent bounds the forward passes running at once
	// (default: the number of CPUs).
	MaxConcurrent int
	// MaxSessions bounds the open websockets (default
	// DefaultMaxSessions).
	MaxSessions int
	// MaxSessionsPerClient bounds the websockets one client (one remote
	// address) may hold (default DefaultMaxSessionsPerClient), so that no
	// machine on the network takes every tab's slot; ≤ MaxSessions. A
	// class behind one address (NAT, a proxy) needs it as large as the
	// class (explorer serve --nat).
	MaxSessionsPerClient int
	// MemoryBytes is the server's budget for the traces sessions keep, the
	// frames queued to their pages and the scratch of the passes running
	// (default DefaultMemoryBytes). At the limit the traces of idle
	// sessions, least recently used first, are dropped, and a run that
	// still does not fit, or would take more than half the budget, is
	// refused with a message the page shows.
	MemoryBytes int64
	// QueueBytes bounds each websocket's queue of frames waiting to be
	// sent (default 2 MiB); a page this far behind is sent "held"
	// announcements instead of tensors, and fetches them when it catches
	// up. Every session holds this much of MemoryBytes.
	QueueBytes int64
	// ReadWait is how long a plain HTTP request's body may take to arrive
	// (default 30 s), WriteWait how long its response may take to be
	// taken (default 60 s); a download must take each chunk within
	// WriteWait. Websockets are exempt and keep their own deadlines.
	ReadWait, WriteWait time.Duration
	// Hosts allows the server to be reached by these names or addresses
	// (such as the LAN address of a classroom) beside the loopback names;
	// any other Host gets 421, against DNS rebinding.
	Hosts []string
	// EagerLimit is the largest tensor, in values, sent without being
	// asked for (default 1<<18); larger ones are sent on request.
	EagerLimit int
	Logger     *slog.Logger
	// TrainWorkers bounds the cores a training run from the page uses
	// (default: all).
	TrainWorkers int
	// Trace, when set, is the trace every page opens on (explorer serve
	// --trace FILE), named TraceName. With a Trace the server needs no
	// model: Model and ModelError may both be nil, and the page shows the
	// trace's steps without running prompts.
	Trace     *trace.Trace
	TraceName string
	// MaxTraceBytes bounds a trace file a page opens, and the memory the
	// trace decodes to (default 256 MiB).
	MaxTraceBytes int64
}

// A Server is the explorer's HTTP handler: the page, its static files, the
// websocket and the downloads. Mount extra handlers with Handle before
// serving.
type Server struct {
	opt      Options
	mux      *http.ServeMux
	upgrader *wsconn.Upgrader // the explorer's sessions
	// trainUpgrader is the training view's: its messages are tiny.
	trainUpgrader *wsconn.Upgrader
	work          chan struct{} // semaphore of forward passes
	training      chan struct{} // one training run at a time
	// demoTokens is the training view's encoded corpus, guarded by
	// holding a slot of training.
	demoTokens []int
	steps      []stepInfo
	// axes names the axes of every hook of the model (trace.Layout.Axes),
	// sent in the hello so the page lays tensors out without guessing.
	axes map[string][]string
	// passHooks selects what a run records during its forward pass: every
	// hook but the logit lens, which is added afterwards (see run).
	passHooks trace.Selection
	mem       *memory          // the budget of kept traces and queues
	shared    *sharedRuns      // the runs sessions share, by prompt
	clients   *limit.PerClient // websockets per remote address
	hosts     *hostcheck.List  // the names the server answers to

	// formulas are the steps' formulas in MathML, by kind; steps are the
	// steps of the nLayer-layer model (or trace) the server shows first.
	formulas map[trace.StepKind]string
	nLayer   int

	mu       sync.Mutex
	sessions map[string]*session
}

// stepInfo is a trace step as the page shows it, its formula as MathML.
// The page names it from the catalogue (lessons/i18n "step.KIND").
type stepInfo struct {
	ID      string   `json:"id"`
	Kind    string   `json:"kind"`
	Layer   int      `json:"layer"`
	Formula string   `json:"formula"` // MathML
	Hooks   []string `json:"hooks"`
	// Plot is the viz kind the page's downloads draw for the step.
	Plot string `json:"plot"`
}

// Title returns the step's teaching title in lang.
func (st stepInfo) Title(lang string) string {
	return lessons.StepTitle(trace.StepKind(st.Kind), st.Layer, lang)
}

// The defaults of Options.MaxSessions and MaxSessionsPerClient: a
// computer's tabs, and a few dozen computers.
const (
	DefaultMaxSessions          = 64
	DefaultMaxSessionsPerClient = 16
)

// maxMessageBytes limits what a page may send in one message.
const maxMessageBytes = 64 << 10

// NewServer returns a Server for opt.
func NewServer(opt Options) (*Server, error) {
	if opt.Model == nil && opt.ModelError == nil && opt.Trace == nil {
		return nil, errors.New("web: no model, no trace and no reason why")
	}
	if opt.Model != nil && opt.Tokenizer == nil {
		return nil, errors.New("web: a model needs its tokenizer")
	}
	if opt.MaxConcurrent <= 0 {
		opt.MaxConcurrent = runtime.NumCPU()
	}
	if opt.MaxSessions <= 0 {
		opt.MaxSessions = DefaultMaxSessions
	}
	if opt.MaxSessionsPerClient <= 0 {
		opt.MaxSessionsPerClient = DefaultMaxSessionsPerClient
	}
	opt.MaxSessionsPerClient = min(opt.MaxSessionsPerClient, opt.MaxSessions)
	if opt.MemoryBytes <= 0 {
		opt.MemoryBytes = defaultMemory(physicalMemory())
	}
	if opt.QueueBytes <= 0 {
		opt.QueueBytes = 2 << 20
	}
	if opt.ReadWait <= 0 {
		opt.ReadWait = 30 * time.Second
	}
	if opt.WriteWait <= 0 {
		opt.WriteWait = 60 * time.Second
	}
	if opt.EagerLimit <= 0 {
		opt.EagerLimit = 1 << 18
	}
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	s := &Server{
		opt:      opt,
		mux:      http.NewServeMux(),
		work:     make(chan struct{}, opt.MaxConcurrent),
		training: make(chan struct{}, 1),
		sessions: map[string]*session{},
		shared:   newSharedRuns(),
		clients:  limit.NewPerClient(opt.MaxSessionsPerClient),
		hosts:    hostcheck.New(opt.Hosts...),
	}
	s.mem = newMemory(opt.MemoryBytes, s.shared)
	s.upgrader = wsconn.NewUpgrader(wsconn.Options{ReadLimit: maxMessageBytes, QueueBytes: opt.QueueBytes})
	s.trainUpgrader = wsconn.NewUpgrader(wsconn.Options{ReadLimit: 4 << 10})
	nLayer := 0
	switch {
	case opt.Model != nil:
		nLayer = opt.Model.Config.NLayer
	case opt.Trace != nil:
		nLayer = opt.Trace.Model.NLayer
	}
	s.axes = hookAxes()
	var err error
	if s.formulas, err = stepFormulas(); err != nil {
		return nil, err
	}
	if opt.Model != nil || opt.Trace != nil {
		s.steps, s.nLayer = stepInfos(nLayer, s.formulas), nLayer
		if s.passHooks, err = trace.Select(max(nLayer, 1), "hook_*", "blocks.**", "ln_final.**", "logits", "next.**"); err != nil {
			return nil, err
		}
	}
	static, err := fs.Sub(staticFiles, "static")
	if err != nil {
		return nil, err
	}
	s.mux.Handle("GET /static/", http.StripPrefix("/static/", noListing(http.FileServerFS(static))))
	s.mux.HandleFunc("GET /static/palette.js", servePalette)
	s.mux.HandleFunc("GET /i18n/messages.js", serveMessages)
	s.mux.HandleFunc("GET /static/lessons.css", serveLessonsCSS)
	s.mux.HandleFunc("GET /{$}", s.servePage)
	s.mux.HandleFunc("GET /ws", s.serveWebsocket)
	s.mux.HandleFunc("GET /download/plot", s.servePlot)
	s.mux.HandleFunc("GET /download/trace", s.serveTrace)
	s.mux.HandleFunc("GET /download/table", s.serveTable)
	s.mux.HandleFunc("POST /trace/open", s.serveOpenTrace)
	s.mux.HandleFunc("GET /lesson", s.serveLesson)
	s.mux.HandleFunc("GET /explain", s.serveExplain)
	s.mux.HandleFunc("POST /lesson/check", s.serveCheck)
	s.mux.HandleFunc("GET /train", s.serveTrainPage)
	s.mux.HandleFunc("GET /train/ws", s.serveTrainSocket)
	return s, nil
}

// Handle mounts an extra handler, such as an API, on the server's mux.
func (s *Server) Handle(pattern string, h http.Handler) { s.mux.Handle(pattern, h) }

// ServeHTTP serves the explorer, and what is mounted on it, to the hosts
// the server answers to (421 for any other, against DNS rebinding), with
// its security headers and per-request deadlines.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !s.hosts.Allows(r.Host) {
		s.hosts.Handler(nil).ServeHTTP(w, r) // answers 421
		return
	}
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
	if !isWebsocket(r) {
		rc := http.NewResponseController(w)
		now := time.Now()
		// Not every ResponseWriter supports deadlines (a test's recorder
		// does not); the http.Server's timeouts still apply then.
		rc.SetReadDeadline(now.Add(s.opt.ReadWait))
		rc.SetWriteDeadline(now.Add(s.opt.WriteWait))
	}
	s.mux.ServeHTTP(w, r)
}

// isWebsocket reports whether r asks to become a websocket.
func isWebsocket(r *http.Request) bool {
	return strings.EqualFold(r.Header.Get("Upgrade"), "websocket")
}

// noListing serves files but never a directory's listing.
func noListing(files http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "" || strings.HasSuffix(r.URL.Path, "/") {
			http.NotFound(w, r)
			return
		}
		files.ServeHTTP(w, r)
	})
}

// DefaultMemoryBytes is the default Options.MemoryBytes on this machine: a
// quarter of its RAM, at least 256 MiB, or 1 GiB when its RAM is unknown.
func DefaultMemoryBytes() int64 { return defaultMemory(physicalMemory()) }

// defaultMemory is the default MemoryBytes for a machine with ram bytes
// of RAM (0: unknown).
func defaultMemory(ram int64) int64 {
	if ram <= 0 {
		return 1 << 30
	}
	return max(ram/4, 256<<20)
}

// Close cancels every session's work and waits for it to stop (a forward
// pass stops at its next layer), with the shared passes it followed, so
// that the model can be closed after it.
func (s *Server) Close() {
	s.mu.Lock()
	sessions := make([]*session, 0, len(s.sessions))
	for _, ss := range s.sessions {
		sessions = append(sessions, ss)
	}
	s.mu.Unlock()
	for _, ss := range sessions {
		ss.work.stop()
	}
	s.shared.wg.Wait()
}

// stepFormulas converts the formula of every kind of step to MathML once.
func stepFormulas() (map[trace.StepKind]string, error) {
	formulas := map[trace.StepKind]string{}
	for _, k := range trace.StepKinds() {
		if tex := lessons.StepFormula(k); tex != "" {
			m, err := mathml.Convert(tex, true)
			if err != nil {
				return nil, fmt.Errorf("web: formula of step %s: %w", k, err)
			}
			formulas[k] = m
		}
	}
	return formulas, nil
}

// stepInfos lists the steps of an nLayer model with their formulas in
// MathML.
func stepInfos(nLayer int, formulas map[trace.StepKind]string) []stepInfo {
	var out []stepInfo
	for _, st := range trace.Steps(nLayer) {
		hooks := st.Hooks
		if hooks == nil {
			hooks = []string{}
		}
		out = append(out, stepInfo{ID: st.ID, Kind: string(st.Kind), Layer: st.Layer, Formula: formulas[st.Kind], Hooks: hooks, Plot: plotOf(st.Kind)})
	}
	return out
}

// plotOf is the plot (viz kind) that shows a kind of step: the head's
// scores or pattern in the attention steps, the logit lens where the
// residual stream is read, next-token bars and the loss at the end.
func plotOf(k trace.StepKind) string {
	switch k {
	case trace.StepScores, trace.StepMask:
		return viz.KindScores
	case trace.StepQKV:
		return viz.KindQKV
	case trace.StepResidMid, trace.StepResidPost, trace.StepLNFinal:
		return viz.KindLens
	case trace.StepLogits, trace.StepSample:
		return viz.KindLogits
	case trace.StepProbs:
		return viz.KindLoss
	}
	return viz.KindAttention
}

// hookAxes names the axes of every hook point (trace.Layout.Axes), keyed
// by block point ("attn.hook_pattern") or, outside the blocks, by name:
// the same for every layer and every model.
func hookAxes() map[string][]string {
	out := map[string][]string{}
	for _, name := range trace.Names(1) {
		l, err := trace.LayoutOf(name, trace.Dims{T: 1})
		if err != nil {
			panic("web: a hook of trace.Names has no layout: " + err.Error()) // trace's tests keep them in step
		}
		key := name
		if _, point, ok := trace.ParseBlock(name); ok {
			key = point
		}
		out[key] = l.Axes
	}
	return out
}

// serveMessages serves the message catalogue (lessons/i18n) to the
// pages' scripts.
func serveMessages(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	w.Write(i18n.JSModule())
}

func servePalette(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	w.Write(palette.JSModule())
}

// newID returns a random session id, unguessable so that a session's
// downloads are only reachable from its own page.
func newID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// addSession admits ss, the tab of the client at remoteAddr, or says why
// not: the server's tabs, the client's tabs or the memory are all taken.
// The reason is a close frame's, for the page to show in its language.
func (s *Server) addSession(ss *session, remoteAddr string) (release func(), reason wsconn.Reason) {
	mine, ok := s.clients.Take(remoteAddr)
	if !ok {
		return nil, wsconn.Reason{Key: "close.tabsPerComputer", Args: map[string]any{"max": s.clients.Max()},
			Text: fmt.Sprintf("this computer has reached its limit of %d explorer tabs; close one and reload", s.clients.Max())}
	}
	s.mu.Lock()
	full := len(s.sessions) >= s.opt.MaxSessions
	if !full {
		s.sessions[ss.id] = ss
	}
	s.mu.Unlock()
	if full {
		mine()
		return nil, wsconn.Reason{Key: "close.tabsServer", Args: map[string]any{"max": s.opt.MaxSessions},
			Text: fmt.Sprintf("the explorer has %d tabs open, the most it serves; close one and reload", s.opt.MaxSessions)}
	}
	if err := s.mem.open(ss, s.opt.QueueBytes); err != nil {
		s.removeSession(ss.id)
		mine()
		return nil, wsconn.Reason{Key: "close.memory", Text: "the explorer's memory is taken by other runs; reload in a moment"}
	}
	return func() {
		s.leaveRun(ss, ss.runs.close())
		s.mem.close(ss)
		s.removeSession(ss.id)
		mine()
	}, wsconn.Reason{}
}

func (s *Server) removeSession(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.sessions, id)
}

// session returns the session a download or lesson request names.
func (s *Server) session(id string) (*session, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ss, ok := s.sessions[id]
	return ss, ok
}

// acquire waits for a forward-pass slot; release gives it back.
func (s *Server) acquire(ctx context.Context) error {
	select {
	case s.work <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *Server) release() { <-s.work }
