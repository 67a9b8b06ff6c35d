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
// The pages are the explorer page's own component (Options.Page, which
// *web.Server implements) with the room bar, opening on the room's view;
// room.js drives the page through its script API (explorer, in
// web/static/app.js), not through its buttons.
//
// # The teacher's key
//
// The teacher link carries the room's key once; the browser keeps it
// (localStorage) and takes it out of the address bar. The key, not the
// browser, makes a teacher: the link opened in any browser — the lectern
// PC, a restarted laptop — claims the room. The teacher tab that joined
// last drives; an earlier one is told it was taken over and follows like
// a student, with a button to take the room back. The room code and the
// students stay throughout. A teacher page without the key (opened
// without ?key= in a browser that never had it) follows and says to open
// the printed teacher link.
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
// {"type":"error","error":"not_teacher","key":"room.notTeacher","message":"…"},
// and one from a teacher tab that does not drive with error "not_driver".
// A teacher tab learns {"type":"driving"} when it drives and
// {"type":"taken"} when another took over; it sends {"type":"take"} to
// drive again.
//
// Every error message carries, beside its code, its words: key (a key of
// the message catalogue, lessons/i18n, which the page shows in its
// language), args (the key's arguments, when it has some) and message
// (the English, for other clients). The close frame that follows a
// refused join says the same (see wsconn.Reason). The codes of refused
// joins are "no_room", "bad_key", "room_full", "bad_message", and
// "too_many" for a computer that sent too many wrong codes or has too
// many room pages open.
//
// # Predict before reveal
//
// The driving teacher asks the class a question about the step on screen:
//
//	{"type":"poll","poll":{"kind":"key","layer":1,"head":2,"q":5,"token":"␣mat","options":["The","␣cat",…]}}
//
// (kind "next" asks for the next token among options). Everyone receives
// it with an id; students answer {"type":"guess","poll_id":3,"choice":1}
// (a later guess replaces an earlier one), and the teachers receive the
// histogram {"type":"tally","tally":{"poll":3,"counts":[0,2,…],"answered":3,"students":3}}
// after every guess. The teacher's {"type":"reveal","reveal":{"answer":1,"p":0.61}}
// and {"type":"endpoll"} go to everyone. While a poll is open the pages
// hide the numbers that give the answer away.
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
