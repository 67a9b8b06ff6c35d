package classroom

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"
)

// decode reads one queued message.
// chanBox is an outbox of the tests: a channel of at most cap messages.
type chanBox chan []byte

func (b chanBox) offer(msg []byte) bool {
	select {
	case b <- msg:
		return true
	default:
		return false
	}
}

func (b chanBox) close() { close(b) }

func newTestClient(teacher bool, queue int) *client {
	return newClient(teacher, make(chanBox, queue))
}

func decode(t *testing.T, b []byte) outMessage {
	t.Helper()
	var m outMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	return m
}

func view(i int) View {
	return View{Prompt: "The cat sat", Step: fmt.Sprintf("L%d.softmax", i), Head: i % 4}
}

func TestRoomOrder(t *testing.T) {
	r := newRoom("ACDEF", "key", 10)
	a, b := newTestClient(false, 100), newTestClient(false, 100)
	if err := r.join(a); err != nil {
		t.Fatal(err)
	}
	r.Publish(view(0))
	if err := r.join(b); err != nil {
		t.Fatal(err)
	}
	for i := 1; i < 50; i++ {
		if seq := r.Publish(view(i)); seq != int64(i+1) {
			t.Fatalf("Publish #%d = seq %d, want %d", i, seq, i+1)
		}
	}
	// a saw everything; b joined after view 0 and was welcomed with it.
	for name, c := range map[string]*client{"a": a, "b": b} {
		w := decode(t, <-c.out.(chanBox))
		want := int64(0)
		if name == "b" {
			want = 1
		}
		if w.Type != typeWelcome || w.Role != "student" || w.Seq != want {
			t.Fatalf("%s: first message %+v, want a student welcome at seq %d", name, w, want)
		}
		if want == 1 && (w.View == nil || *w.View != view(0)) {
			t.Fatalf("%s: welcome view %+v, want %+v", name, w.View, view(0))
		}
		for i := int(want); i < 50; i++ {
			m := decode(t, <-c.out.(chanBox))
			if m.Type != typeView || m.Seq != int64(i+1) || *m.View != view(i) {
				t.Fatalf("%s: message %+v, want view %d at seq %d", name, m, i, i+1)
			}
		}
		if len(c.out.(chanBox)) != 0 {
			t.Errorf("%s: %d messages left over", name, len(c.out.(chanBox)))
		}
	}
}

func TestRoomRepeatSendsNothing(t *testing.T) {
	r := newRoom("ACDEF", "key", 10)
	c := newTestClient(false, 10)
	r.join(c)
	<-c.out.(chanBox) // welcome
	if s1, s2 := r.Publish(view(1)), r.Publish(view(1)); s1 != 1 || s2 != 1 {
		t.Errorf("Publish twice = seq %d, %d; want 1, 1", s1, s2)
	}
	if len(c.out.(chanBox)) != 1 {
		t.Errorf("%d messages queued, want 1", len(c.out.(chanBox)))
	}
}

