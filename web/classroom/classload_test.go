package classroom_test

// A class under load (issue 15's load suite): students whose pages follow
// the teacher, each with its explorer tab, over loopback. The 200-student
// class runs only with EXPLORER_LOAD=1, which .ci/run sets.

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/transformer-explorer/explorer/web"
	"github.com/transformer-explorer/explorer/web/classroom"
	"github.com/transformer-explorer/explorer/web/internal/wstest"
)

// classServer serves the tiny model with a room sized for students who
// all come from 127.0.0.1.
func classServer(t *testing.T, students int) (*classroom.Room, *httptest.Server) {
	t.Helper()
	return newClassroom(t,
		web.Options{MaxSessions: students + 16, MaxSessionsPerClient: students + 2, QueueBytes: 256 << 10},
		classroom.Options{MaxStudents: students, MaxPerClient: students + 2})
}

// roomMessage is what a room socket receives.
type roomMessage struct {
	Type string         `json:"type"`
	Seq  int64          `json:"seq"`
	View classroom.View `json:"view"`
}

func joinRoom(t *testing.T, ts *httptest.Server, code, key string) *websocket.Conn {
	t.Helper()
	conn := wstest.Dial(t, ts, "/room/ws", nil)
	join := map[string]string{"type": "join", "code": code}
	if key != "" {
		join["key"] = key
	}
	conn.WriteJSON(join)
	var welcome roomMessage
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	if err := conn.ReadJSON(&welcome); err != nil || welcome.Type != "welcome" {
		t.Fatalf("join: %+v, %v", welcome, err)
	}
	return conn
}

// frameHeader reads the header of a tensor frame (web/PROTOCOL.md).
func frameHeader(b []byte) (seq int, name string, ok bool) {
	if len(b) < 4 {
		return 0, "", false
	}
	n := int(binary.LittleEndian.Uint32(b))
	if n > len(b)-4 {
		return 0, "", false
	}
	var h struct {
		Seq  int    `json:"seq"`
		Name string `json:"name"`
	}
	if json.Unmarshal(b[4:4+n], &h) != nil {
		return 0, "", false
	}
	return h.Seq, h.Name, true
}

// student follows the room as a student's page does: on each view it runs
// the teacher's prompt in its explorer tab when it changed, then fetches
// the hooks of the teacher's step.
type student struct {
	room, ex *websocket.Conn
	steps    map[string][]string // step ID → hooks
	seq      int
	// arrived[i] is when view i+1 arrived on the room socket, ready[i]
	// when its tensors had all arrived.
	arrived, ready []time.Time
}

type arrival struct {
	m   roomMessage
	at  time.Time
	err error
}

func (s *student) follow(views int, deadline time.Time) error {
	s.room.SetReadDeadline(deadline)
	s.ex.SetReadDeadline(deadline)
	// The room socket is read on its own, as the page's room script does,
	// so that a view's arrival is timed apart from the work it causes.
	in := make(chan arrival, views)
	go func() {
		for range views {
			var a arrival
			a.err = s.room.ReadJSON(&a.m)
			a.at = time.Now()
			in <- a
			if a.err != nil {
				return
			}
		}
	}()
	prompt := ""
	for k := range views {
		a := <-in
		if a.err != nil {
			return fmt.Errorf("view %d: %w", k+1, a.err)
		}
		m := a.m
		if m.Type != "view" || m.Seq != int64(k+1) {
			return fmt.Errorf("message %d is %+v, want view %d", k+1, m, k+1)
		}
		s.arrived = append(s.arrived, a.at)
		if m.View.Prompt != prompt {
			prompt = m.View.Prompt
			s.seq++
			s.ex.WriteJSON(map[string]any{"type": "run", "seq": s.seq, "prompt": prompt, "eager": []string{"next.**"}})
			if err := s.until(func(_ string, msg map[string]any) bool {
				return msg["type"] == "done" && int(msg["seq"].(float64)) == s.seq
			}); err != nil {
				return fmt.Errorf("run of view %d: %w", k+1, err)
			}
		}
		want := map[string]bool{}
		for _, h := range s.steps[m.View.Step] {
			want[h] = true
			s.ex.WriteJSON(map[string]any{"type": "tensor", "seq": s.seq, "name": h})
		}
		if err := s.until(func(name string, _ map[string]any) bool {
			delete(want, name)
			return len(want) == 0
		}); err != nil {
			return fmt.Errorf("hooks of view %d (%s): %w", k+1, m.View.Step, err)
		}
		s.ready = append(s.ready, time.Now())
	}
	return nil
}

// until reads the explorer tab until stop says so, given each tensor
// frame's name (of the current run) or JSON message; an error message
// fails it.
func (s *student) until(stop func(name string, msg map[string]any) bool) error {
	if stop("", map[string]any{}) {
		return nil
	}
	for {
		kind, data, err := s.ex.ReadMessage()
		if err != nil {
			return err
		}
		if kind == websocket.BinaryMessage {
			seq, name, ok := frameHeader(data)
			if !ok {
				return fmt.Errorf("a bad frame")
			}
			if seq == s.seq && stop(name, map[string]any{}) {
				return nil
			}
			continue
		}
		var msg map[string]any
		if err := json.Unmarshal(data, &msg); err != nil {
			return err
		}
		if msg["type"] == "error" {
			return fmt.Errorf("error %v", msg)
		}
		if stop("", msg) {
			return nil
		}
	}
}

