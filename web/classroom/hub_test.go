package classroom

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/a-h/templ"
	"github.com/gorilla/websocket"

	"github.com/transformer-explorer/explorer/web"
	"github.com/transformer-explorer/explorer/web/internal/wstest"
)

// fakePages stands in for the explorer page: it writes the room's props.
type fakePages struct{}

func (fakePages) RoomPage(r *http.Request, room web.Room) templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		_, err := fmt.Fprintf(w, "<!doctype html><body data-role=%q data-code=%q data-join=%q data-view=%q></body>", room.Role, room.Code, room.JoinURL, room.View)
		return err
	})
}

func newTestHub(t testing.TB, edit func(*Options)) (*Hub, *httptest.Server) {
	t.Helper()
	opt := Options{Page: fakePages{}}
	if edit != nil {
		edit(&opt)
	}
	h, err := NewHub(opt)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(h)
	t.Cleanup(func() {
		h.Close()
		ts.Close()
	})
	return h, ts
}

// dial connects to the room websocket and sends a join.
func dial(t testing.TB, ts *httptest.Server, code, key string) *websocket.Conn {
	t.Helper()
	conn := wstest.Dial(t, ts, "/room/ws", nil)
	join := map[string]string{"type": "join", "code": code}
	if key != "" {
		join["key"] = key
	}
	if err := conn.WriteJSON(join); err != nil {
		t.Fatal(err)
	}
	return conn
}

// next reads one message, or fails after five seconds.
func next(t testing.TB, conn *websocket.Conn) outMessage {
	t.Helper()
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	var m outMessage
	if err := conn.ReadJSON(&m); err != nil {
		t.Fatalf("read: %v", err)
	}
	return m
}

// until reads messages until one has the given type.
func until(t testing.TB, conn *websocket.Conn, typ string) outMessage {
	t.Helper()
	for {
		if m := next(t, conn); m.Type == typ {
			return m
		}
	}
}

func sendView(t testing.TB, conn *websocket.Conn, v View) {
	t.Helper()
	if err := conn.WriteJSON(map[string]any{"type": "view", "view": v}); err != nil {
		t.Fatal(err)
	}
}

// closed reports whether the server closes conn soon.
func closed(conn *websocket.Conn) bool {
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		if _, _, err := conn.ReadMessage(); err != nil {
			ne, ok := err.(interface{ Timeout() bool })
			return !ok || !ne.Timeout()
		}
	}
}

func TestJoinRefused(t *testing.T) {
	h, ts := newTestHub(t, nil)
	room := h.NewRoom()
	wrongCode := "ACDEF"
	if room.Code() == wrongCode {
		wrongCode = "CDEFG"
	}
	tests := []struct {
		name, code, key, want string
		// The words: a catalogue key and its arguments, for the page.
		key18n string
		args   map[string]any
	}{
		{"wrong code", wrongCode, "", errNoRoom, "room.noRoom", map[string]any{"code": wrongCode}},
		{"not a code", "hello", "", errNoRoom, "room.noRoom", map[string]any{"code": "HELLO"}},
		{"a long code", strings.Repeat("x", 40), "", errNoRoom, "room.noRoom", map[string]any{"code": "XXXXXXXXXXXX…"}},
		{"wrong key", room.Code(), "guess", errBadKey, "room.badKey", nil},
	}
	for _, tt := range tests {
		conn := dial(t, ts, tt.code, tt.key)
		m := next(t, conn)
		if m.Type != typeError || m.Error != tt.want || m.Key != tt.key18n || !maps.Equal(m.Args, tt.args) || m.Message == "" {
			t.Errorf("%s: got %+v, want error %s with key %s and args %v", tt.name, m, tt.want, tt.key18n, tt.args)
		}
		conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, _, err := conn.ReadMessage()
		var ce *websocket.CloseError
		if !errors.As(err, &ce) || !strings.HasPrefix(ce.Text, "["+tt.key18n) {
			t.Errorf("%s: closed with %v, want a reason naming %s", tt.name, err, tt.key18n)
		}
	}
	// Anything but a join first is refused too.
	conn := wstest.Dial(t, ts, "/room/ws", nil)
	sendView(t, conn, view(1))
	if m := next(t, conn); m.Error != errBadMessage {
		t.Errorf("view before join: got %+v, want %s", m, errBadMessage)
	}
	if n := room.Students(); n != 0 {
		t.Errorf("%d students after refused joins", n)
	}
}

