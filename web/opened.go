package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"path"
	"slices"
	"time"

	"github.com/transformer-explorer/explorer/engine"
	"github.com/transformer-explorer/explorer/engine/tokenizer"
	"github.com/transformer-explorer/explorer/trace"
)

// Traces opened from files. A page may show a trace file, the explorer's
// own or a TransformerLens cache (see trace.Open), without a model: the
// server streams its hooks to the page as it streams a run, so that every
// step whose hooks the file holds shows as it does for a prompt. A second
// file may be opened beside it to compare the two, hook by hook.

// otherTrace marks the trace compared with the run's in messages and
// frames.
const otherTrace = "b"

// errNoWeights says why a trace opened from a file cannot give the logit
// lens or generate.
var errNoWeights = errors.New("this trace was opened from a file, which holds no model weights: the logit lens and generating need them")

// defaultMaxTraceBytes bounds a trace file a page opens when
// Options.MaxTraceBytes is zero.
const defaultMaxTraceBytes = 256 << 20

// openResult is the reply to POST /trace/open: how the file was read.
type openResult struct {
	Name     string   `json:"name"`
	Hooks    int      `json:"hooks"`
	Tokens   int      `json:"tokens"`
	Batch    int      `json:"batch"`
	Inferred bool     `json:"inferred"`
	TokensBy string   `json:"tokens_from"`
	Ignored  []string `json:"ignored"`
}

