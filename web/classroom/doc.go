// Package classroom runs a class on the explorer: a teacher drives a room
// and every student's page follows.
//
// A Hub holds rooms. Each Room has a short code that students type (five
// unambiguous capital letters, shown big on the teacher's screen) and a
// secret key that only the teacher's link carries. The Hub serves, under
// /room/:
//
//	GET /room/                 the join form (?code=MEDTR redirects to the room)
//	GET /room/{code}           a student's page: the explorer plus a room bar
//	GET /room/{code}/teacher   the teacher's page (?key=SECRET, kept by the page)
//	GET /room/ws               the room websocket
//	GET /room/room.js, room.css  the room script and its style
//
// The pages are the explorer page (Options.Page) with the room script
// loaded before the explorer's own, so the room never needs hooks in the
// page's template.
//
// # Protocol
//
// Every message is a JSON text frame. The client speaks first, within
// ten seconds:
//
//	{"type":"join","code":"MEDTR"}                      a student
//	{"type":"join","code":"MEDTR","key":"SECRET"}       the teacher
//
// A wrong code or key is answered with an error message, then a close
// frame. Otherwise the server says
//
//	{"type":"welcome","role":"student","code":"MEDTR","seq":7,"view":{…}}
//
// where view (absent before the teacher has shown anything) is the room's
// current view and seq its sequence number. Only the teacher may then send
//
//	{"type":"view","view":{"prompt":"…","step":"L0.softmax","head":2,"lang":"en"}}
//
// and every student receives, in order and with seq increasing by one per
// distinct view,
//
//	{"type":"view","seq":8,"view":{…}}
//
// Teachers also receive {"type":"students","n":12} when the class grows
// or shrinks. A view from a student is refused with
// {"type":"error","error":"not_teacher","message":"…"}.
//
// # Delivery
//
// Each connection has one reader and one writer goroutine and a send
// queue bounded in bytes (the explorer's websocket helper, wsconn). A
// broadcast never waits: a client whose queue is full is dropped (its
// page reconnects and catches up from the welcome), so one slow student
// can never hold up the teacher or the class. Views are numbered and
// queued under the room's lock, so every student sees them in the
// teacher's order.
package classroom