// TestOnlyTeacherDrives: a student's view is refused and reaches no one;
// the teacher's reaches every student, and a late joiner is welcomed with
// it. The code may be typed in lower case.
func TestOnlyTeacherDrives(t *testing.T) {
	h, ts := newTestHub(t, nil)
	room := h.NewRoom()
	teacher := dial(t, ts, room.Code(), room.Key())
	if m := next(t, teacher); m.Type != typeWelcome || m.Role != "teacher" {
		t.Fatalf("teacher welcome: %+v", m)
	}
	alice := dial(t, ts, strings.ToLower(room.Code()), "")
	bob := dial(t, ts, room.Code(), "")
	for _, c := range []*websocket.Conn{alice, bob} {
		if m := next(t, c); m.Type != typeWelcome || m.Role != "student" || m.View != nil {
			t.Fatalf("student welcome: %+v", m)
		}
	}
	// The teacher hears the class grow: 0 (its own join), 1, 2.
	for want := range 3 {
		if m := until(t, teacher, typeStudents); *m.Students != want {
			t.Errorf("teacher's count %d, want %d", *m.Students, want)
		}
	}

	sendView(t, bob, View{Prompt: "mutiny", Step: "embed"})
	if m := next(t, bob); m.Type != typeError || m.Error != errNotTeacher {
		t.Fatalf("bob drove: got %+v, want error %s", m, errNotTeacher)
	}
	want := View{Prompt: "The cat sat", Step: "L1.softmax", Head: 2, Lang: "zh"}
	sendView(t, teacher, want)
	// Alice's next message is the teacher's view: bob's never reached her.
	if m := next(t, alice); m.Type != typeView || m.Seq != 1 || *m.View != want {
		t.Fatalf("alice got %+v, want the teacher's view at seq 1", m)
	}
	if v, seq, ok := room.Current(); !ok || seq != 1 || v != want {
		t.Errorf("Current() = %+v, %d, %v", v, seq, ok)
	}
	carol := dial(t, ts, room.Code(), "")
	if m := next(t, carol); m.Type != typeWelcome || m.Seq != 1 || m.View == nil || *m.View != want {
		t.Errorf("late joiner's welcome %+v, want the current view", m)
	}
}

func TestOriginChecked(t *testing.T) {
	h, ts := newTestHub(t, nil)
	room := h.NewRoom()
	url := wstest.URL(ts, "/room/ws")
	_, res, err := websocket.DefaultDialer.Dial(url, http.Header{"Origin": {"http://evil.example"}})
	if err == nil || res == nil || res.StatusCode != http.StatusForbidden {
		t.Errorf("a foreign origin: err %v, response %v; want 403", err, res)
	}
	conn, _, err := websocket.DefaultDialer.Dial(url, http.Header{"Origin": {ts.URL}})
	if err != nil {
		t.Fatalf("same origin: %v", err)
	}
	defer conn.Close()
	conn.WriteJSON(map[string]string{"type": "join", "code": room.Code()})
	if m := next(t, conn); m.Type != typeWelcome {
		t.Errorf("same origin: %+v", m)
	}
}

// TestReadLimit: a message over the limit ends the connection.
func TestReadLimit(t *testing.T) {
	h, ts := newTestHub(t, nil)
	room := h.NewRoom()
	teacher := dial(t, ts, room.Code(), room.Key())
	next(t, teacher)
	sendView(t, teacher, View{Prompt: strings.Repeat("x", maxMessageBytes), Step: "embed"})
	if !closed(teacher) {
		t.Error("an oversized message did not end the connection")
	}
	if _, _, ok := room.Current(); ok {
		t.Error("the oversized view was published")
	}
}

func TestPages(t *testing.T) {
	h, ts := newTestHub(t, func(o *Options) { o.JoinURL = "http://10.0.0.7:8080/room/" })
	room := h.NewRoom()
	room.Publish(View{Prompt: `Say "hi" <b>`, Step: "L0.softmax", Head: 1})
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(path string) (int, string, string) {
		res, err := client.Get(ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, res.Header.Get("Location"), string(b)
	}
	tests := []struct {
		path     string
		status   int
		location string
		has      []string
		hasNot   []string
	}{
		{"/room/", 200, "", []string{`name="code"`}, nil},
		{"/room/?code=" + strings.ToLower(room.Code()), 303, "/room/" + room.Code() + "?lang=en", nil, nil},
		{"/room/?code=QQQQQ", 404, "", []string{"There is no room"}, nil},
		{"/room/?code=QQQQQ&lang=zh", 404, "", []string{"没有代码为 QQQQQ 的房间"}, nil},
		{"/room/" + room.Code(), 200, "", []string{
			`data-role="student"`,
			`data-code="` + room.Code() + `"`,
			`data-view="{\"prompt\":\"Say \\\"hi\\\" \\u003cb\\u003e\"`,
		}, []string{room.Key()}},
		{"/room/" + strings.ToLower(room.Code()), 303, "/room/" + room.Code() + "?", nil, nil},
		{"/room/CDEFG", 404, "", []string{"There is no room"}, nil},
		{"/room/" + room.Code() + "/teacher?key=" + room.Key(), 200, "", []string{
			`data-role="teacher"`, `data-join="http://10.0.0.7:8080/room/"`,
		}, []string{room.Key()}},
		{"/room/" + room.Code() + "/teacher?key=nope", 403, "", nil, nil},
		{"/room/room.js", 200, "", []string{"follow"}, nil},
		{"/room/room.css", 200, "", []string{".room-bar"}, nil},
	}
	for _, tt := range tests {
		status, loc, body := get(tt.path)
		if status != tt.status || loc != tt.location {
			t.Errorf("GET %s = %d %q, want %d %q", tt.path, status, loc, tt.status, tt.location)
		}
		for _, s := range tt.has {
			if !strings.Contains(body, s) {
				t.Errorf("GET %s lacks %s:\n%s", tt.path, s, body)
			}
		}
		for _, s := range tt.hasNot {
			if strings.Contains(body, s) {
				t.Errorf("GET %s contains %s", tt.path, s)
			}
		}
	}
}

// TestCloseEndsConnections: closing the hub closes the room's sockets.
func TestCloseEndsConnections(t *testing.T) {
	h, ts := newTestHub(t, nil)
	room := h.NewRoom()
	c := dial(t, ts, room.Code(), "")
	next(t, c)
	h.Close()
	if !closed(c) {
		t.Error("the student stayed connected after Close")
	}
	if h.Room(room.Code()) != nil {
		t.Error("the room outlived Close")
	}
}