// serveOpenTrace reads a trace file the page sends as the request body,
// POST /trace/open?session=S&seq=N&as=a|b&batch=I&name=FILE. As "a" (the
// default), the trace becomes the session's current one and is streamed
// as run seq; as "b", it is compared with the current one, and the page
// fetches its hooks with tensor messages marked "trace": "b". The file,
// and the trace it decodes to, may take at most Options.MaxTraceBytes.
func (s *Server) serveOpenTrace(w http.ResponseWriter, r *http.Request) {
	ss, ok := s.session(r.FormValue("session"))
	if !ok {
		http.Error(w, errNoSession.Error(), http.StatusNotFound)
		return
	}
	seq, err := intParam(r, "seq", 0)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	batch, err := intParam(r, "batch", 0)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	as := r.FormValue("as")
	if as != "" && as != "a" && as != otherTrace {
		http.Error(w, fmt.Sprintf("as=%q: want a or b", as), http.StatusBadRequest)
		return
	}
	name := path.Base(r.FormValue("name"))
	if name == "." || name == "/" {
		name = "trace.safetensors"
	}
	limit := s.maxTraceBytes()
	tooBig := func() {
		http.Error(w, fmt.Sprintf("%s is larger than the %d MB this explorer opens (start it with a larger --max-trace-mb)", name, limit>>20), http.StatusRequestEntityTooLarge)
	}
	switch {
	case r.ContentLength < 0:
		http.Error(w, "send the file with its length (Content-Length)", http.StatusLengthRequired)
		return
	case r.ContentLength > limit:
		tooBig()
		return
	}
	// The file, and the trace it decodes to: F16 and BF16 values take
	// twice their bytes as float32.
	need := 3 * r.ContentLength
	if err := s.mem.reserve(ss, need); err != nil {
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return
	}
	settled := false
	settle := func() {
		if !settled {
			settled = true
			s.mem.settle(ss, need, ss.runs.kept())
		}
	}
	defer settle()
	r.Body = http.MaxBytesReader(w, io.NopCloser(newPacedReader(w, r, r.ContentLength, s.opt.ReadWait)), r.ContentLength)
	buf, err := io.ReadAll(r.Body)
	var over *http.MaxBytesError
	switch {
	case errors.As(err, &over):
		tooBig()
		return
	case err != nil:
		http.Error(w, "reading the file: "+err.Error(), http.StatusBadRequest)
		return
	}
	tr, rep, err := trace.Decode(buf, trace.ReadOptions{BatchIndex: batch, MaxBytes: 2 * r.ContentLength})
	if err == nil {
		err = s.completeTrace(tr, rep.Inferred, name)
	}
	if err != nil {
		http.Error(w, name+": "+err.Error(), http.StatusUnprocessableEntity)
		return
	}
	if as == otherTrace {
		if err := ss.compareWith(seq, tr, name); err != nil {
			http.Error(w, err.Error(), http.StatusConflict)
			return
		}
	} else {
		settled = true // the showing settles, once the trace is the session's
		ss.show(context.Background(), seq, tr, name, need)
	}
	res := openResult{Name: name, Hooks: len(tr.Names()), Tokens: len(tr.IDs), Batch: rep.Batch, Inferred: rep.Inferred,
		TokensBy: rep.Tokens, Ignored: rep.Ignored}
	if res.Ignored == nil {
		res.Ignored = []string{}
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(res)
}

// maxTraceBytes returns the bound of an opened trace file.
func (s *Server) maxTraceBytes() int64 {
	if s.opt.MaxTraceBytes > 0 {
		return s.opt.MaxTraceBytes
	}
	return defaultMaxTraceBytes
}

// completeTrace names a trace read from a file: its model after the
// file, described as the server's when the shape inferred from the
// tensors fits it (which gives the context length and ε no tensor shows); its tokens with the server's tokenizer when the file
// gives only ids of a vocabulary that tokenizer's size; and its next-token
// hooks derived from the logits when it has only those.
func (s *Server) completeTrace(tr *trace.Trace, inferred bool, name string) error {
	if m := s.opt.Model; m != nil && inferred && tr.Model.Fits(m.Info()) {
		tr.Model = m.Info()
		tr.Model.Name = name // of the same shape, but not known to be that model
	}
	if tr.Model.Name == "" {
		tr.Model.Name = name
	}
	if err := engine.RecordNext(tr); err != nil {
		return err
	}
	if tok := s.opt.Tokenizer; tok != nil && tr.Model.VocabSize == tok.VocabSize() {
		labelTokens(tr, tok)
	}
	return nil
}

// labelTokens names positions shown by number, and the ids of the
// derived hooks, with tok.
func labelTokens(tr *trace.Trace, tok *tokenizer.Tokenizer) {
	known := !slices.Contains(tr.IDs, trace.UnknownID)
	for i, id := range tr.IDs {
		if known && tr.Tokens[i] == trace.PositionToken(i) && id < tok.VocabSize() {
			tr.Tokens[i], tr.TokenStrings[i] = tok.Display(id), tok.Token(id)
		}
	}
	engine.LabelTrace(tr, tok)
}

// show makes tr, opened from the named file, the session's current trace
// and streams it to the page as run seq, after cancelling any running
// work: first the model and steps of the file, then its hooks as a run
// streams them. need is what the caller reserved from the server's
// memory for it, which show settles when it is done.
func (ss *session) show(ctx context.Context, seq int, tr *trace.Trace, name string, need int64) {
	plan := streaming{asked: func(string) bool { return true }, limit: ss.srv.opt.EagerLimit, thumbs: true}
	ss.work.begin(ctx, func(ctx context.Context) {
		settled := false
		settle := func() {
			if !settled {
				settled = true
				ss.srv.mem.settle(ss, need, ss.runs.kept())
			}
		}
		defer settle()
		ss.runs.setShowingFile(true)
		msg := modelMessage{Type: "model", Seq: seq, Model: tr.Model, Steps: ss.srv.stepsFor(tr.Model.NLayer), Source: name,
			Can: abilities{Run: ss.srv.opt.Model != nil}}
		if err := ss.sendJSON(ctx, msg); err != nil {
			return
		}
		ss.publish(ctx, seq, plan, tr, name, settle)
	})
}

// publish streams tr, a complete trace opened from the named file, as
// run seq and makes it the session's current trace, calling kept once it
// is, before the page is told the run is done. tr is shared, not copied:
// nothing writes to a trace opened from a file (the lens and generating,
// which would, are refused).
func (ss *session) publish(ctx context.Context, seq int, plan streaming, tr *trace.Trace, name string, kept func()) {
	started := time.Now()
	ss.runs.markFile(tr, name, tr == ss.srv.opt.Trace)
	live, err := ss.announce(ctx, seq, plan, tr, started)
	if err != nil {
		return
	}
	defer live.fail()
	for _, hook := range tr.Names() {
		if ctx.Err() != nil {
			return
		}
		if hook == trace.LensTopIDs || hook == trace.LensTopProbs {
			continue // runs leave the lens out too
		}
		if err := live.stream.Record(trace.Tensor{Name: hook}); err != nil {
			return
		}
	}
	live.complete(nil) // a file shares nothing with a run
	kept()
	live.done(ctx)
}

// showModel sends the server's model and steps again before a run, when
// the page was last showing a file's.
func (ss *session) showModel(ctx context.Context, seq int) error {
	if !ss.runs.setShowingFile(false) {
		return nil
	}
	m := ss.srv.opt.Model
	return ss.sendJSON(ctx, modelMessage{Type: "model", Seq: seq, Model: m.Info(), Steps: ss.srv.steps,
		Can: abilities{Run: true, Generate: true}})
}

// setShowingFile records whether the page shows a file's model and
// returns what it showed before.
func (r *runs) setShowingFile(file bool) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	was := r.showingFile
	r.showingFile = file
	return was
}

