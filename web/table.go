package web

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/transformer-explorer/explorer/trace"
	"github.com/transformer-explorer/explorer/trace/table"
)

// serveTable sends the numbers of one heatmap of the page, as
// `explorer export` writes them (trace/table):
// /download/table?session=S&hook=NAME&head=H&format=csv|npy|json&trace=a|b|diff.
// head is -1 (or absent) for a hook without heads; trace picks the run's
// trace (a, the default), the one compared with it (b), or their
// difference B − A (diff). With inline=1 the reply is not marked as a
// download, for the page to copy it.
func (s *Server) serveTable(w http.ResponseWriter, r *http.Request) {
	tab, status, err := s.table(r)
	if err != nil {
		http.Error(w, err.Error(), status)
		return
	}
	format := r.FormValue("format")
	if format == "" {
		format = "csv"
	}
	var buf bytes.Buffer
	if err := tab.Write(&buf, format); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", table.ContentType(format))
	if r.FormValue("inline") == "" {
		name := tab.Hook
		if tab.Head >= 0 {
			name += "-head" + strconv.Itoa(tab.Head)
		}
		if which := r.FormValue("trace"); which == otherTrace || which == "diff" {
			name += "-" + which
		}
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+"."+format+`"`)
	}
	w.Write(buf.Bytes())
}

// table returns the view a table request names, or an error and its
// HTTP status.
func (s *Server) table(r *http.Request) (table.Table, int, error) {
	hook := r.FormValue("hook")
	head, err := intParam(r, "head", -1)
	if err != nil {
		return table.Table{}, http.StatusBadRequest, err
	}
	a, _, err := s.currentTrace(r)
	if err == nil && strings.HasPrefix(hook, "lens.") {
		a, err = s.lensTrace(r)
	}
	if err != nil {
		return table.Table{}, http.StatusNotFound, err
	}
	which := r.FormValue("trace")
	if which == "" || which == "a" {
		return tableOf(a, hook, head)
	}
	if which != otherTrace && which != "diff" {
		return table.Table{}, http.StatusBadRequest, fmt.Errorf("trace=%q: want a, b or diff", which)
	}
	ss, _ := s.session(r.FormValue("session"))
	b, ok := ss.runs.otherOf(a)
	if !ok {
		return table.Table{}, http.StatusNotFound, errors.New("no trace is open to compare with")
	}
	tb, status, err := tableOf(b, hook, head)
	if err != nil || which == otherTrace {
		return tb, status, err
	}
	ta, status, err := tableOf(a, hook, head)
	if err != nil {
		return ta, status, err
	}
	d, err := table.Sub(tb, ta)
	if err != nil {
		return d, http.StatusConflict, err
	}
	return d, http.StatusOK, nil
}

// tableOf is table.Of with the HTTP status of its errors.
func tableOf(tr *trace.Trace, hook string, head int) (table.Table, int, error) {
	tab, err := table.Of(tr, hook, head)
	switch {
	case errors.Is(err, table.ErrHook):
		return tab, http.StatusNotFound, err
	case err != nil:
		return tab, http.StatusBadRequest, err
	}
	return tab, http.StatusOK, nil
}
