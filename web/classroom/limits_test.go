package classroom

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/gorilla/websocket"
	"github.com/transformer-explorer/explorer/web/internal/wstest"
)

// syncBuffer is a log destination safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestWrongCodesThrottled guesses room codes as an attacker would (issue
// 15 found a room in 87 s at 16k guesses/s): after a burst of wrong codes
// the client is refused, even with the right code, and the server logs
// one line about it; other clients still join.
func TestWrongCodesThrottled(t *testing.T) {
	var log syncBuffer
	h, ts := newTestHub(t, func(o *Options) { o.Logger = slog.New(slog.NewTextHandler(&log, nil)) })
	room := h.NewRoom()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	guess := func(code string) int {
		res, err := client.Get(ts.URL + "/room/?code=" + code)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	wrong := "ACDEF"
	if room.Code() == wrong {
		wrong = "CDEFG"
	}
	for i := 0; i < DefaultWrongCodes; i++ {
		if code := guess(wrong); code != http.StatusNotFound {
			t.Fatalf("wrong code %d: status %d, want 404", i+1, code)
		}
	}
	for i := 0; i < 3; i++ {
		if code := guess(wrong); code != http.StatusTooManyRequests {
			t.Fatalf("a wrong code after the burst: %d, want 429", code)
		}
	}
	if code := guess(room.Code()); code != http.StatusTooManyRequests {
		t.Fatalf("the right code after the burst: %d, want 429 until the client waits", code)
	}
	conn := dial(t, ts, room.Code(), "")
	if m := next(t, conn); m.Error != errTooMany || m.Key != "close.wrongCodes" {
		t.Fatalf("websocket join after the burst: %+v", m)
	}
	if n := strings.Count(log.String(), "too many wrong room codes"); n != 1 {
		t.Errorf("%d log lines about the guesses, want 1:\n%s", n, log.String())
	}
	// Another machine is not affected.
	other := dialFrom(t, ts, "127.0.0.2")
	other.WriteJSON(map[string]string{"type": "join", "code": room.Code()})
	if m := next(t, other); m.Type != typeWelcome {
		t.Fatalf("another client: %+v", m)
	}
}

// TestRoomSocketsPerClient: one machine cannot fill the room.
func TestRoomSocketsPerClient(t *testing.T) {
	h, ts := newTestHub(t, func(o *Options) { o.MaxPerClient = 3 })
	room := h.NewRoom()
	for i := 0; i < 3; i++ {
		if m := next(t, dial(t, ts, room.Code(), "")); m.Type != typeWelcome {
			t.Fatalf("socket %d: %+v", i+1, m)
		}
	}
	if m := next(t, dial(t, ts, room.Code(), "")); m.Error != errTooMany || m.Key != "close.roomPages" || m.Args["max"] != 3.0 {
		t.Fatalf("socket 4 of one client: %+v, want %s with key close.roomPages and max 3", m, errTooMany)
	}
	other := dialFrom(t, ts, "127.0.0.2")
	other.WriteJSON(map[string]string{"type": "join", "code": room.Code(), "key": room.Key()})
	if m := next(t, other); m.Type != typeWelcome {
		t.Fatalf("the teacher on another machine: %+v", m)
	}
}

// dialFrom opens the room websocket from another loopback address, as
// another machine would.
func dialFrom(t *testing.T, ts *httptest.Server, ip string) *websocket.Conn {
	t.Helper()
	return wstest.DialFrom(t, ts, "/room/ws", ip)
}

// TestWrongCodesOption: a class behind one address may be allowed more
// slips (Options.WrongCodes) before its address must wait.
func TestWrongCodesOption(t *testing.T) {
	for _, n := range []int{3, 50} {
		h, ts := newTestHub(t, func(o *Options) { o.WrongCodes = n })
		wrong := "ACDEF"
		if h.NewRoom().Code() == wrong {
			wrong = "CDEFG"
		}
		client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		for i := range n + 1 {
			res, err := client.Get(ts.URL + "/room/?code=" + wrong)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			want := http.StatusNotFound
			if i == n {
				want = http.StatusTooManyRequests
			}
			if res.StatusCode != want {
				t.Fatalf("WrongCodes %d: wrong code %d got %d, want %d", n, i+1, res.StatusCode, want)
			}
		}
	}
}
