package web

import (
	"context"
	"sync"
)

// work is the one piece of work a session runs at a time: a run, or a
// generate that waits for the run before it. Its methods may be called
// from any goroutine.
type work struct {
	mu      sync.Mutex
	cancel  context.CancelFunc // cancels the current work and what it waits for
	current chan struct{}      // closed when the current work has ended
}

// stop cancels the current work and waits for it to end, and for the
// work it continues (then), if any.
func (w *work) stop() {
	w.mu.Lock()
	cancel, current := w.cancel, w.current
	w.cancel, w.current = nil, nil
	w.mu.Unlock()
	if cancel != nil {
		cancel()
		<-current
	}
}

// begin cancels the current work, waits for it to end, and starts fn in
// its own goroutine.
func (w *work) begin(ctx context.Context, fn func(ctx context.Context)) {
	w.stop()
	w.start(ctx, false, fn)
}

// then starts fn once the current work has ended, without cancelling it:
// a generate sent while its run is still going continues that run rather
// than the one before. Stopping the new work stops the old one too.
func (w *work) then(ctx context.Context, fn func(ctx context.Context)) {
	w.start(ctx, true, fn)
}

func (w *work) start(ctx context.Context, chain bool, fn func(ctx context.Context)) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	w.mu.Lock()
	before, after := w.cancel, w.current
	if !chain {
		before, after = nil, nil
	}
	w.cancel = cancel
	if before != nil {
		w.cancel = func() { cancel(); before() }
	}
	w.current = done
	w.mu.Unlock()
	go func() {
		defer close(done)
		defer cancel()
		// The work before, when this one continues it, has ended too
		// when this one has: stop waits for both.
		defer func() {
			if after != nil {
				<-after
			}
		}()
		if after != nil {
			select {
			case <-after:
			case <-ctx.Done():
				return
			}
		}
		fn(ctx)
	}()
}