// otherOf returns the trace compared with tr, if tr is the current run.
func (r *runs) otherOf(tr *trace.Trace) (*trace.Trace, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.other == nil || r.tr != tr {
		return nil, false
	}
	return r.other, true
}

// compareWith compares other, opened from the named file, with the
// session's current run seq and tells the page: the comparison, then each
// of other's hooks as held (marked "trace": "b"), for the page to fetch.
func (ss *session) compareWith(seq int, other *trace.Trace, name string) error {
	r := &ss.runs
	r.mu.Lock()
	cur, curSeq := r.tr, r.seq
	if cur == nil || curSeq != seq {
		r.mu.Unlock()
		return fmt.Errorf("open a trace or run a prompt before opening one to compare with it")
	}
	d := trace.CompareTraces(cur, other, nil, trace.DiffTolerance())
	r.other, r.compared = other, &d
	r.mu.Unlock()
	ctx := context.Background()
	if err := ss.sendJSON(ctx, newComparedMessage(seq, name, d)); err != nil {
		return err
	}
	for _, hook := range other.Names() {
		t, _ := other.Tensor(hook)
		if err := ss.sendJSON(ctx, heldMessage{Type: "held", Seq: seq, Name: hook, Shape: t.Shape, Trace: otherTrace}); err != nil {
			return err
		}
	}
	return nil
}

// uncompare closes the session's comparison.
func (ss *session) uncompare() {
	ss.runs.mu.Lock()
	defer ss.runs.mu.Unlock()
	ss.runs.other, ss.runs.compared = nil, nil
}

func newComparedMessage(seq int, name string, d trace.TraceDiff) comparedMessage {
	msg := comparedMessage{Type: "compared", Seq: seq, Source: name, Tol: trace.DiffTolerance().String(),
		OnlyA: nonNil(d.OnlyRef), OnlyB: nonNil(d.OnlyGot), Notes: nonNil(d.Notes), Failed: d.Failed}
	for _, h := range d.Hooks {
		c := hookCompare{Hook: h.Hook, Shape: h.Shape, OK: h.OK(), Problem: h.Problem}
		if h.Problem == "" {
			c.Max = h.Worst
		}
		if h.At >= 0 {
			c.At, c.A, c.B = trace.Index(h.Shape, h.At), finite(h.Want), finite(h.Got)
		}
		msg.Hooks = append(msg.Hooks, c)
	}
	if msg.Hooks == nil {
		msg.Hooks = []hookCompare{}
	}
	return msg
}

// finite maps the values JSON cannot carry to 0; the problem says what
// they were.
func finite(x float64) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return 0
	}
	return x
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// stepsFor returns the steps of an nLayer model: the server's own, or
// those of a trace file of another depth.
func (s *Server) stepsFor(nLayer int) []stepInfo {
	if s.steps != nil && nLayer == s.nLayer {
		return s.steps
	}
	return stepInfos(nLayer, s.formulas)
}
