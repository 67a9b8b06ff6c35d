package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/transformer-explorer/explorer/lessons"
	"github.com/transformer-explorer/explorer/trace"
	"github.com/transformer-explorer/explorer/viz"
)

// findStep returns the step with the given ID of an nLayer model: the
// server's, or that of a trace file on the page.
func (s *Server) findStep(id string, nLayer int) (stepInfo, bool) {
	for _, st := range s.stepsFor(nLayer) {
		if st.ID == id {
			return st, true
		}
	}
	return stepInfo{Layer: -1}, false
}

// currentTrace returns the trace of the session a request names.
func (s *Server) currentTrace(r *http.Request) (*trace.Trace, string, error) {
	id := r.FormValue("session")
	ss, ok := s.session(id)
	if !ok {
		return nil, id, errNoSession
	}
	tr, _ := ss.runs.current()
	if tr == nil {
		return nil, id, ss.runs.missing()
	}
	s.mem.touch(ss)
	return tr, id, nil
}

// Why a request finds no trace.
var (
	errNoSession = errors.New("no such session: reload the page")
	errNoRun     = errors.New("run a prompt first")
)

// lensTrace is currentTrace with the logit lens added (session.withLens),
// for the requests that read it.
func (s *Server) lensTrace(r *http.Request) (*trace.Trace, error) {
	ss, ok := s.session(r.FormValue("session"))
	if !ok {
		return nil, errNoSession
	}
	return ss.withLens(r.Context())
}

// intParam reads an integer query parameter, def when absent.
func intParam(r *http.Request, name string, def int) (int, error) {
	v := r.FormValue(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, fmt.Errorf("%s=%q is not a whole number", name, v)
	}
	return n, nil
}

