package web

import (
	"bytes"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gorilla/websocket"

	"github.com/transformer-explorer/explorer/trace"
	"github.com/transformer-explorer/explorer/trace/npy"
	"github.com/transformer-explorer/explorer/trace/safetensors"
	"github.com/transformer-explorer/explorer/trace/table"
	"github.com/transformer-explorer/explorer/trace/tracetest"
)

var exact = trace.Tolerance{}

// postTrace sends a trace file to /trace/open and returns the status and
// body of the reply.
func postTrace(t *testing.T, ts *httptest.Server, session string, seq int, as string, file []byte) (int, string) {
	t.Helper()
	q := url.Values{"session": {session}, "seq": {strconv.Itoa(seq)}, "as": {as}, "name": {"cache.safetensors"}}
	res, err := http.Post(ts.URL+"/trace/open?"+q.Encode(), "application/octet-stream", bytes.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// shown is what the page receives for a trace it shows.
type shown struct {
	model  map[string]any
	tokens map[string]any
	frames map[string][]float32
	held   []string
	other  []string // held hooks of trace b
	cmp    map[string]any
}

// readShown reads the messages of run seq until its done.
func readShown(t *testing.T, c wsClient, seq int) shown {
	t.Helper()
	s := shown{frames: map[string][]float32{}}
	for {
		kind, data := c.read(t)
		if kind == websocket.BinaryMessage {
			h, values, ok := decodeTensor(data)
			if !ok || h.Seq != seq {
				t.Fatalf("bad frame %+v", h)
			}
			if h.Pool == 0 {
				s.frames[h.Name] = values
			}
			continue
		}
		var msg map[string]any
		json.Unmarshal(data, &msg)
		switch msg["type"] {
		case "model":
			s.model = msg
		case "tokens":
			s.tokens = msg
		case "held":
			s.held = append(s.held, msg["name"].(string))
		case "done":
			return s
		case "error":
			t.Fatalf("error: %v", msg)
		}
	}
}

// TestOpenTraceFile opens a TransformerLens-style cache (a batch
// dimension, F16, no metadata, written by numpy) in a page of a server
// whose model has another depth, and checks what the page receives, the
// numbers it can take out, what it may no longer do, and a comparison
// with a perturbed copy of the file.
func TestOpenTraceFile(t *testing.T) {
	dir := t.TempDir()
	path, want := tracetest.TLCache(t, dir, "--dtype", "F16")
	file, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	_, ts := newTestServer(t, nil)
	c := dial(t, ts, nil)
	hello := c.readJSON(t)
	session := hello["session"].(string)
	if can := hello["can"].(map[string]any); can["run"] != true || can["generate"] != true {
		t.Errorf("hello can = %v", can)
	}
	code, body := postTrace(t, ts, session, 4, "a", file)
	if code != 200 || !strings.Contains(body, `"hooks":`) || !strings.Contains(body, `"inferred":true`) {
		t.Fatalf("open: %d %s", code, body)
	}
	got := readShown(t, c, 4)
	model := got.model["model"].(map[string]any)
	steps := got.model["steps"].([]any)
	if got.model["source"] != "cache.safetensors" || model["n_layer"] != 2.0 || model["n_head"] != 3.0 || len(steps) != 3+2*11+4 {
		t.Errorf("model message: source %v, model %v, %d steps", got.model["source"], model, len(steps))
	}
	if can := got.model["can"].(map[string]any); can["run"] != true || can["generate"] != false {
		t.Errorf("a file's abilities: %v", can)
	}
	if toks := got.tokens["tokens"].([]any); len(toks) != 5 || toks[0] != "[0]" {
		t.Errorf("tokens %v", toks)
	}
	pattern := trace.Block(1, trace.AttnPattern)
	if values, ok := got.frames[pattern]; ok {
		tracetest.Check(t, "streamed pattern", values, want.Row(pattern, 0), exact)
	} else if !slices.Contains(got.held, pattern) {
		t.Errorf("%s was neither streamed nor held", pattern)
	}
	for name := range want {
		_, sent := got.frames[name]
		if !sent && !slices.Contains(got.held, name) {
			t.Errorf("%s was not announced", name)
		}
	}
	if !slices.Contains(got.held, trace.NextTopProbs) && got.frames[trace.NextTopProbs] == nil {
		t.Error("the next-token probabilities were not derived from the logits")
	}

	// The numbers of head 2 of layer 1's pattern, as the page takes them.
	tableURL := func(format, which string) string {
		return ts.URL + "/download/table?" + url.Values{"session": {session}, "hook": {pattern}, "head": {"2"}, "format": {format}, "trace": {which}}.Encode()
	}
	code, hdr, csvBody := get(t, tableURL("csv", "a"))
	if code != 200 || !strings.Contains(hdr.Get("Content-Disposition"), "blocks.1.attn.hook_pattern-head2.csv") {
		t.Fatalf("csv: %d %v %s", code, hdr, csvBody)
	}
	tab, err := table.ReadCSV(strings.NewReader(csvBody))
	if err != nil {
		t.Fatal(err)
	}
	tracetest.Check(t, "CSV", tab.Data, want.Head(pattern, 0, 2), exact)
	if !slices.Equal(tab.Shape, []int{5, 5}) || tab.Axes[0].Name != "query" || tab.Axes[1].Labels[4] != "4" {
		t.Errorf("CSV %v axes %+v", tab.Shape, tab.Axes)
	}
	code, _, npyBody := get(t, tableURL("npy", "a"))
	arr, err := npy.Read([]byte(npyBody))
	if code != 200 || err != nil {
		t.Fatalf("npy: %d %v", code, err)
	}
	tracetest.Check(t, "npy", arr.Data, want.Head(pattern, 0, 2), exact)

	// A file has no weights: no generating, no logit lens.
	c.writeJSON(t, map[string]any{"type": "generate", "seq": 5})
	if msg := c.readJSON(t); msg["code"] != codeNoModel || !strings.Contains(msg["message"].(string), "no model weights") {
		t.Errorf("generate from a file: %v", msg)
	}
	if code, _, body := get(t, ts.URL+"/download/plot?"+url.Values{"session": {session}, "kind": {"lens"}}.Encode()); code == 200 || !strings.Contains(body, "no model weights") {
		t.Errorf("lens of a file: %d %s", code, body)
	}
	if code, _, body := get(t, ts.URL+"/download/trace?session="+session); code != 200 {
		t.Errorf("download the file's trace: %d %s", code, body)
	} else if back, err := trace.Parse([]byte(body)); err != nil || !back.Has(pattern) {
		t.Errorf("the downloaded trace: %v", err)
	}
	// Lessons of the file's steps, including one the model lacks (the
	// test model has 2 layers too; L1 exists in both).
	if code, _, body := get(t, ts.URL+"/lesson?"+url.Values{"session": {session}, "step": {"L1.softmax"}, "head": {"2"}}.Encode()); code != 200 || !strings.Contains(body, "<article") {
		t.Errorf("lesson of a file: %d %.300s", code, body)
	}
	if code, _, body := get(t, ts.URL+"/lesson?"+url.Values{"session": {session}, "step": {"ln_final"}}.Encode()); code != 200 || !strings.Contains(body, "lesson-missing") || !strings.Contains(body, "lens.top_ids") {
		t.Errorf("a lesson that needs the lens: %d %.600s", code, body)
	}

	// Compare with a copy in which one value of the pattern is perturbed.
	perturbed := perturb(t, file, pattern, 2*25+3*5+1, 0.125)
	code, body = postTrace(t, ts, session, 4, otherTrace, perturbed)
	if code != 200 {
		t.Fatalf("compare: %d %s", code, body)
	}
	var cmp comparedMessage
	var others []string
	// B's hooks: the file's and the next-token hooks derived from its
	// logits (no loss: the file has no token ids).
	for len(others) < len(want)+2 {
		_, data := c.read(t)
		var msg map[string]any
		json.Unmarshal(data, &msg)
		switch msg["type"] {
		case "compared":
			json.Unmarshal(data, &cmp)
		case "held":
			if msg["trace"] != otherTrace {
				t.Fatalf("held without trace b: %v", msg)
			}
			others = append(others, msg["name"].(string))
		default:
			t.Fatalf("while comparing: %v", msg)
		}
	}
	if cmp.Failed != 1 || cmp.Source != "cache.safetensors" {
		t.Errorf("compared: %+v", cmp)
	}
	for _, h := range cmp.Hooks {
		switch {
		case h.Hook == pattern:
			if h.OK || !slices.Equal(h.At, []int{2, 3, 1}) || !(h.Max >= 0.124 && h.Max <= 0.126) {
				t.Errorf("the perturbed hook: %+v", h)
			}
		case !h.OK || h.At != nil:
			t.Errorf("%s differs: %+v", h.Hook, h)
		}
	}
	c.writeJSON(t, map[string]any{"type": "tensor", "seq": 4, "name": pattern, "trace": "b"})
	_, data := c.read(t)
	h, values, ok := decodeTensor(data)
	if !ok || h.Trace != otherTrace || h.Name != pattern {
		t.Fatalf("B's frame: %+v %.200s", h, data)
	}
	if values[2*25+3*5+1]-float32(want.Row(pattern, 0)[2*25+3*5+1]) < 0.12 {
		t.Errorf("B's frame is not the perturbed pattern")
	}
	code, _, diffBody := get(t, tableURL("csv", "diff"))
	d, err := table.ReadCSV(strings.NewReader(diffBody))
	if code != 200 || err != nil {
		t.Fatalf("diff table: %d %v %s", code, err, diffBody)
	}
	wantDiff := make([]float64, 25)
	wantDiff[3*5+1] = float64(values[2*25+3*5+1] - float32(want.Row(pattern, 0)[2*25+3*5+1]))
	tracetest.Check(t, "B − A", d.Data, wantDiff, exact)

	// Running a prompt brings back the server's model.
	c.writeJSON(t, map[string]any{"type": "run", "seq": 6, "prompt": "The cat"})
	back := readShown(t, c, 6)
	if back.model == nil || back.model["source"] != "" || back.model["can"].(map[string]any)["generate"] != true {
		t.Errorf("after a file, a run's model message: %v", back.model)
	}
	if code, _, _ := get(t, tableURL("csv", "b")); code != 404 {
		t.Errorf("the comparison outlived the trace it was of: %d", code)
	}
}

// perturb returns a copy of a safetensors file in which value i of the
// named F16 tensor has delta added (delta a power of two that F16 holds
// exactly at the value's scale).
func perturb(t *testing.T, file []byte, name string, i int, delta float32) []byte {
	t.Helper()
	f, err := safetensors.Parse(file)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := safetensors.Write(&buf, tracetest.Perturbed(t, f, name, i, delta), f.Metadata); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestOpenTraceErrors checks that bad files and requests are refused with
// a reason, and leave the session as it was.
func TestOpenTraceErrors(t *testing.T) {
	_, ts := newTestServer(t, func(o *Options) { o.MaxTraceBytes = 4 << 10 })
	c := dial(t, ts, nil)
	session := c.readJSON(t)["session"].(string)
	var nan bytes.Buffer
	safetensors.Write(&nan, []safetensors.Tensor{{Name: trace.Logits, DType: safetensors.F32, Shape: []int{2, 2},
		Data: safetensors.EncodeFloat32([]float32{0, 1, float32(math.NaN()), 2})}}, nil)
	var small bytes.Buffer
	safetensors.Write(&small, []safetensors.Tensor{{Name: trace.Embed, DType: safetensors.F32, Shape: []int{2, 2},
		Data: safetensors.EncodeFloat32([]float32{0, 1, 2, 3})}}, nil)
	for _, tc := range []struct {
		name string
		q    url.Values
		body []byte
		code int
		text string
	}{
		{"too big", nil, make([]byte, 5<<10), http.StatusRequestEntityTooLarge, "larger than"},
		{"not safetensors", nil, []byte("hello, world"), http.StatusUnprocessableEntity, "safetensors"},
		{"NaN", nil, nan.Bytes(), http.StatusUnprocessableEntity, "logits[1 0] is NaN"},
		{"compare before a trace", url.Values{"as": {"b"}}, small.Bytes(), http.StatusConflict, "before opening one to compare"},
		{"bad as", url.Values{"as": {"c"}}, nil, http.StatusBadRequest, "as="},
		{"no session", url.Values{"session": {"nope"}}, nil, http.StatusNotFound, "session"},
	} {
		q := url.Values{"session": {session}, "seq": {"1"}, "name": {"x.safetensors"}}
		for k, v := range tc.q {
			q[k] = v
		}
		res, err := http.Post(ts.URL+"/trace/open?"+q.Encode(), "application/octet-stream", bytes.NewReader(tc.body))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != tc.code || !strings.Contains(string(b), tc.text) {
			t.Errorf("%s: %d %s, want %d saying %q", tc.name, res.StatusCode, b, tc.code, tc.text)
		}
	}
	if code, _, _ := get(t, ts.URL+"/download/table?session="+session+"&hook=logits"); code != 404 {
		t.Errorf("a refused file became the session's trace: %d", code)
	}
}

// traceOnlyServer serves, with no model, a trace the reference writes
// with the arguments args (explorer serve --trace FILE), named
// cache.safetensors; it returns the reference's values too.
func traceOnlyServer(t *testing.T, args ...string) (*httptest.Server, tracetest.Cache) {
	t.Helper()
	path, want := tracetest.TLCache(t, t.TempDir(), args...)
	tr, _, err := trace.Open(path, trace.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_, ts := newTestServer(t, func(o *Options) {
		o.Model, o.Tokenizer, o.Trace, o.TraceName = nil, nil, tr, "cache.safetensors"
	})
	return ts, want
}

// TestTraceOnlyServer serves a trace with no model, as explorer serve
// --trace FILE does: the page opens on it and cannot run prompts.
func TestTraceOnlyServer(t *testing.T) {
	ts, want := traceOnlyServer(t, "--tokens")
	code, _, page := get(t, ts.URL+"/")
	_, prompt, _ := strings.Cut(page, `<textarea id="prompt"`)
	prompt, _, _ = strings.Cut(prompt, ">")
	if code != 200 || !strings.Contains(page, "cache.safetensors · 2 layers · 3 heads") || !strings.Contains(page, `id="run-why"`) ||
		!strings.Contains(prompt, "disabled") {
		t.Errorf("the page of a trace: %d\n%s", code, page)
	}
	c := dial(t, ts, nil)
	hello := c.readJSON(t)
	if hello["trace"] != "cache.safetensors" || hello["can"].(map[string]any)["run"] != false || hello["model_error"] != nil {
		t.Errorf("hello %v", hello)
	}
	c.writeJSON(t, map[string]any{"type": "run", "seq": 1, "prompt": "hi"})
	if msg := c.readJSON(t); msg["code"] != codeNoModel || !strings.Contains(msg["message"].(string), "--model") {
		t.Errorf("run without a model: %v", msg)
	}
	c.writeJSON(t, map[string]any{"type": "trace", "seq": 2})
	got := readShown(t, c, 2)
	if toks := got.tokens["tokens"].([]any); len(toks) != 5 || toks[1] != " cat" {
		t.Errorf("tokens %v", toks)
	}
	emb, ok := got.frames[trace.Embed]
	if !ok {
		t.Fatal("hook_embed was not streamed")
	}
	tracetest.Check(t, "embed", emb, want.Row(trace.Embed, 0), exact)
	session := hello["session"].(string)
	if code, _, body := get(t, ts.URL+"/lesson?"+url.Values{"session": {session}, "step": {"L0.scores"}, "head": {"1"}}.Encode()); code != 200 || !strings.Contains(body, "<article") {
		t.Errorf("lesson: %d %.400s", code, body)
	}
}

// TestOpenedTracesCountInMemory checks that a trace file a page opens is
// held against the server's memory budget, as a run's trace is, and that
// the server's own trace, which every page shares, is not; a file the
// budget cannot hold is refused.
func TestOpenedTracesCountInMemory(t *testing.T) {
	path, _ := tracetest.TLCache(t, t.TempDir())
	file, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	shared, _, err := trace.Open(path, trace.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	const queue = 1 << 20
	srv, ts := newTestServer(t, func(o *Options) { o.QueueBytes = queue; o.Trace, o.TraceName = shared, "shared.safetensors" })
	c := dial(t, ts, nil)
	session := c.readJSON(t)["session"].(string)
	c.writeJSON(t, map[string]any{"type": "trace", "seq": 1})
	readShown(t, c, 1)
	if used := srv.mem.inUse(); used != queue {
		t.Errorf("showing the server's trace holds %d bytes beyond the queue", used-queue)
	}
	if code, body := postTrace(t, ts, session, 2, "a", file); code != 200 {
		t.Fatalf("open: %d %s", code, body)
	}
	readShown(t, c, 2)
	ss, _ := srv.session(session)
	tr, _ := ss.runs.current()
	if used := srv.mem.inUse(); used != queue+tr.Bytes() || tr.Bytes() == 0 {
		t.Errorf("an opened trace of %d bytes: the budget holds %d beyond the queue", tr.Bytes(), used-queue)
	}
	if code, body := postTrace(t, ts, session, 2, "b", file); code != 200 {
		t.Fatalf("compare: %d %s", code, body)
	}
	other, _ := ss.runs.otherOf(tr)
	if used := srv.mem.inUse(); used != queue+tr.Bytes()+other.Bytes() {
		t.Errorf("A and B: the budget holds %d beyond the queue, want %d", used-queue, tr.Bytes()+other.Bytes())
	}

	_, small := newTestServer(t, func(o *Options) { o.QueueBytes = queue; o.MemoryBytes = queue + int64(len(file)) })
	c2 := dial(t, small, nil)
	code, body := postTrace(t, small, c2.readJSON(t)["session"].(string), 1, "a", file)
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "memory") {
		t.Errorf("a file the budget cannot hold: %d %s", code, body)
	}
}

// TestOpenTraceOfTheServersShape opens a trace without the explorer's
// metadata whose tensors have the server's model's shape: the page is
// told the model's context length and ε, which no tensor shows, and the
// tokens are named by the server's tokenizer.
func TestOpenTraceOfTheServersShape(t *testing.T) {
	srv, ts := newTestServer(t, nil)
	session, _ := runPrompt(t, ts, "The cat sat on the mat")
	code, _, body := get(t, ts.URL+"/download/trace?session="+session)
	if code != 200 {
		t.Fatalf("download: %d", code)
	}
	f, err := safetensors.Parse([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	var foreign bytes.Buffer
	if err := safetensors.Write(&foreign, tracetest.Batched(f), nil); err != nil {
		t.Fatal(err)
	}
	c := dial(t, ts, nil)
	s2 := c.readJSON(t)["session"].(string)
	if code, body := postTrace(t, ts, s2, 3, "a", foreign.Bytes()); code != 200 {
		t.Fatalf("open: %d %s", code, body)
	}
	got := readShown(t, c, 3)
	info := srv.opt.Model.Info()
	model := got.model["model"].(map[string]any)
	if model["name"] != "cache.safetensors" || model["n_positions"] != float64(info.NCtx) || model["layer_norm_epsilon"] != info.Epsilon {
		t.Errorf("model %v, want the server's %+v named after the file", model, info)
	}
	if toks := got.tokens["tokens"].([]any); len(toks) != 6 || toks[1] != "␣cat" {
		t.Errorf("tokens %v", toks)
	}
}