// runClass connects students, each with a room socket and an explorer tab,
// and a teacher, steps the teacher through views every interval, and
// returns, over every student and view, the delays from the teacher's view
// to its arrival on the student's room socket and to the student having
// its step's tensors. Every goroutine must end after.
func runClass(t *testing.T, students, views int, every time.Duration) (delivered, ready []time.Duration) {
	base := runtime.NumGoroutine()
	room, ts := classServer(t, students)
	teacher := joinRoom(t, ts, room.Code(), room.Key())
	class := make([]*student, students)
	var ids []string
	steps := map[string][]string{}
	for i := range class {
		ex := wstest.Dial(t, ts, "/ws", nil)
		var hello struct {
			Type  string `json:"type"`
			Steps []struct {
				ID    string   `json:"id"`
				Hooks []string `json:"hooks"`
			} `json:"steps"`
		}
		ex.SetReadDeadline(time.Now().Add(10 * time.Second))
		if err := ex.ReadJSON(&hello); err != nil || hello.Type != "hello" {
			t.Fatalf("student %d's explorer tab: %+v, %v", i, hello, err)
		}
		if i == 0 {
			for _, st := range hello.Steps {
				if len(st.Hooks) > 0 {
					steps[st.ID] = st.Hooks
					ids = append(ids, st.ID)
				}
			}
		}
		class[i] = &student{room: joinRoom(t, ts, room.Code(), ""), ex: ex, steps: steps}
	}
	deadline := time.Now().Add(3 * time.Minute)
	errs := make(chan error, students)
	var wg sync.WaitGroup
	for i, s := range class {
		wg.Go(func() {
			if err := s.follow(views, deadline); err != nil {
				errs <- fmt.Errorf("student %d: %w", i, err)
			}
		})
	}
	sent := make([]time.Time, views)
	for i := range views {
		v := classroom.View{Prompt: fmt.Sprintf("The cat sat on mat number %d and looked at the dog", i/29), Step: ids[i%len(ids)], Head: i % 4, Lang: "en"}
		sent[i] = time.Now()
		if err := teacher.WriteJSON(map[string]any{"type": "view", "view": v}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(every)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if t.Failed() {
		return nil, nil
	}
	for _, s := range class {
		for k := range s.ready {
			delivered = append(delivered, s.arrived[k].Sub(sent[k]))
			ready = append(ready, s.ready[k].Sub(sent[k]))
		}
		s.room.Close()
		s.ex.Close()
	}
	teacher.Close()
	slices.Sort(delivered)
	slices.Sort(ready)
	ts.CloseClientConnections()
	settle(t, base)
	return delivered, ready
}

// settle waits up to 10 s for the goroutine count to come back to base
// (and a little slack), and fails with the stacks when it does not.
func settle(t *testing.T, base int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > base+3 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > base+3 {
		buf := make([]byte, 1<<20)
		t.Fatalf("%d goroutines, %d before:\n%s", n, base, buf[:runtime.Stack(buf, true)])
	}
}

func percentile(sorted []time.Duration, p int) time.Duration {
	return sorted[min(len(sorted)-1, len(sorted)*p/100)]
}

func logClass(t *testing.T, students, views int, delivered, ready []time.Duration) {
	if delivered == nil {
		return
	}
	ms := func(d time.Duration) time.Duration { return d.Round(time.Millisecond) }
	t.Logf("%d students × %d views: the teacher's view reaches a student's room socket: p50 %v, p99 %v, max %v; the student has the step's tensors: p50 %v, p99 %v, max %v",
		students, views, ms(percentile(delivered, 50)), ms(percentile(delivered, 99)), ms(delivered[len(delivered)-1]),
		ms(percentile(ready, 50)), ms(percentile(ready, 99)), ms(ready[len(ready)-1]))
}

// TestLoadClass40 is a class of 40 students and a teacher stepping 200
// times at the page's fastest (a view per 100 ms): every student gets
// every view in order and the tensors of its step, and every goroutine
// ends after.
func TestLoadClass40(t *testing.T) {
	if testing.Short() {
		t.Skip("a load test")
	}
	delivered, ready := runClass(t, 40, 200, 100*time.Millisecond)
	logClass(t, 40, 200, delivered, ready)
}

// TestLoadClass200 is the fullest room: 200 students.
func TestLoadClass200(t *testing.T) {
	if os.Getenv("EXPLORER_LOAD") == "" {
		t.Skip("a long load test: set EXPLORER_LOAD=1 (.ci/run does)")
	}
	delivered, ready := runClass(t, 200, 200, 100*time.Millisecond)
	logClass(t, 200, 200, delivered, ready)
}