// servePlot renders one plot of the session's trace with viz, as a
// download: /download/plot?session=…&kind=attention&layer=0&head=0&pos=-1&format=png.
func (s *Server) servePlot(w http.ResponseWriter, r *http.Request) {
	tr, _, err := s.currentTrace(r)
	if err == nil && r.FormValue("kind") == viz.KindLens {
		tr, err = s.lensTrace(r)
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	req := viz.Request{Kind: r.FormValue("kind"), Format: r.FormValue("format"), Lang: r.FormValue("lang")}
	if req.Format == "" {
		req.Format = "png"
	}
	for _, p := range []struct {
		name string
		dst  *int
		def  int
	}{{"layer", &req.Layer, 0}, {"head", &req.Head, 0}, {"pos", &req.Pos, -1}} {
		if *p.dst, err = intParam(r, p.name, p.def); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
	}
	var buf bytes.Buffer
	if err := viz.Render(&buf, tr, req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	types := map[string]string{"png": "image/png", "svg": "image/svg+xml", "pdf": "application/pdf", "eps": "application/postscript"}
	w.Header().Set("Content-Type", types[req.Format])
	name := fmt.Sprintf("%s-L%d-H%d.%s", req.Kind, req.Layer, req.Head, req.Format)
	if r.FormValue("inline") == "" {
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	}
	w.Write(buf.Bytes())
}

// serveTrace sends the session's whole trace as a safetensors file.
func (s *Server) serveTrace(w http.ResponseWriter, r *http.Request) {
	tr, err := s.lensTrace(r) // the file holds every hook
	if errors.Is(err, errNoWeights) {
		tr, _, err = s.currentTrace(r) // a trace file's hooks, without a lens to add
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	// The file is written straight from the trace's memory, paced: a
	// client that stops reading is cut off, not buffered for.
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", `attachment; filename="trace.safetensors"`)
	if err := tr.Write(newPacedWriter(w, tr.Bytes(), s.opt.WriteWait)); err != nil {
		// The status is sent; the client sees a cut-off file.
		s.opt.Logger.Debug("download of a trace stopped", "remote", r.RemoteAddr, "err", err)
	}
}

// lessonContext builds the lessons' view of a request: the session's
// trace, the step's layer and the head, query and key the page shows.
func (s *Server) lessonContext(r *http.Request, tr *trace.Trace, session string, layer int) (lessons.Context, error) {
	data := lessons.FromTrace(tr)
	// The lens hooks are computed when a lesson first reads one.
	hooks := data.Tensor
	data.Tensor = func(name string) ([]int, []float32, bool) {
		if strings.HasPrefix(name, "lens.") && !tr.Has(name) {
			if full, err := s.lensTrace(r); err == nil {
				data.Labels = full.Labels
				hooks = lessons.FromTrace(full).Tensor
			}
		}
		return hooks(name)
	}
	ctx := lessons.NewContext(data)
	if layer >= 0 {
		ctx.Layer = layer
	}
	var err error
	if ctx.Head, err = intParam(r, "head", 0); err != nil {
		return ctx, err
	}
	if ctx.Query, err = intParam(r, "q", -1); err != nil {
		return ctx, err
	}
	if ctx.Key, err = intParam(r, "k", -1); err != nil {
		return ctx, err
	}
	if ctx.Head < 0 || ctx.Head >= tr.Model.NHead {
		return ctx, fmt.Errorf("head %d is out of range", ctx.Head)
	}
	ctx.Plot = func(p lessons.PlotRequest) (string, error) {
		q := url.Values{"session": {session}, "kind": {p.Kind}, "layer": {strconv.Itoa(p.Layer)},
			"head": {strconv.Itoa(p.Head)}, "pos": {strconv.Itoa(p.Pos)}, "format": {"png"}, "inline": {"1"}}
		return "/download/plot?" + q.Encode(), nil
	}
	return ctx, nil
}

// serveLesson renders the lesson panel for a step:
// /lesson?session=…&step=L0.scores&head=0&lang=en.
func (s *Server) serveLesson(w http.ResponseWriter, r *http.Request) {
	stepID, lang := r.FormValue("step"), r.FormValue("lang")
	if lang != "zh" {
		lang = "en"
	}
	tr, session, trErr := s.currentTrace(r)
	depth := s.nLayer
	if trErr == nil {
		depth = tr.Model.NLayer
	}
	step, ok := s.findStep(stepID, depth)
	if !ok {
		http.Error(w, fmt.Sprintf("no step %q", stepID), http.StatusNotFound)
		return
	}
	var articles []template.HTML
	if trErr == nil && s.opt.Lessons != nil {
		ctx, err := s.lessonContext(r, tr, session, step.Layer)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		list, err := s.opt.Lessons.ForStep(step.ID, lang)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		for _, l := range list {
			html, err := s.opt.Lessons.Render(l.ID, lang, ctx)
			var missing *lessons.MissingHookError
			if errors.As(err, &missing) {
				html, err = lessons.MissingNote(l, lang, missing.Hook), nil
			}
			if err != nil {
				html = template.HTML(`<p class="lesson-error">` + template.HTMLEscapeString(err.Error()) + `</p>`)
			}
			articles = append(articles, html)
		}
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	lessonPanel(step, articles, lang).Render(r.Context(), w)
}

// serveCheck checks an exercise answer: a form post of session, step,
// head, q, k, lesson, exercise, lang and answer; it replies with JSON
// {"ok": bool, "explanation": "…"}.
func (s *Server) serveCheck(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form: "+err.Error(), http.StatusBadRequest)
		return
	}
	tr, session, err := s.currentTrace(r)
	if err != nil || s.opt.Lessons == nil {
		http.Error(w, "no trace to check against: run a prompt first", http.StatusNotFound)
		return
	}
	step, _ := s.findStep(r.FormValue("step"), tr.Model.NLayer)
	ctx, err := s.lessonContext(r, tr, session, step.Layer)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	ok, why, err := s.opt.Lessons.Check(r.FormValue("lesson"), r.FormValue("exercise"), r.FormValue("lang"), r.FormValue("answer"), ctx)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"ok": ok, "explanation": why})
}

// formatParams writes a parameter count the way papers do: 124M, 1.5B.
func formatParams(n int64) string {
	switch {
	case n >= 1e9:
		return strconv.FormatFloat(float64(n)/1e9, 'f', 1, 64) + "B"
	case n >= 1e6:
		return strconv.FormatFloat(float64(n)/1e6, 'f', 1, 64) + "M"
	case n >= 1e3:
		return strconv.FormatFloat(float64(n)/1e3, 'f', 0, 64) + "K"
	}
	return strconv.FormatInt(n, 10)
}

func serveLessonsCSS(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Write([]byte(lessons.CSS()))
}

// sourceArgs is the data-i18n-args of the line naming a trace file the
// page opens on.
func sourceArgs(d pageData) string {
	b, _ := json.Marshal(map[string]any{"name": d.Source, "layers": d.Layers, "heads": d.Heads}) // strings and ints marshal
	return string(b)
}
