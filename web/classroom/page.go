package classroom

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"regexp"
	"strings"
)

// joinPage is the form a student types the room code into.
var joinPage = template.Must(template.New("join").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Join a class · Transformer Explorer</title>
<link rel="stylesheet" href="/static/style.css">
<link rel="stylesheet" href="/room/room.css">
</head>
<body class="room-join">
<main>
<h1>Join a class</h1>
<p>Type the room code shown on the teacher's screen. 输入老师屏幕上的房间代码。</p>
<form method="get" action="/room/" autocomplete="off">
<input id="room-code" name="code" value="{{.Code}}" maxlength="12" placeholder="MEDTR" autofocus aria-label="room code">
<button type="submit">Join</button>
</form>
{{with .Error}}<p class="room-error" role="alert">{{.}}</p>{{end}}
</main>
</body>
</html>
`))

type joinData struct{ Code, Error string }

// serveJoin shows the join form, or sends a student with a good code to
// the room.
func (h *Hub) serveJoin(w http.ResponseWriter, r *http.Request) {
	typed := r.FormValue("code")
	d := joinData{Code: typed}
	status := http.StatusOK
	if typed != "" {
		room, err := h.find(r.RemoteAddr, typed)
		switch {
		case err != nil:
			d.Error, status = err.Error(), http.StatusTooManyRequests
		case room != nil:
			http.Redirect(w, r, "/room/"+room.code, http.StatusSeeOther)
			return
		default:
			d.Error = fmt.Sprintf("There is no room %q. Check the code on the teacher's screen.", strings.ToUpper(typed))
			status = http.StatusNotFound
		}
	}
	h.writeJoin(w, status, d)
}

func (h *Hub) writeJoin(w http.ResponseWriter, status int, d joinData) {
	var b bytes.Buffer
	if err := joinPage.Execute(&b, d); err != nil {
		h.opt.Logger.Error("classroom: join page", "err", err)
		http.Error(w, "the join page failed", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(b.Bytes())
}

// serveStudent serves a student's page: the explorer following the room.
func (h *Hub) serveStudent(w http.ResponseWriter, r *http.Request) {
	room, err := h.find(r.RemoteAddr, r.PathValue("code"))
	if err != nil {
		h.writeJoin(w, http.StatusTooManyRequests, joinData{Code: r.PathValue("code"), Error: err.Error()})
		return
	}
	if room == nil {
		h.writeJoin(w, http.StatusNotFound, joinData{
			Code:  r.PathValue("code"),
			Error: fmt.Sprintf("There is no room %q. Check the code on the teacher's screen.", strings.ToUpper(r.PathValue("code"))),
		})
		return
	}
	if r.PathValue("code") != room.code {
		http.Redirect(w, r, "/room/"+room.code, http.StatusSeeOther)
		return
	}
	h.serveRoomPage(w, r, room, "student")
}

// serveTeacher serves the teacher's page. The key travels in the query
// the first time; the page keeps it and takes it out of the address bar,
// which may be on the projector. A wrong key is refused here already.
func (h *Hub) serveTeacher(w http.ResponseWriter, r *http.Request) {
	room, err := h.find(r.RemoteAddr, r.PathValue("code"))
	if err != nil {
		http.Error(w, err.Error(), http.StatusTooManyRequests)
		return
	}
	if room == nil {
		http.Error(w, "no such room: use the teacher link that explorer serve printed", http.StatusNotFound)
		return
	}
	if key := r.FormValue("key"); key != "" && !sameKey(key, room.key) {
		h.wrongTry(r.RemoteAddr, "teacher key")
		http.Error(w, "this teacher link is not valid: use the one that explorer serve printed", http.StatusForbidden)
		return
	}
	h.serveRoomPage(w, r, room, "teacher")
}

// roomScript is the tag that turns the explorer page into a room page. It
// carries the room's current view so a student's first run is the
// teacher's prompt, and never the key.
var roomScript = template.Must(template.New("script").Parse(
	`<link rel="stylesheet" href="/room/room.css">` +
		`<script type="module" src="/room/room.js" data-room-role="{{.Role}}" data-room-code="{{.Code}}" data-room-join="{{.Join}}"{{if .View}} data-room-view="{{.View}}"{{end}}></script>`))

// serveRoomPage renders the explorer page with the room script added.
func (h *Hub) serveRoomPage(w http.ResponseWriter, r *http.Request, room *Room, role string) {
	page, status, header := h.explorerPage(r)
	d := struct{ Role, Code, Join, View string }{Role: role, Code: room.code, Join: h.joinURL(r)}
	if v, _, ok := room.Current(); ok {
		b, _ := json.Marshal(v)
		d.View = string(b)
	}
	var tag bytes.Buffer
	if err := roomScript.Execute(&tag, d); err != nil {
		h.opt.Logger.Error("classroom: room script tag", "err", err)
		http.Error(w, "the room page failed", http.StatusInternalServerError)
		return
	}
	if ct := header.Get("Content-Type"); ct != "" {
		w.Header().Set("Content-Type", ct)
	}
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(injectScript(page, tag.Bytes()))
}

// explorerPage renders the explorer page as if GET / had been asked.
func (h *Hub) explorerPage(r *http.Request) ([]byte, int, http.Header) {
	req := r.Clone(r.Context())
	req.URL.Path, req.URL.RawPath, req.URL.RawQuery = "/", "", ""
	req.RequestURI = "/"
	rec := &pageRecorder{header: http.Header{}, status: http.StatusOK}
	h.opt.Page.ServeHTTP(rec, req)
	return rec.body.Bytes(), rec.status, rec.header
}

// appScript finds the explorer's own script tag.
var appScript = regexp.MustCompile(`<script[^>]*\ssrc="/static/app\.js"`)

// injectScript puts tag before the explorer's script, so that the room
// script runs first (module scripts run in document order), or else at
// the end of the head.
func injectScript(page, tag []byte) []byte {
	at := -1
	if loc := appScript.FindIndex(page); loc != nil {
		at = loc[0]
	} else if i := bytes.Index(page, []byte("</head>")); i >= 0 {
		at = i
	}
	if at < 0 {
		return page
	}
	out := make([]byte, 0, len(page)+len(tag))
	out = append(out, page[:at]...)
	out = append(out, tag...)
	return append(out, page[at:]...)
}

// joinURL is the address students open, as the teacher's bar shows it.
func (h *Hub) joinURL(r *http.Request) string {
	if h.opt.JoinURL != "" {
		return h.opt.JoinURL
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + "/room/"
}

// pageRecorder keeps a response in memory.
type pageRecorder struct {
	header http.Header
	status int
	wrote  bool
	body   bytes.Buffer
}

func (p *pageRecorder) Header() http.Header { return p.header }

func (p *pageRecorder) WriteHeader(status int) {
	if !p.wrote {
		p.status, p.wrote = status, true
	}
}

func (p *pageRecorder) Write(b []byte) (int, error) {
	p.wrote = true
	return p.body.Write(b)
}
