package classroom

import (
	"errors"
	"sync"
)

// Errors of joining a room.
var (
	ErrRoomFull   = errors.New("classroom: the room is full")
	ErrRoomClosed = errors.New("classroom: the room is closed")
)

// A Room is one class: a teacher's view broadcast to its students. Its
// methods may be called concurrently.
type Room struct {
	code        string
	key         string
	maxStudents int

	mu       sync.Mutex
	closed   bool
	seq      int64 // of the current view; 0 before the first
	view     *View
	students map[*client]struct{}
	teachers map[*client]struct{}
	// driver is the teacher connection that drives the room: the one that
	// joined or took over last. Other teacher tabs follow, like students,
	// until they take over.
	driver *client
	// The open poll, its answer once revealed, and the students' guesses.
	polls   int64
	poll    *Poll
	reveal  *Reveal
	guesses map[*client]int
}

// A client is one connection's membership of a room. Its outbox is
// closed, exactly once and under the room's lock, when the client leaves
// or is dropped; the connection then says goodbye.
type client struct {
	teacher bool
	out     outbox
}

// An outbox takes the messages of one client for its connection.
type outbox interface {
	// offer queues msg without waiting, and reports false when the
	// client is too far behind to take it.
	offer(msg []byte) bool
	// close ends the client's connection after what was queued.
	close()
}

func newClient(teacher bool, out outbox) *client {
	return &client{teacher: teacher, out: out}
}

func newRoom(code, key string, maxStudents int) *Room {
	return &Room{
		code:        code,
		key:         key,
		maxStudents: maxStudents,
		students:    map[*client]struct{}{},
		teachers:    map[*client]struct{}{},
	}
}

// Code returns the room code students type.
func (r *Room) Code() string { return r.code }

// Key returns the teacher's secret. It must never reach a student's page.
func (r *Room) Key() string { return r.key }

// Students returns how many students are connected.
func (r *Room) Students() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.students)
}

// Current returns the room's view and its sequence number; ok is false
// before the teacher has shown anything.
func (r *Room) Current() (v View, seq int64, ok bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.view == nil {
		return View{}, 0, false
	}
	return *r.view, r.seq, true
}

// join adds c to the room and queues its welcome, which carries the
// current view, so that everything c receives after it is newer.
func (r *Room) join(c *client) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return ErrRoomClosed
	}
	role := "student"
	if c.teacher {
		role = "teacher"
		r.teachers[c] = struct{}{}
	} else {
		if len(r.students) >= r.maxStudents {
			return ErrRoomFull
		}
		r.students[c] = struct{}{}
	}
	r.offer(c, outMessage{Type: typeWelcome, Role: role, Code: r.code, Seq: r.seq, View: r.view, Poll: r.poll, Reveal: r.reveal}.encode())
	if c.teacher {
		r.takeLocked(c) // the newest teacher tab drives
	}
	r.countLocked()
	r.tallyLocked()
	return nil
}

// take makes teacher connection c the room's driver; the one that drove
// before is told it was taken over and follows from then on.
func (r *Room) take(c *client) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.member(c) && c.teacher {
		r.takeLocked(c)
	}
}

func (r *Room) takeLocked(c *client) {
	if old := r.driver; old != nil && old != c {
		r.offer(old, outMessage{Type: typeTaken}.encode())
	}
	r.driver = c
	r.offer(c, outMessage{Type: typeDriving}.encode())
}

// drives reports whether c drives the room.
func (r *Room) drives(c *client) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.driver == c
}

// leave removes c, if it is still in the room.
func (r *Room) leave(c *client) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.removeLocked(c) && !c.teacher {
		r.countLocked()
		r.tallyLocked()
	}
}

// Publish makes v the room's view and queues it to every student, without
// waiting for any of them; a student whose queue is full is dropped. It
// returns the view's sequence number; showing the current view again
// sends nothing.
func (r *Room) Publish(v View) int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed || (r.view != nil && *r.view == v) {
		return r.seq
	}
	r.seq++
	r.view = &v
	r.broadcastLocked(outMessage{Type: typeView, Seq: r.seq, View: &v}.encode(), false)
	return r.seq
}

// broadcastLocked queues msg to every student and to the teachers that
// follow (all teachers when toDriver), dropping whoever is too far
// behind. The caller holds r.mu.
func (r *Room) broadcastLocked(msg []byte, toDriver bool) {
	before := len(r.students)
	for c := range r.students {
		r.offer(c, msg)
	}
	for c := range r.teachers {
		if toDriver || c != r.driver {
			r.offer(c, msg)
		}
	}
	if len(r.students) != before {
		r.countLocked()
	}
}

// tell queues msg to c alone.
func (r *Room) tell(c *client, msg []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.member(c) {
		r.offer(c, msg)
	}
}

// close drops everyone; the room takes no one after.
func (r *Room) close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed = true
	for c := range r.students {
		r.removeLocked(c)
	}
	for c := range r.teachers {
		r.removeLocked(c)
	}
}

// offer queues msg to c, or drops c when its queue is full. The caller
// holds r.mu.
func (r *Room) offer(c *client, msg []byte) {
	if !c.out.offer(msg) {
		r.removeLocked(c)
	}
}

// countLocked tells the teachers how many students there are. The caller
// holds r.mu.
func (r *Room) countLocked() {
	n := len(r.students)
	msg := outMessage{Type: typeStudents, Students: &n}.encode()
	for c := range r.teachers {
		r.offer(c, msg)
	}
}

func (r *Room) member(c *client) bool {
	if c.teacher {
		_, ok := r.teachers[c]
		return ok
	}
	_, ok := r.students[c]
	return ok
}

// removeLocked takes c out of the room and closes its outbox, and reports
// whether c was in it. The caller holds r.mu.
func (r *Room) removeLocked(c *client) bool {
	if !r.member(c) {
		return false
	}
	if c.teacher {
		delete(r.teachers, c)
		if r.driver == c {
			r.driver = nil
		}
	} else {
		delete(r.students, c)
		delete(r.guesses, c)
	}
	c.out.close()
	return true
}
