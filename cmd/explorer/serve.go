package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os/exec"
	"runtime"
	"time"

	"github.com/transformer-explorer/explorer/lessons"
	"github.com/transformer-explorer/explorer/web"
	"github.com/transformer-explorer/explorer/web/openai"
)

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("serve", "[--addr HOST:PORT] [--model M] [--open]", stderr)
	model := modelFlag(fs)
	addr := fs.String("addr", "127.0.0.1:8080", "listen on `HOST:PORT`; the default is reachable from this machine only")
	open := fs.Bool("open", false, "open the page in the default browser")
	maxConcurrent := fs.Int("max-concurrent", runtime.NumCPU(), "run at most `N` forward passes at once")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	opt := web.Options{MaxConcurrent: *maxConcurrent, Logger: slog.New(slog.NewTextHandler(stderr, nil))}
	m, tok, err := loadModel(ctx, *model)
	if err != nil {
		// The page explains the failure; the command says it too.
		fmt.Fprintf(stderr, "explorer serve: the model did not load: %v\n", err)
		opt.ModelError = err
	} else {
		defer m.Close()
		opt.Model, opt.Tokenizer = m, tok
	}
	if opt.Lessons, err = lessons.Load(); err != nil {
		return fmt.Errorf("lessons: %w", err)
	}
	srv, err := web.NewServer(opt)
	if err != nil {
		return err
	}
	defer srv.Close()
	if opt.Model != nil {
		srv.Handle("/v1/", openai.New(opt.Model, opt.Tokenizer, openai.Options{MaxConcurrent: *maxConcurrent}))
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	url := "http://" + ln.Addr().String() + "/"
	fmt.Fprintf(stdout, "Transformer Explorer is running at %s (Ctrl-C stops it)\n", url)
	if *open {
		openBrowser(url)
	}
	return serveUntilDone(ctx, ln, srv)
}

// serveUntilDone serves h on ln until ctx ends, then shuts down gracefully.
func serveUntilDone(ctx context.Context, ln net.Listener, h http.Handler) error {
	hs := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
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
