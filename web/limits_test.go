package web

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/transformer-explorer/explorer/web/internal/wstest"
)

// TestHostAllowList: a page whose name was rebound to the explorer's
// address (DNS rebinding) sends its own name as Host and is refused, on
// every route; loopback names and the hosts given are served.
func TestHostAllowList(t *testing.T) {
	_, ts := newTestServer(t, func(o *Options) { o.Hosts = []string{"class.local"} })
	for _, tc := range []struct {
		host, path string
		want       int
	}{
		{"localhost", "/", 200},
		{"class.local:8080", "/", 200},
		{"rebound.example", "/", http.StatusMisdirectedRequest},
		{"rebound.example", "/static/app.js", http.StatusMisdirectedRequest},
		{"rebound.example:80", "/ws", http.StatusMisdirectedRequest},
	} {
		req, _ := http.NewRequest("GET", ts.URL+tc.path, nil)
		req.Host = tc.host
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != tc.want {
			t.Errorf("Host %q %s: %d, want %d", tc.host, tc.path, res.StatusCode, tc.want)
		}
	}
	h := http.Header{"Host": {"rebound.example"}, "Origin": {"http://rebound.example"}}
	if _, res, err := websocket.DefaultDialer.Dial(wstest.URL(ts, "/ws"), h); err == nil || res == nil || res.StatusCode != http.StatusMisdirectedRequest {
		t.Errorf("a rebound websocket: %v %v, want 421", err, res)
	}
}

// TestHeadersAndStatic checks the security headers and that /static/ lists
// nothing.
func TestHeadersAndStatic(t *testing.T) {
	_, ts := newTestServer(t, nil)
	code, h, _ := get(t, ts.URL+"/")
	if csp := h.Get("Content-Security-Policy"); code != 200 || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("CSP %q", csp)
	}
	for _, path := range []string{"/static/", "/static"} {
		if code, _, body := get(t, ts.URL+path); code != http.StatusNotFound || strings.Contains(body, "app.js") {
			t.Errorf("%s: %d, %q", path, code, body)
		}
	}
	if code, _, _ := get(t, ts.URL+"/static/app.js"); code != 200 {
		t.Errorf("/static/app.js: %d", code)
	}
}

// TestTabsPerClient: one machine holding its share of tabs cannot lock
// out another (issue 15: 128 idle sockets locked out the teacher).
func TestTabsPerClient(t *testing.T) {
	_, ts := newTestServer(t, func(o *Options) { o.MaxSessions, o.MaxSessionsPerClient = 6, 3 })
	for i := 0; i < 3; i++ {
		c := dial(t, ts, nil)
		if m := c.readJSON(t); m["type"] != "hello" {
			t.Fatalf("tab %d: %v", i+1, m)
		}
	}
	c := dial(t, ts, nil)
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, _, err := c.ReadMessage()
	var ce *websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != websocket.CloseTryAgainLater || !strings.Contains(ce.Text, "limit of 3 explorer tabs") {
		t.Fatalf("a fourth tab of one client: %v, want close 1013 saying why", err)
	}
	other := dialFromAddr(t, ts, "127.0.0.2")
	if m := other.readJSON(t); m["type"] != "hello" {
		t.Fatalf("another machine: %v", m)
	}
}

// dialFromAddr opens /ws from another loopback address, as another machine
// would.
func dialFromAddr(t *testing.T, ts *httptest.Server, ip string) wsClient {
	t.Helper()
	return wsClient{wstest.DialFrom(t, ts, "/ws", ip)}
}

