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
	"sync"

	"github.com/transformer-explorer/explorer/engine"
	"github.com/transformer-explorer/explorer/engine/tokenizer"
	"github.com/transformer-explorer/explorer/lessons"
	"github.com/transformer-explorer/explorer/lessons/i18n"
	"github.com/transformer-explorer/explorer/lessons/mathml"
	"github.com/transformer-explorer/explorer/trace"
	"github.com/transformer-explorer/explorer/viz/palette"
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
	// MaxSessions bounds the open websockets (default 64).
	MaxSessions int
	// EagerLimit is the largest tensor, in values, sent without being
	// asked for (default 1<<18); larger ones are sent on request.
	EagerLimit int
	Logger     *slog.Logger
	// TrainWorkers bounds the cores a training run from the page uses
	// (default: all).
	TrainWorkers int
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
	// passHooks selects what a run records during its forward pass: every
	// hook but the logit lens, which is added afterwards (see run).
	passHooks trace.Selection

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
}

// Title returns the step's teaching title in lang.
func (st stepInfo) Title(lang string) string {
	return lessons.StepTitle(trace.StepKind(st.Kind), st.Layer, lang)
}

// maxMessageBytes limits what a page may send in one message.
const maxMessageBytes = 64 << 10

// NewServer returns a Server for opt.
func NewServer(opt Options) (*Server, error) {
	if opt.Model == nil && opt.ModelError == nil {
		return nil, errors.New("web: no model and no reason why")
	}
	if opt.Model != nil && opt.Tokenizer == nil {
		return nil, errors.New("web: a model needs its tokenizer")
	}
	if opt.MaxConcurrent <= 0 {
		opt.MaxConcurrent = runtime.NumCPU()
	}
	if opt.MaxSessions <= 0 {
		opt.MaxSessions = 64
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
	}
	s.upgrader = wsconn.NewUpgrader(wsconn.Options{ReadLimit: maxMessageBytes})
	s.trainUpgrader = wsconn.NewUpgrader(wsconn.Options{ReadLimit: 4 << 10})
	if opt.Model != nil {
		steps, err := stepInfos(opt.Model.Config.NLayer)
		if err != nil {
			return nil, err
		}
		s.steps = steps
		if s.passHooks, err = trace.Select(opt.Model.Config.NLayer, "hook_*", "blocks.**", "ln_final.**", "logits", "next.**"); err != nil {
			return nil, err
		}
	}
	static, err := fs.Sub(staticFiles, "static")
	if err != nil {
		return nil, err
	}
	s.mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	s.mux.HandleFunc("GET /static/palette.js", servePalette)
	s.mux.HandleFunc("GET /i18n/messages.js", serveMessages)
	s.mux.HandleFunc("GET /static/lessons.css", serveLessonsCSS)
	s.mux.HandleFunc("GET /{$}", s.servePage)
	s.mux.HandleFunc("GET /ws", s.serveWebsocket)
	s.mux.HandleFunc("GET /download/plot", s.servePlot)
	s.mux.HandleFunc("GET /download/trace", s.serveTrace)
	s.mux.HandleFunc("GET /lesson", s.serveLesson)
	s.mux.HandleFunc("POST /lesson/check", s.serveCheck)
	s.mux.HandleFunc("GET /train", s.serveTrainPage)
	s.mux.HandleFunc("GET /train/ws", s.serveTrainSocket)
	return s, nil
}

// Handle mounts an extra handler, such as an API, on the server's mux.
func (s *Server) Handle(pattern string, h http.Handler) { s.mux.Handle(pattern, h) }

// ServeHTTP serves the explorer.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; connect-src 'self'")
	s.mux.ServeHTTP(w, r)
}

// Close cancels every session's work and waits for it to stop (a forward
// pass stops at its next layer), so that the model can be closed after it.
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
}

// stepInfos lists the steps of an nLayer model with their formulas
// converted to MathML once.
func stepInfos(nLayer int) ([]stepInfo, error) {
	var out []stepInfo
	for _, st := range trace.Steps(nLayer) {
		formula := ""
		if tex := lessons.StepFormula(st.Kind); tex != "" {
			m, err := mathml.Convert(tex, true)
			if err != nil {
				return nil, fmt.Errorf("web: formula of step %s: %w", st.ID, err)
			}
			formula = m
		}
		hooks := st.Hooks
		if hooks == nil {
			hooks = []string{}
		}
		out = append(out, stepInfo{ID: st.ID, Kind: string(st.Kind), Layer: st.Layer, Formula: formula, Hooks: hooks})
	}
	return out, nil
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

// addSession registers ss, or reports false when the server is full.
func (s *Server) addSession(ss *session) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.sessions) >= s.opt.MaxSessions {
		return false
	}
	s.sessions[ss.id] = ss
	return true
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
