package web

// The load and fault suite (issue 15): loopback only, bounded in count and
// time. The tests that take more than a few seconds run only with
// EXPLORER_LOAD=1, which .ci/run sets. The class of 40 and 200 students is
// in web/classroom (classload_test.go).

import (
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/transformer-explorer/explorer/web/internal/wsconn"
)

// needLoad skips a long load test unless EXPLORER_LOAD=1.
func needLoad(t testing.TB) {
	t.Helper()
	if os.Getenv("EXPLORER_LOAD") == "" {
		t.Skip("a long load test: set EXPLORER_LOAD=1 (.ci/run does)")
	}
}

// settleGoroutines waits up to 10 s for the goroutine count to come back
// to base (plus slack for the runtime's and the test server's own), and
// fails with a dump of the stacks when it does not.
func settleGoroutines(t testing.TB, base int) {
	t.Helper()
	const slack = 3
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > base+slack && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > base+slack {
		buf := make([]byte, 1<<20)
		t.Fatalf("%d goroutines, %d before:\n%s", n, base, buf[:runtime.Stack(buf, true)])
	}
}

// waitSessions waits up to 10 s for the server to hold n sessions.
func waitSessions(t testing.TB, srv *Server, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		srv.mu.Lock()
		got := len(srv.sessions)
		srv.mu.Unlock()
		if got == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d sessions, want %d", got, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestSlowReadersAndFloods opens tabs that ask for the largest tensors
// over and over and never read (issue 15: one such socket held 1.75 GB of
// copies): the server queues no copies, a normal tab is served meanwhile,
// the silent tabs are dropped after the write deadline, and their
// goroutines and memory are given back.
func TestSlowReadersAndFloods(t *testing.T) {
	base := runtime.NumGoroutine()
	srv, ts := newTestServer(t, func(o *Options) { o.QueueBytes = 1 << 20 })
	srv.upgrader = newTestUpgrader(300 * time.Millisecond)
	prompt := strings.Repeat("one two three ", 20) // 60 tokens: logits are 12 MB
	var heapBefore runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&heapBefore)

	const slow, requests = 6, 200
	conns := make([]wsClient, slow)
	for i := range conns {
		c := dial(t, ts, nil)
		c.readJSON(t)
		c.writeJSON(t, map[string]any{"type": "run", "seq": 1, "prompt": prompt})
		waitDone(t, c, 1)
		for range requests {
			c.writeJSON(t, map[string]any{"type": "tensor", "seq": 1, "name": "logits"})
		}
		conns[i] = c // and never read again
	}
	var heap runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&heap)
	logits := int64(60 * 50257 * 4)
	grew := int64(heap.HeapAlloc) - int64(heapBefore.HeapAlloc)
	t.Logf("%d silent tabs asked for %d × %d MB of logits: the heap grew %d MB", slow, requests, logits>>20, grew>>20)
	// The traces themselves (about 13 MB each) are kept; copies of the
	// frames would be hundreds of MB.
	if grew > int64(slow)*2*logits+64<<20 {
		t.Errorf("the heap grew %d MB", grew>>20)
	}

	// A normal tab is served while the others are stuck.
	c := dial(t, ts, nil)
	c.readJSON(t)
	start := time.Now()
	c.writeJSON(t, map[string]any{"type": "run", "seq": 1, "prompt": "The cat sat"})
	waitDone(t, c, 1)
	t.Logf("a normal run beside them took %v", time.Since(start).Round(time.Millisecond))
	c.Close()

	// The silent tabs are dropped once a frame waits past the deadline.
	waitSessions(t, srv, 0)
	for _, c := range conns {
		c.Close()
	}
	if used := srv.mem.inUse(); used != 0 {
		t.Errorf("%d bytes still held after every tab closed", used)
	}
	ts.CloseClientConnections()
	settleGoroutines(t, base)
}

// newTestUpgrader is the server's upgrader with a short write deadline.
func newTestUpgrader(writeWait time.Duration) *wsconn.Upgrader {
	return wsconn.NewUpgrader(wsconn.Options{ReadLimit: maxMessageBytes, QueueBytes: 1 << 20, WriteWait: writeWait})
}

// TestAbruptDisconnects drops tabs' connections without a close frame in
// the middle of runs and generates: every session ends, its memory is
// given back and its goroutines end.
func TestAbruptDisconnects(t *testing.T) {
	base := runtime.NumGoroutine()
	srv, ts := newTestServer(t, nil)
	prompt := strings.Repeat("one two three ", 20)
	for i := range 24 {
		c := dial(t, ts, nil)
		c.readJSON(t)
		c.writeJSON(t, map[string]any{"type": "run", "seq": 1, "prompt": prompt, "map": true})
		if i%3 == 1 {
			waitDone(t, c, 1)
			c.writeJSON(t, map[string]any{"type": "generate", "seq": 2, "temperature": 1})
		}
		if i%3 == 2 {
			c.writeJSON(t, map[string]any{"type": "tensor", "seq": 1, "name": "logits"})
		}
		time.Sleep(time.Duration(i%4) * time.Millisecond)
		c.UnderlyingConn().Close() // no close frame
	}
	waitSessions(t, srv, 0)
	if used := srv.mem.inUse(); used != 0 {
		t.Errorf("%d bytes still held after every tab went away", used)
	}
	ts.CloseClientConnections()
	settleGoroutines(t, base)
}

// TestAdversarialEagerPatterns sends the pattern of issue 15 (342 bytes of
// repeated "**", about a minute of a core each with the old matcher) from
// many tabs: each is answered at once, and a normal run still works.
func TestAdversarialEagerPatterns(t *testing.T) {
	_, ts := newTestServer(t, nil)
	pattern := strings.Repeat("**.", 112) + "x"
	start := time.Now()
	for range 16 {
		c := dial(t, ts, nil)
		c.readJSON(t)
		c.writeJSON(t, map[string]any{"type": "run", "seq": 1, "prompt": "hi", "eager": []string{pattern}})
		if m := c.readJSON(t); m["type"] != "error" || m["code"] != codeBadMessage || !strings.Contains(m["message"].(string), "at most 256") {
			t.Fatalf("an adversarial pattern: %v", m)
		}
		c.Close()
	}
	t.Logf("16 adversarial patterns answered in %v", time.Since(start).Round(time.Millisecond))
	c := dial(t, ts, nil)
	c.readJSON(t)
	c.writeJSON(t, map[string]any{"type": "run", "seq": 1, "prompt": "hi", "eager": []string{"blocks.**.hook_*"}})
	waitDone(t, c, 1)
}