// TestSlowClientDropped: a student who never reads is dropped once its
// queue is full, the teacher never waits, and the others get everything.
func TestSlowClientDropped(t *testing.T) {
	const queue = 8
	r := newRoom("ACDEF", "key", 10)
	teacher, slow, fast := newTestClient(true, queue), newTestClient(false, queue), newTestClient(false, 1000)
	for _, c := range []*client{teacher, slow, fast} {
		if err := r.join(c); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Now()
	for i := range 100 {
		r.Publish(view(i))
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("100 publishes took %v with a stuck student", d)
	}
	if got := r.Students(); got != 1 {
		t.Errorf("Students() = %d after the drop, want 1", got)
	}
	n := 0
	for range slow.out.(chanBox) { // closed by the drop, so this ends
		n++
	}
	if n != queue {
		t.Errorf("the slow student got %d messages before its queue closed, want %d", n, queue)
	}
	<-fast.out.(chanBox) // welcome
	for i := range 100 {
		if m := decode(t, <-fast.out.(chanBox)); m.Seq != int64(i+1) {
			t.Fatalf("fast student: seq %d, want %d", m.Seq, i+1)
		}
	}
	// The teacher heard the class shrink to one.
	last := -1
	for len(teacher.out.(chanBox)) > 0 {
		if m := decode(t, <-teacher.out.(chanBox)); m.Type == typeStudents {
			last = *m.Students
		}
	}
	if last != 1 {
		t.Errorf("the teacher's last count is %d, want 1", last)
	}
}

func TestRoomFullAndClosed(t *testing.T) {
	r := newRoom("ACDEF", "key", 2)
	for i := range 2 {
		if err := r.join(newTestClient(false, 4)); err != nil {
			t.Fatalf("student %d: %v", i, err)
		}
	}
	if err := r.join(newTestClient(false, 4)); err != ErrRoomFull {
		t.Errorf("third student: %v, want %v", err, ErrRoomFull)
	}
	if err := r.join(newTestClient(true, 4)); err != nil {
		t.Errorf("a teacher joins a full room: %v", err)
	}
	r.close()
	if err := r.join(newTestClient(false, 4)); err != ErrRoomClosed {
		t.Errorf("join after close: %v, want %v", err, ErrRoomClosed)
	}
	if n := r.Students(); n != 0 {
		t.Errorf("%d students after close", n)
	}
}

func TestNormalizeCode(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"ACDEF", "ACDEF", true},
		{"acdef", "ACDEF", true},
		{" ac-def ", "ACDEF", true},
		{"ACDE", "", false},
		{"ACDEFG", "", false},
		{"ABCDE", "", false}, // B is not in the alphabet
		{"AC0EF", "", false},
		{"", "", false},
		{"ÀCDEF", "", false},
	}
	for _, tt := range tests {
		got, ok := normalizeCode(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("normalizeCode(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
	for range 100 {
		c := newCode()
		if got, ok := normalizeCode(c); !ok || got != c {
			t.Fatalf("newCode() = %q, which does not normalize to itself", c)
		}
	}
}

func TestParseMessage(t *testing.T) {
	tests := []struct {
		in string
		ok bool
	}{
		{`{"type":"join","code":"ACDEF"}`, true},
		{`{"type":"join","code":"ACDEF","key":"k"}`, true},
		{`{"type":"join"}`, false},
		{`{"type":"view","view":{"prompt":"hi","step":"L0.softmax","head":1,"lang":"zh"}}`, true},
		{`{"type":"view","view":{"prompt":"hi","step":"tokenize","head":0}}`, true},
		{`{"type":"view"}`, false},
		{`{"type":"view","view":{"prompt":"hi","step":"<script>","head":0}}`, false},
		{`{"type":"view","view":{"prompt":"hi","step":"embed","head":-1}}`, false},
		{`{"type":"view","view":{"prompt":"hi","step":"embed","head":0,"lang":"fr"}}`, false},
		{`{"type":"view","view":{"prompt":"\xff","step":"embed","head":0}}`, false},
		{`{"type":"dance"}`, false},
		{`not json`, false},
	}
	for _, tt := range tests {
		_, err := parseMessage([]byte(tt.in))
		if (err == nil) != tt.ok {
			t.Errorf("parseMessage(%s) error = %v, want ok %v", tt.in, err, tt.ok)
		}
	}
}

func FuzzParseMessage(f *testing.F) {
	f.Add([]byte(`{"type":"join","code":"ACDEF"}`))
	f.Add([]byte(`{"type":"view","view":{"prompt":"hi","step":"L0.softmax","head":1}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := parseMessage(b)
		if err != nil {
			return
		}
		if m.Type == typeView && m.View.check() != nil {
			t.Errorf("parseMessage accepted a bad view %+v", m.View)
		}
	})
}
