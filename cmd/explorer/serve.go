package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/transformer-explorer/explorer/engine"
	"github.com/transformer-explorer/explorer/engine/tokenizer"
	"github.com/transformer-explorer/explorer/lessons"
	"github.com/transformer-explorer/explorer/web"
	"github.com/transformer-explorer/explorer/web/classroom"
	"github.com/transformer-explorer/explorer/web/openai"
)

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("serve", "[--addr HOST:PORT] [--model M] [--trace FILE] [--open] [--classroom [--nat]]", stderr)
	model := modelFlag(fs)
	addr := fs.String("addr", "127.0.0.1:8080", "listen on `HOST:PORT`; the default is reachable from this machine only")
	open := fs.Bool("open", false, "open the page in the default browser")
	maxConcurrent := fs.Int("max-concurrent", runtime.NumCPU(), "run at most `N` forward passes at once")
	class := fs.Bool("classroom", false, "open a room: the teacher's page drives every student's page (listen on the LAN with --addr 0.0.0.0:8080)")
	var memory byteSize
	fs.Var(&memory, "memory", "use at most `SIZE` of memory beyond the model's weights, e.g. 2GiB: the traces, queued frames and running passes of the open tabs (default: a quarter of this machine's RAM)")
	var hosts stringList
	fs.Var(&hosts, "allow-host", "also answer requests for host `NAME` (repeatable); loopback names, the --addr host and, on 0.0.0.0, this machine's LAN addresses are always answered")
	traceFile := fs.String("trace", "", "open the page on a trace `FILE` (an explorer trace or a TransformerLens cache saved as safetensors); without --model no model is loaded and prompts do not run")
	maxTraceMB := fs.Int64("max-trace-mb", 256, "the largest trace file, in `MB`, a page may open (and the memory it may take)")
	ff := addTraceFileFlags(fs)
	cf := addCapFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *maxTraceMB < 1 || *maxTraceMB > 1<<20 {
		return fmt.Errorf("--max-trace-mb %d: give 1 to %d", *maxTraceMB, 1<<20)
	}
	budget := int64(memory)
	if budget == 0 {
		budget = web.DefaultMemoryBytes()
	}
	opt := web.Options{MaxConcurrent: *maxConcurrent, MemoryBytes: traceBudget(budget), Logger: slog.New(slog.NewTextHandler(stderr, nil)),
		MaxTraceBytes: *maxTraceMB << 20, MaxSessions: web.DefaultMaxSessions}
	if *class {
		opt.MaxSessions = classSessions
	}
	caps, warnings, err := cf.caps(serveShape{classroom: *class, tabs: opt.MaxSessions, students: classroom.DefaultMaxStudents, maxConcurrent: *maxConcurrent})
	if err != nil {
		return err
	}
	for _, w := range warnings {
		fmt.Fprintf(stderr, "explorer serve: %s\n", w)
	}
	opt.MaxSessionsPerClient = caps.tabs
	if *traceFile != "" {
		tr, err := openTrace(*traceFile, *model, ff, stderr)
		if err != nil {
			return err
		}
		opt.Trace, opt.TraceName = tr, filepath.Base(*traceFile)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	opt.Hosts = append(listenHosts(ln.Addr()), hosts...)
	m, tok, err := serveModel(ctx, *model, *traceFile != "")
	if err != nil {
		// The page explains the failure; the command says it too.
		fmt.Fprintf(stderr, "explorer serve: the model did not load: %v\n", err)
		opt.ModelError = err
	} else if m != nil {
		defer m.Close()
		opt.Model, opt.Tokenizer = m, tok
		// A server runs many passes, so its matrices are packed (see the
		// engine's doc); it serves meanwhile, each pass using what is
		// packed so far. Close stops the packing.
		go func() {
			if err := m.PackWeights(ctx); err != nil && ctx.Err() == nil {
				opt.Logger.Warn("the weights stay unpacked", "err", err)
			}
		}()
	}
	if opt.Lessons, err = lessons.Load(); err != nil {
		return fmt.Errorf("lessons: %w", err)
	}
	srv, err := web.NewServer(opt)
	if err != nil {
		return err
	}
	defer srv.Close()
	limitHeap(budget)
	if opt.Model != nil {
		srv.Handle("/v1/", openai.New(opt.Model, opt.Tokenizer, openai.Options{MaxConcurrent: *maxConcurrent, MaxPerClient: caps.api}))
	}
	url := "http://" + ln.Addr().String() + "/"
	fmt.Fprintf(stdout, "Transformer Explorer is running at %s (Ctrl-C stops it)\n", url)
	if *class {
		hub, room, err := openRoom(srv, ln.Addr(), opt.Logger, caps)
		if err != nil {
			return err
		}
		defer hub.Close()
		url = "http://" + loopbackHost(ln.Addr()) + "/room/" + room.Code() + "/teacher?key=" + room.Key()
		printRoom(stdout, room, ln.Addr(), url)
		if *cf.nat {
			fmt.Fprintf(stdout, "  behind one address (--nat): up to %d explorer tabs and %d room pages from one address\n",
				min(caps.tabs, opt.MaxSessions), caps.room)
		}
	}
	if *open {
		openBrowser(url)
	}
	return serveUntilDone(ctx, ln, srv)
}

