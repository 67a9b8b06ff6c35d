package classroom

import (
	"bytes"
	"encoding/json"
	"html/template"
	"net/http"
	"strings"
	"sync"

	"github.com/transformer-explorer/explorer/lessons/i18n"
	"github.com/transformer-explorer/explorer/web"
)

// joinPage is the form a student types the room code into, parsed on
// first use.
var joinPage = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("join").Funcs(template.FuncMap{"t": i18n.T, "htmlTag": i18n.HTMLTag}).Parse(`<!DOCTYPE html>
<html lang="{{htmlTag .Lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{t .Lang "room.joinTitle"}} · {{t .Lang "page.title"}}</title>
<link rel="stylesheet" href="/static/style.css">
<link rel="stylesheet" href="/room/room.css">
</head>
<body class="room-join">
<main>
<h1>{{t .Lang "room.joinTitle"}}</h1>
<p>{{t .Lang "room.joinHelp"}}</p>
<form method="get" action="/room/" autocomplete="off">
<input id="room-code" name="code" value="{{.Code}}" maxlength="12" placeholder="MEDTR" autofocus aria-label="{{t .Lang "room.codeAria"}}">
<input type="hidden" name="lang" value="{{.Lang}}">
<button type="submit">{{t .Lang "room.join"}}</button>
</form>
{{with .Error}}<p class="room-error" role="alert">{{.}}</p>{{end}}
<p class="room-langs"><a href="?lang=en" lang="en">English</a> · <a href="?lang=zh" lang="zh-Hans">中文</a></p>
</main>
</body>
</html>
`))
})

type joinData struct{ Lang, Code, Error string }

// pageLang picks the language of a room page request.
func pageLang(r *http.Request) string {
	return i18n.Pick(r.FormValue("lang"), r.Header.Get("Accept-Language"))
}

// serveJoin shows the join form, or sends a student with a good code to
// the room.
func (h *Hub) serveJoin(w http.ResponseWriter, r *http.Request) {
	typed := r.FormValue("code")
	d := joinData{Lang: pageLang(r), Code: typed}
	status := http.StatusOK
	if typed != "" {
		room, err := h.find(r.RemoteAddr, typed)
		switch {
		case err != nil:
			d.Error, status = err.Error(), http.StatusTooManyRequests
		case room != nil:
			http.Redirect(w, r, "/room/"+room.code+"?lang="+d.Lang, http.StatusSeeOther)
			return
		default:
			d.Error = i18n.T(d.Lang, "room.noRoom", "code", strings.ToUpper(typed))
			status = http.StatusNotFound
		}
	}
	h.writeJoin(w, status, d)
}

func (h *Hub) writeJoin(w http.ResponseWriter, status int, d joinData) {
	var b bytes.Buffer
	if err := joinPage().Execute(&b, d); err != nil {
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
		lang := pageLang(r)
		h.writeJoin(w, http.StatusNotFound, joinData{
			Lang:  lang,
			Code:  r.PathValue("code"),
			Error: i18n.T(lang, "room.noRoom", "code", strings.ToUpper(r.PathValue("code"))),
		})
		return
	}
	if r.PathValue("code") != room.code {
		http.Redirect(w, r, "/room/"+room.code+"?"+r.URL.RawQuery, http.StatusSeeOther)
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
		http.Error(w, i18n.T(pageLang(r), "room.noRoom", "code", strings.ToUpper(r.PathValue("code"))), http.StatusNotFound)
		return
	}
	if key := r.FormValue("key"); key != "" && !sameKey(key, room.key) {
		h.wrongTry(r.RemoteAddr, "teacher key")
		http.Error(w, i18n.T(pageLang(r), "room.badKey"), http.StatusForbidden)
		return
	}
	h.serveRoomPage(w, r, room, "teacher")
}

// serveRoomPage renders the explorer page as a room page: the page's own
// component with the room bar, opening on the room's current view. The
// view never carries the key.
func (h *Hub) serveRoomPage(w http.ResponseWriter, r *http.Request, room *Room, role string) {
	props := web.Room{Role: role, Code: room.code, JoinURL: h.joinURL(r)}
	if v, _, ok := room.Current(); ok {
		b, _ := json.Marshal(v)
		props.View = string(b)
	}
	var b bytes.Buffer
	if err := h.opt.Page.RoomPage(r, props).Render(r.Context(), &b); err != nil {
		h.opt.Logger.Error("classroom: room page", "err", err)
		http.Error(w, "the room page failed", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(b.Bytes())
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