// TestMemoryBudget fills the server's memory for traces: the least
// recently used idle session's trace is dropped to make room (its page
// is told why when it asks for a tensor), and a run larger than the whole
// budget is refused with a message.
func TestMemoryBudget(t *testing.T) {
	const queue = 64 << 10
	_, tok, _ := loadTiny(t)
	// Three prompts of one length (a prompt's run is shared by the tabs
	// that run it, so each tab runs its own), and a fourth for the refusal.
	prompts := make([]string, 4)
	T := 0
	for i := range prompts {
		prompts[i] = fmt.Sprintf("The cat sat on the mat and looked at dog number %d.", i+1)
		ids, _ := tok.Encode(prompts[i])
		if i > 0 && len(ids) != T {
			t.Fatalf("prompt %q is %d tokens, the first %d", prompts[i], len(ids), T)
		}
		T = len(ids)
	}
	var srv *Server
	srv, ts := newTestServer(t, func(o *Options) { o.QueueBytes = queue })
	kept, run := srv.traceBytes(T, T), srv.runBytes(T, T)
	// Room for three tabs, a trace and a run, not two traces and a run.
	capacity := 3*queue + kept + run + kept/2
	setCapacity(srv, capacity)

	tabs := make([]wsClient, 3)
	for i := range tabs {
		tabs[i] = dial(t, ts, nil)
		tabs[i].readJSON(t)
		tabs[i].writeJSON(t, map[string]any{"type": "run", "seq": 1, "prompt": prompts[i]})
		waitDone(t, tabs[i], 1)
		if used := srv.mem.inUse(); used > capacity {
			t.Fatalf("after tab %d: %d bytes in use, over the budget", i+1, used)
		}
	}
	for i, c := range tabs {
		c.writeJSON(t, map[string]any{"type": "tensor", "seq": 1, "name": "logits"})
		kind, data := c.read(t)
		if i == 0 {
			if kind != websocket.TextMessage || !strings.Contains(string(data), "needed the memory") {
				t.Errorf("the evicted tab got %.200s, want an error saying why", data)
			}
			continue
		}
		if kind != websocket.BinaryMessage {
			t.Errorf("tab %d lost its trace: %.200s", i+1, data)
		}
	}
	// A run that does not fit even alone is refused, and says so.
	setCapacity(srv, 3*queue+run)
	tabs[1].writeJSON(t, map[string]any{"type": "run", "seq": 2, "prompt": prompts[3]})
	for {
		m := tabs[1].readJSON(t)
		if m["type"] == "error" {
			if m["code"] != codeBusy || !strings.Contains(m["message"].(string), "shorter prompt") {
				t.Fatalf("refused run: %v", m)
			}
			break
		}
		if m["type"] == "done" {
			t.Fatal("a run over the budget ran")
		}
	}
}

// TestTraceBytesBoundsTheTrace checks that a run's reservation covers the
// trace it records.
func TestTraceBytesBoundsTheTrace(t *testing.T) {
	srv, ts := newTestServer(t, nil)
	c := dial(t, ts, nil)
	hello := c.readJSON(t)
	c.writeJSON(t, map[string]any{"type": "run", "seq": 1, "prompt": "one two three four five six"})
	waitDone(t, c, 1)
	ss, _ := srv.session(hello["session"].(string))
	tr, _ := ss.runs.current()
	if need := srv.traceBytes(len(tr.IDs), len(tr.IDs)); tr.Bytes() > need || tr.Bytes() < need/2 {
		t.Errorf("the trace holds %d bytes, the reservation was %d", tr.Bytes(), need)
	}
}

func setCapacity(srv *Server, n int64) {
	srv.mem.mu.Lock()
	defer srv.mem.mu.Unlock()
	srv.mem.capacity = n
}

// TestPacedDownloadGivesUp streams a large body to a client that never
// reads: the handler gives up after the write deadline instead of keeping
// the body for it (issue 15: four such downloads held 2 GB).
func TestPacedDownloadGivesUp(t *testing.T) {
	result := make(chan error, 1)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		big := make([]byte, 256<<20)
		_, err := newPacedWriter(w, int64(len(big)), 200*time.Millisecond).Write(big)
		result <- err
	}))
	defer ts.Close()
	conn, err := net.Dial("tcp", ts.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.Write([]byte("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")) // and never read
	select {
	case err := <-result:
		if err == nil {
			t.Fatal("256 MiB went to a client that reads nothing")
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the download waited for a client that reads nothing")
	}
}