// serveModel loads the model --model names, or the embedded one without
// it, unless the page opens on a trace and no model was asked for.
func serveModel(ctx context.Context, model string, withTrace bool) (*engine.Model, *tokenizer.Tokenizer, error) {
	if withTrace && model == "" {
		return nil, nil, nil
	}
	return loadModel(ctx, model)
}

// The --memory budget is the Go heap's limit (the weights are mapped
// outside the heap); the server's own budget (web.Options.MemoryBytes)
// leaves heapSlack of it to the runtime and the collector, so that the
// process stays within --memory above its weights.
const heapSlack = 128 << 20

// traceBudget is the server's share of a --memory budget.
func traceBudget(budget int64) int64 { return max(budget-heapSlack, budget/2) }

// limitHeap asks the Go runtime to keep its memory within budget, so that
// the heap does not grow to twice what is live before a collection; the
// collector runs more often as the budget fills. GOMEMLIMIT, when set,
// wins.
func limitHeap(budget int64) {
	if os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	debug.SetMemoryLimit(budget)
}

// classSessions bounds the explorer's websockets in classroom mode: every
// student the room admits opens one with the room's page, and the teacher
// and helpers a few more.
const classSessions = classroom.DefaultMaxStudents + 16

// listenHosts returns the hosts a server listening on addr answers to
// beside the loopback names: the address it listens on, or, on all
// interfaces, the address of each (those printed for the class).
func listenHosts(addr net.Addr) []string {
	tcp, ok := addr.(*net.TCPAddr)
	if !ok {
		return nil
	}
	if !tcp.IP.IsUnspecified() {
		return []string{tcp.IP.String()}
	}
	var out []string
	for _, u := range lanURLs(addr) {
		if v, err := url.Parse(u); err == nil {
			out = append(out, v.Hostname())
		}
	}
	return out
}

// openRoom mounts a classroom hub on srv with one room. Students are told
// to open the LAN address when the server listens on all interfaces.
func openRoom(srv *web.Server, addr net.Addr, log *slog.Logger, caps clientCaps) (*classroom.Hub, *classroom.Room, error) {
	join := ""
	if lan := lanURLs(addr); len(lan) > 0 {
		join = lan[0]
	}
	hub, err := classroom.NewHub(classroom.Options{Page: srv, JoinURL: join, Logger: log, MaxPerClient: caps.room, WrongCodes: caps.wrongCodes})
	if err != nil {
		return nil, nil, err
	}
	srv.Handle("/room/", hub)
	return hub, hub.NewRoom(), nil
}

// printRoom tells the teacher how to drive the room and how students join.
func printRoom(w io.Writer, room *classroom.Room, addr net.Addr, teacher string) {
	fmt.Fprintf(w, "\nClassroom: room code %s\n", room.Code())
	fmt.Fprintf(w, "  teacher (keep this link to yourself): %s\n", teacher)
	lan := lanURLs(addr)
	if len(lan) == 0 {
		fmt.Fprintf(w, "  students on this machine open http://%s/room/%s\n", loopbackHost(addr), room.Code())
		fmt.Fprintf(w, "  HINT: this address is reachable from this machine only; for a class on the LAN, start with --addr 0.0.0.0:8080\n")
		return
	}
	for _, u := range lan {
		fmt.Fprintf(w, "  students open %s and type %s\n", u, room.Code())
	}
}

// loopbackHost is addr as the teacher's own browser reaches it: a server
// listening on all interfaces is reached at 127.0.0.1.
func loopbackHost(addr net.Addr) string {
	tcp, ok := addr.(*net.TCPAddr)
	if !ok || !tcp.IP.IsUnspecified() {
		return addr.String()
	}
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(tcp.Port))
}

// lanURLs lists the room's join address on each LAN interface, when addr
// listens on all interfaces, or names one that is not loopback.
func lanURLs(addr net.Addr) []string {
	tcp, ok := addr.(*net.TCPAddr)
	if !ok || tcp.IP.IsLoopback() {
		return nil
	}
	if !tcp.IP.IsUnspecified() {
		return []string{"http://" + tcp.String() + "/room/"}
	}
	ifaddrs, err := net.InterfaceAddrs()
	if err != nil {
		return nil
	}
	var out []string
	for _, a := range ifaddrs {
		n, ok := a.(*net.IPNet)
		if !ok || n.IP.To4() == nil || n.IP.IsLoopback() || !n.IP.IsGlobalUnicast() {
			continue
		}
		out = append(out, "http://"+net.JoinHostPort(n.IP.String(), strconv.Itoa(tcp.Port))+"/room/")
	}
	return out
}

// serveUntilDone serves h on ln until ctx ends, then shuts down gracefully.
// A client has 10 s to send a request's headers, and a kept-alive
// connection is closed after two idle minutes; the deadlines of bodies and
// responses are set by h per route (web.Server: websockets keep their own).
func serveUntilDone(ctx context.Context, ln net.Listener, h http.Handler) error {
	hs := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutdown); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return nil
}

// openBrowser asks the desktop to open url, ignoring failure: the URL is
// printed anyway.
func openBrowser(url string) {
	var cmd *exec.Cmd
	switch runtime.GOOS {
	case "darwin":
		cmd = exec.Command("open", url)
	case "windows":
		cmd = exec.Command("rundll32", "url.dll,FileProtocolHandler", url)
	default:
		cmd = exec.Command("xdg-open", url)
	}
	if cmd.Start() == nil {
		go cmd.Wait()
	}
}
