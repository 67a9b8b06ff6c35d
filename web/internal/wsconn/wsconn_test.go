package wsconn

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"
)

// serve runs handle on every upgraded connection of a test server.
func serve(t *testing.T, opt Options, handle func(c *Conn)) *httptest.Server {
	t.Helper()
	up := NewUpgrader(opt)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := up.Upgrade(w, r)
		if err != nil {
			return
		}
		handle(c)
	}))
	t.Cleanup(ts.Close)
	return ts
}

func wsURL(ts *httptest.Server) string { return "ws" + strings.TrimPrefix(ts.URL, "http") }

func dial(t *testing.T, ts *httptest.Server, h http.Header) *websocket.Conn {
	t.Helper()
	c, _, err := websocket.DefaultDialer.Dial(wsURL(ts), h)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// echo answers every message until the client leaves.
func echo(c *Conn) {
	defer c.Wait()
	defer c.Close(websocket.CloseNormalClosure, "")
	for {
		kind, b, err := c.Read()
		if err != nil {
			return
		}
		if c.Send(context.Background(), Frame{Kind: kind, Data: b}) != nil {
			return
		}
	}
}

func TestUpgradeChecksOriginAndHost(t *testing.T) {
	ts := serve(t, Options{AllowHost: func(h string) bool { return strings.HasPrefix(h, "127.0.0.1:") }}, echo)
	for _, tc := range []struct {
		name   string
		header http.Header
		want   int // 0: upgraded
	}{
		{"no origin (not a browser)", nil, 0},
		{"same origin", http.Header{"Origin": {ts.URL}}, 0},
		{"foreign origin", http.Header{"Origin": {"http://evil.example"}}, http.StatusForbidden},
		{"rebound host", http.Header{"Host": {"evil.example"}, "Origin": {"http://evil.example"}}, http.StatusMisdirectedRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := *websocket.DefaultDialer
			c, res, err := d.Dial(wsURL(ts), tc.header)
			if tc.want == 0 {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				c.Close()
				return
			}
			if err == nil {
				c.Close()
				t.Fatalf("upgraded, want %d", tc.want)
			}
			if res == nil || res.StatusCode != tc.want {
				t.Fatalf("got %v, want status %d", res, tc.want)
			}
		})
	}
}

func TestEchoAndCloseReason(t *testing.T) {
	ts := serve(t, Options{}, func(c *Conn) {
		defer c.Wait()
		kind, b, err := c.Read()
		if err != nil {
			return
		}
		c.Send(context.Background(), Frame{Kind: kind, Data: b})
		c.Close(websocket.CloseTryAgainLater, "come back "+strings.Repeat("é", 100))
	})
	c := dial(t, ts, nil)
	c.WriteMessage(websocket.TextMessage, []byte("hi"))
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, b, err := c.ReadMessage(); err != nil || string(b) != "hi" {
		t.Fatalf("echo: %q, %v", b, err)
	}
	_, _, err := c.ReadMessage()
	var ce *websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != websocket.CloseTryAgainLater || !strings.HasPrefix(ce.Text, "come back é") || !utf8.ValidString(ce.Text) {
		t.Fatalf("close: %v", err)
	}
}

func TestReadLimitClosesWithReason(t *testing.T) {
	ts := serve(t, Options{ReadLimit: 100}, echo)
	c := dial(t, ts, nil)
	c.WriteMessage(websocket.TextMessage, bytes.Repeat([]byte("x"), 101))
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, _, err := c.ReadMessage()
	var ce *websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != websocket.CloseMessageTooBig || !strings.Contains(ce.Text, "100 bytes") {
		t.Fatalf("got %v, want close 1009 naming the limit", err)
	}
}

// TestQueueIsBoundedInBytes fills the queue while the writer is held up:
// TrySend refuses once the bytes reach the bound, Send waits and gives up
// with its context, and resumes when the writer drains the queue.
func TestQueueIsBoundedInBytes(t *testing.T) {
	type result struct {
		sent      int
		queued    int64
		full, ctx error
		after     error
	}
	results := make(chan result, 1)
	ts := serve(t, Options{QueueBytes: 1 << 20}, func(c *Conn) {
		defer c.Wait()
		defer c.Close(websocket.CloseNormalClosure, "")
		release := make(chan struct{})
		// The first frame holds the writer until release.
		c.Send(context.Background(), Frame{Kind: websocket.BinaryMessage, Size: 1, Write: func(w io.Writer) error {
			<-release
			_, err := w.Write([]byte{1})
			return err
		}})
		var r result
		frame := Binary(make([]byte, 64<<10))
		for r.full == nil {
			if r.full = c.TrySend(frame); r.full == nil {
				r.sent++
			}
		}
		r.queued = c.Queued()
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		r.ctx = c.Send(ctx, frame)
		cancel()
		close(release)
		r.after = c.Send(context.Background(), frame)
		results <- r
	})
	dial(t, ts, nil)
	r := <-results
	if !errors.Is(r.full, ErrQueueFull) || !errors.Is(r.ctx, context.DeadlineExceeded) || r.after != nil {
		t.Fatalf("TrySend %v, Send with a deadline %v, Send after draining %v", r.full, r.ctx, r.after)
	}
	if want := (1<<20 - 1) / (64 << 10); r.sent != want || r.queued != 1+int64(r.sent)*64<<10 {
		t.Errorf("%d frames (%d bytes) queued, want %d", r.sent, r.queued, want)
	}
}

