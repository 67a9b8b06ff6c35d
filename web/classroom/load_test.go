package classroom

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// Size of the load test: a full class, and a lesson's worth of steps sent
// twenty times faster than a teacher's page can (it sends at most every
// 100 ms).
const (
	loadStudents = 40
	loadViews    = 200
	loadEvery    = 5 * time.Millisecond
	loadDeadline = 60 * time.Second
)

// loadRoom opens a room on a new hub with its teacher and loadStudents
// students connected over loopback, each student welcomed.
func loadRoom(t testing.TB) (room *Room, teacher *websocket.Conn, students []*websocket.Conn) {
	t.Helper()
	h, ts := newTestHub(t, func(o *Options) { o.MaxPerClient = loadStudents + 1 }) // all on loopback
	room = h.NewRoom()
	teacher = dial(t, ts, room.Code(), room.Key())
	next(t, teacher)
	students = make([]*websocket.Conn, loadStudents)
	for i := range students {
		students[i] = dial(t, ts, room.Code(), "")
		if m := next(t, students[i]); m.Type != typeWelcome {
			t.Fatalf("student %d: %+v", i, m)
		}
	}
	return room, teacher, students
}

// TestLoad40 connects 40 students over loopback websockets and checks that
// every one receives every view of the teacher, in order, with nothing
// dropped. It reports the delivery latency.
func TestLoad40(t *testing.T) {
	if testing.Short() {
		t.Skip("load test")
	}
	room, teacher, students := loadRoom(t)
	if n := room.Students(); n != loadStudents {
		t.Fatalf("Students() = %d, want %d", n, loadStudents)
	}

	views := make([]View, loadViews)
	for i := range views {
		views[i] = View{Prompt: fmt.Sprintf("The cat sat on mat number %d", i/29), Step: fmt.Sprintf("L%d.softmax", i), Head: i % 12, Lang: "en"}
	}
	sent := make([]time.Time, loadViews)
	lastArrival := make([]time.Time, loadViews) // per view, the last student's
	var mu sync.Mutex
	errs := make(chan error, loadStudents)
	var wg sync.WaitGroup
	deadline := time.Now().Add(loadDeadline)
	for i, conn := range students {
		wg.Go(func() {
			conn.SetReadDeadline(deadline)
			for k := range loadViews {
				var m outMessage
				if err := conn.ReadJSON(&m); err != nil {
					errs <- fmt.Errorf("student %d after %d views: %w", i, k, err)
					return
				}
				now := time.Now()
				if m.Type != typeView || m.Seq != int64(k+1) || *m.View != views[k] {
					errs <- fmt.Errorf("student %d: message %d is %+v, want view %d at seq %d", i, k, m, k, k+1)
					return
				}
				mu.Lock()
				if now.After(lastArrival[k]) {
					lastArrival[k] = now
				}
				mu.Unlock()
			}
		})
	}
	start := time.Now()
	for i, v := range views {
		mu.Lock()
		sent[i] = time.Now()
		mu.Unlock()
		sendView(t, teacher, v)
		time.Sleep(loadEvery)
	}
	wg.Wait()
	total := time.Since(start)
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if t.Failed() {
		return
	}
	if n := room.Students(); n != loadStudents {
		t.Errorf("%d students still in the room, want %d", n, loadStudents)
	}
	lat := make([]time.Duration, loadViews)
	for i := range lat {
		lat[i] = lastArrival[i].Sub(sent[i])
	}
	slices.Sort(lat)
	t.Logf("%d students × %d views (%d messages) in %v; teacher→last student: median %v, p99 %v, max %v",
		loadStudents, loadViews, loadStudents*loadViews, total.Round(time.Millisecond),
		lat[len(lat)/2].Round(time.Microsecond), lat[len(lat)*99/100].Round(time.Microsecond), lat[len(lat)-1].Round(time.Microsecond))
}

// BenchmarkBroadcast40 measures one teacher view reaching 40 students
// over loopback websockets, end to end.
func BenchmarkBroadcast40(b *testing.B) {
	_, teacher, students := loadRoom(b)
	var wg sync.WaitGroup
	errs := make(chan error, loadStudents)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		sendView(b, teacher, View{Prompt: "The cat sat", Step: "L0.softmax", Head: i % 2})
		for _, conn := range students {
			wg.Go(func() {
				var m outMessage
				conn.SetReadDeadline(time.Now().Add(5 * time.Second))
				if err := conn.ReadJSON(&m); err != nil || m.Seq != int64(i+1) {
					errs <- fmt.Errorf("view %d: got %+v, %v", i+1, m, err)
				}
			})
		}
		wg.Wait()
		select {
		case err := <-errs:
			b.Fatal(err)
		default:
		}
	}
}