// TestOversizedFrameWhenEmpty checks that a frame larger than the queue
// still goes out when nothing else waits.
func TestOversizedFrameWhenEmpty(t *testing.T) {
	ts := serve(t, Options{QueueBytes: 1 << 10}, func(c *Conn) {
		defer c.Wait()
		c.Send(context.Background(), Binary(make([]byte, 1<<16)))
		c.Close(websocket.CloseNormalClosure, "")
	})
	c := dial(t, ts, nil)
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, b, err := c.ReadMessage(); err != nil || len(b) != 1<<16 {
		t.Fatalf("got %d bytes, %v", len(b), err)
	}
}

// TestSlowReaderIsDropped sends a large frame to a client that never
// reads: the writer gives up after the write deadline and the
// connection finishes.
func TestSlowReaderIsDropped(t *testing.T) {
	done := make(chan time.Duration, 1)
	ts := serve(t, Options{WriteWait: 200 * time.Millisecond, MinRate: 1 << 30}, func(c *Conn) {
		start := time.Now()
		big := int64(64 << 20)
		c.Send(context.Background(), Frame{Kind: websocket.BinaryMessage, Size: big, Write: func(w io.Writer) error {
			_, err := io.CopyN(w, zeros{}, big)
			return err
		}})
		go func() {
			for {
				if _, _, err := c.Read(); err != nil {
					return
				}
			}
		}()
		c.Wait()
		done <- time.Since(start)
	})
	dial(t, ts, nil)
	select {
	case d := <-done:
		t.Logf("dropped after %v", d.Round(time.Millisecond))
	case <-time.After(10 * time.Second):
		t.Fatal("a client that never reads kept its connection")
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// TestSilentClientIsDropped checks the pong deadline: a client that sends
// nothing and answers no ping ends Read.
func TestSilentClientIsDropped(t *testing.T) {
	ended := make(chan error, 1)
	ts := serve(t, Options{PingEvery: 50 * time.Millisecond, PongWait: 200 * time.Millisecond}, func(c *Conn) {
		defer c.Wait()
		defer c.Close(websocket.CloseNormalClosure, "")
		_, _, err := c.Read()
		ended <- err
	})
	dial(t, ts, nil) // never reads, so never answers pings
	select {
	case err := <-ended:
		if err == nil {
			t.Fatal("Read returned a message")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a silent client kept its connection")
	}
}

// TestGoroutinesEnd opens and drops connections and checks that every
// writer goroutine ends.
func TestGoroutinesEnd(t *testing.T) {
	ts := serve(t, Options{}, echo)
	base := runtime.NumGoroutine()
	for i := 0; i < 20; i++ {
		c, _, err := websocket.DefaultDialer.Dial(wsURL(ts), nil)
		if err != nil {
			t.Fatal(err)
		}
		c.WriteMessage(websocket.TextMessage, []byte("x"))
		c.ReadMessage()
		c.Close() // abruptly, without a close frame
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > base+2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > base+2 {
		t.Fatalf("%d goroutines, %d before", n, base)
	}
}

func TestCloseReason(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"short", "short"},
		{strings.Repeat("a", 130), strings.Repeat("a", 123)},
		{strings.Repeat("a", 122) + "é", strings.Repeat("a", 122)},
	} {
		if got := CloseReason(tc.in); got != tc.want {
			t.Errorf("CloseReason(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestReasonString(t *testing.T) {
	for _, tc := range []struct {
		r    Reason
		want string
	}{
		{Reason{Key: "close.memory", Text: "the memory is taken"}, "[close.memory] the memory is taken"},
		{Reason{Key: "close.tabsPerComputer", Args: map[string]any{"max": 16}, Text: "16 tabs"}, "[close.tabsPerComputer max=16] 16 tabs"},
		{Reason{Key: "room.noRoom", Args: map[string]any{"code": "AB ]C", "b": 1}, Text: "no room"}, "[room.noRoom b=1 code=AB%20%5DC] no room"},
		{Reason{Key: "close.tooBig", Args: map[string]any{"max": 65536}, Text: strings.Repeat("x", 200)}, "[close.tooBig max=65536] " + strings.Repeat("x", 123-len("[close.tooBig max=65536] "))},
	} {
		if got := tc.r.String(); got != tc.want {
			t.Errorf("%+v.String() = %q, want %q", tc.r, got, tc.want)
		}
	}
}
