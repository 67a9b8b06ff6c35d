package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/transformer-explorer/explorer/trace"
)

// streamedRun is what a page received of one run.
type streamedRun struct {
	tokens int             // the tokens message's count
	hooks  map[string]bool // every hook sent whole or announced held
	whole  map[string]bool // those sent whole
	err    map[string]any  // the error that ended it, if one did
	ms     float64         // the time done reported
}

// readRun reads run seq to its end: its tokens, the hooks sent whole or
// announced as held, and done (or the error that ended it).
func readRun(t *testing.T, c wsClient, seq int) streamedRun {
	t.Helper()
	r := streamedRun{hooks: map[string]bool{}, whole: map[string]bool{}}
	for {
		kind, data := c.read(t)
		if kind == websocket.BinaryMessage {
			if h, _, ok := decodeTensor(data); ok && h.Seq == seq && h.Pool == 0 {
				r.hooks[h.Name], r.whole[h.Name] = true, true
			}
			continue
		}
		var msg map[string]any
		json.Unmarshal(data, &msg)
		if s, _ := msg["seq"].(float64); int(s) != seq {
			continue
		}
		switch msg["type"] {
		case "tokens":
			r.tokens = len(msg["ids"].([]any))
		case "held":
			r.hooks[msg["name"].(string)] = true
		case "error":
			r.err = msg
			return r
		case "done":
			r.ms, _ = msg["ms"].(float64)
			return r
		}
	}
}

// sessionOf returns the session of a tab from its hello.
func sessionOf(t *testing.T, srv *Server, hello map[string]any) *session {
	t.Helper()
	ss, ok := srv.session(hello["session"].(string))
	if !ok {
		t.Fatal("no session for the tab")
	}
	return ss
}

// TestSharedRunIsComputedOnce runs one prompt from five tabs at once and
// from a sixth after: the server makes one pass, every tab receives every
// hook of it (streamed or held) and reads the same trace, which the
// server's memory counts once; another prompt is another pass; and when
// the tabs close, the memory and the runs are given back.
func TestSharedRunIsComputedOnce(t *testing.T) {
	const queue = 1 << 20 // room for every eager hook
	srv, ts := newTestServer(t, func(o *Options) { o.QueueBytes = queue })
	prompt := strings.Repeat("The cat sat on the mat. ", 8)
	tabs := make([]wsClient, 6)
	hellos := make([]map[string]any, len(tabs))
	for i := range tabs {
		tabs[i] = dial(t, ts, nil)
		hellos[i] = tabs[i].readJSON(t)
	}
	before := srv.shared.started()
	for _, c := range tabs[:5] {
		c.writeJSON(t, map[string]any{"type": "run", "seq": 1, "prompt": prompt, "eager": []string{"next.**", "blocks.0.**"}})
	}
	got := make([]streamedRun, len(tabs))
	var wg sync.WaitGroup
	for i, c := range tabs[:5] {
		wg.Go(func() { got[i] = readRun(t, c, 1) })
	}
	wg.Wait()
	tabs[5].writeJSON(t, map[string]any{"type": "run", "seq": 1, "prompt": prompt, "eager": []string{"next.**", "blocks.0.**"}})
	got[5] = readRun(t, tabs[5], 1)
	if n := srv.shared.started() - before; n != 1 {
		t.Errorf("six tabs running one prompt made %d passes, want 1", n)
	}
	shared, _ := sessionOf(t, srv, hellos[0]).runs.current()
	if shared == nil || !shared.Sealed() {
		t.Fatalf("the run's trace is %v, sealed %v; want a sealed trace", shared, shared != nil && shared.Sealed())
	}
	names := shared.Names()
	for i, r := range got {
		if r.err != nil {
			t.Fatalf("tab %d: %v", i, r.err)
		}
		if r.tokens != len(shared.IDs) || len(r.hooks) != len(names) {
			t.Errorf("tab %d got %d tokens and %d hooks, want %d and %d", i, r.tokens, len(r.hooks), len(shared.IDs), len(names))
		}
		for _, name := range names {
			if !r.hooks[name] {
				t.Errorf("tab %d never got %s", i, name)
			}
		}
		if !r.whole[trace.Block(0, trace.AttnPattern)] || r.whole[trace.Block(1, trace.AttnPattern)] {
			t.Errorf("tab %d: its eager hooks were not what was streamed whole", i)
		}
		if tr, _ := sessionOf(t, srv, hellos[i]).runs.current(); tr != shared {
			t.Errorf("tab %d reads a trace of its own", i)
		}
		// Every tab is told the one pass's time, the late one too (not
		// the moment it took to stream a finished run).
		if r.ms != got[0].ms {
			t.Errorf("tab %d was told the run took %v ms, tab 0 %v ms", i, r.ms, got[0].ms)
		}
	}
	t.Logf("the pass took %v ms", got[0].ms)
	if used, want := srv.mem.inUse(), int64(len(tabs))*queue+shared.Bytes(); used != want {
		t.Errorf("%d bytes in use, want %d: six queues and the trace once", used, want)
	}
	tabs[0].writeJSON(t, map[string]any{"type": "run", "seq": 2, "prompt": "Another prompt"})
	if r := readRun(t, tabs[0], 2); r.err != nil {
		t.Fatal(r.err)
	}
	if n := srv.shared.started() - before; n != 2 {
		t.Errorf("another prompt: %d passes in all, want 2", n)
	}
	for _, c := range tabs {
		c.Close()
	}
	waitSessions(t, srv, 0)
	srv.shared.mu.Lock()
	left := len(srv.shared.byKey)
	srv.shared.mu.Unlock()
	if used := srv.mem.inUse(); used != 0 || left != 0 {
		t.Errorf("after every tab closed: %d bytes in use and %d runs kept", used, left)
	}
}

// snapshot is a deep copy of what a trace holds.
type snapshot struct {
	text    string
	ids     []int
	names   []string
	tensors map[string][]float32
}

func takeSnapshot(tr *trace.Trace) snapshot {
	s := snapshot{text: tr.Text, ids: slices.Clone(tr.IDs), names: tr.Names(), tensors: map[string][]float32{}}
	for _, name := range s.names {
		t, _ := tr.Tensor(name)
		s.tensors[name] = slices.Clone(t.Data)
	}
	return s
}

// check fails unless tr holds exactly what s does, value for value.
func (s snapshot) check(t *testing.T, label string, tr *trace.Trace) {
	t.Helper()
	if tr.Text != s.text || !slices.Equal(tr.IDs, s.ids) || !slices.Equal(tr.Names(), s.names) {
		t.Errorf("%s: text %q, ids %v, %d hooks; want %q, %v, %d", label, tr.Text, tr.IDs, len(tr.Names()), s.text, s.ids, len(s.names))
		return
	}
	for _, name := range s.names {
		if d := trace.CompareHook(tr, name, s.tensors[name], trace.Tolerance{}); !d.OK() {
			t.Errorf("%s: %s changed: %v", label, name, d)
		}
	}
}

// download returns the body of a GET.
func download(t *testing.T, url string) []byte {
	t.Helper()
	code, _, body := get(t, url)
	if code != http.StatusOK {
		t.Fatalf("GET %s: %d %.200s", url, code, body)
	}
	return []byte(body)
}

// TestGenerateLeavesTheSharedRunAlone runs one prompt in two tabs; one
// generates tokens and reads the logit lens of its longer trace, while
// the other reads the lens and downloads of the prompt: the second tab's
// trace, and its downloads, are exactly as before, and the first tab's
// tokens are its own.
func TestGenerateLeavesTheSharedRunAlone(t *testing.T) {
	const queue = 64 << 10
	srv, ts := newTestServer(t, func(o *Options) { o.QueueBytes = queue })
	a, b := dial(t, ts, nil), dial(t, ts, nil)
	helloA, helloB := a.readJSON(t), b.readJSON(t)
	prompt := "Once upon a time there was a cat"
	for _, c := range []wsClient{a, b} {
		c.writeJSON(t, map[string]any{"type": "run", "seq": 1, "prompt": prompt})
		waitDone(t, c, 1)
	}
	ssA, ssB := sessionOf(t, srv, helloA), sessionOf(t, srv, helloB)
	shared, _ := ssB.runs.current()
	if trA, _ := ssA.runs.current(); trA != shared {
		t.Fatal("the two tabs do not share the run")
	}
	before := takeSnapshot(shared)
	fileB := download(t, fmt.Sprintf("%s/download/trace?session=%s", ts.URL, helloB["session"]))
	plotB := download(t, fmt.Sprintf("%s/download/plot?kind=lens&format=svg&session=%s", ts.URL, helloB["session"]))

	for seq := 2; seq <= 3; seq++ {
		a.writeJSON(t, map[string]any{"type": "generate", "seq": seq, "temperature": 0})
		waitDone(t, a, seq)
	}
	download(t, fmt.Sprintf("%s/download/plot?kind=lens&format=svg&session=%s", ts.URL, helloA["session"]))
	download(t, fmt.Sprintf("%s/download/trace?session=%s", ts.URL, helloA["session"]))

	trA, _ := ssA.runs.current()
	plainB, _ := ssB.runs.recorded()
	if plainB != shared {
		t.Fatal("the second tab no longer shows the shared run")
	}
	before.check(t, "the shared run after a generate", shared)
	if len(trA.IDs) != len(before.ids)+2 || !trA.Has(trace.LensTopIDs) {
		t.Errorf("the generating tab's trace has %d tokens (lens %v), want %d with the lens", len(trA.IDs), trA.Has(trace.LensTopIDs), len(before.ids)+2)
	}
	if !bytes.Equal(download(t, fmt.Sprintf("%s/download/trace?session=%s", ts.URL, helloB["session"])), fileB) {
		t.Error("the second tab's trace file changed")
	}
	if !bytes.Equal(download(t, fmt.Sprintf("%s/download/plot?kind=lens&format=svg&session=%s", ts.URL, helloB["session"])), plotB) {
		t.Error("the second tab's lens plot changed")
	}
	// The memory counts the shared run (with its lens) once, and the
	// generating tab's tensors beyond it.
	ssB.runs.mu.Lock()
	base := ssB.runs.base
	ssB.runs.mu.Unlock()
	_, lens := base.traces()
	if lens == nil || !lens.Sealed() {
		t.Fatal("the shared run has no sealed lens after its tabs read it")
	}
	own := trA.Bytes() - shared.Bytes()
	if used, want := srv.mem.inUse(), 2*queue+lens.Bytes()+own; used != want {
		t.Errorf("%d bytes in use, want %d (two queues, the shared run with its lens %d, the generated tokens %d)", used, want, lens.Bytes(), own)
	}
}

// usersOf returns how many sessions refer to the run of a prompt, or -1
// when there is none.
func usersOf(srv *Server, text string, ids []int) int {
	srv.shared.mu.Lock()
	defer srv.shared.mu.Unlock()
	sr := srv.shared.byKey[newRunKey(text, ids)]
	if sr == nil {
		return -1
	}
	return len(sr.users)
}

// waitUsers waits up to 10 s for n sessions to refer to a prompt's run.
func waitUsers(t *testing.T, srv *Server, text string, ids []int, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for usersOf(srv, text, ids) != n {
		if time.Now().After(deadline) {
			t.Fatalf("%d sessions refer to the run, want %d", usersOf(srv, text, ids), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestLeavingASharedRunKeepsItForOthers has two tabs wait for one pass
// (the only forward-pass slot is taken), then cancels it in the first:
// the second still gets the whole run, from the one pass. When the
// second leaves too, the pass waiting for its slot is cancelled.
func TestLeavingASharedRunKeepsItForOthers(t *testing.T) {
	srv, ts := newTestServer(t, func(o *Options) { o.MaxConcurrent = 1 })
	_, tok, _ := loadTiny(t)
	a, b := dial(t, ts, nil), dial(t, ts, nil)
	a.readJSON(t)
	b.readJSON(t)
	prompt := strings.Repeat("tick tock ", 10)
	ids, _ := tok.Encode(prompt)
	ctx := context.Background()
	if err := srv.acquire(ctx); err != nil { // the slot, until the tabs wait
		t.Fatal(err)
	}
	before := srv.shared.started()
	a.writeJSON(t, map[string]any{"type": "run", "seq": 1, "prompt": prompt})
	b.writeJSON(t, map[string]any{"type": "run", "seq": 1, "prompt": prompt})
	waitUsers(t, srv, prompt, ids, 2)
	a.writeJSON(t, map[string]any{"type": "cancel"})
	waitUsers(t, srv, prompt, ids, 1)
	srv.release()
	r := readRun(t, b, 1)
	if r.err != nil || len(r.hooks) == 0 {
		t.Fatalf("the tab that stayed: %v, %d hooks", r.err, len(r.hooks))
	}
	if n := srv.shared.started() - before; n != 1 {
		t.Errorf("%d passes, want 1", n)
	}

	// A pass whose tabs all left while it waited is cancelled.
	if err := srv.acquire(ctx); err != nil {
		t.Fatal(err)
	}
	other := "tock tick"
	otherIDs, _ := tok.Encode(other)
	b.writeJSON(t, map[string]any{"type": "run", "seq": 2, "prompt": other})
	waitUsers(t, srv, other, otherIDs, 1)
	b.writeJSON(t, map[string]any{"type": "cancel"})
	waitUsers(t, srv, other, otherIDs, -1)
	srv.release()
	srv.shared.wg.Wait() // the cancelled pass ends without its slot
	b.Close()
	waitSessions(t, srv, 1)
	a.Close()
	waitSessions(t, srv, 0)
	if used := srv.mem.inUse(); used != 0 {
		t.Errorf("%d bytes held after the tabs left", used)
	}
}

// TestEvictingASharedRun fills the memory with two runs, one shown by two
// idle tabs: a third run evicts the least recently used, and both tabs
// that showed it are told so; the other run's tab keeps its trace.
func TestEvictingASharedRun(t *testing.T) {
	const queue = 64 << 10
	_, tok, _ := loadTiny(t)
	prompts := []string{"The cat sat on the mat, number 1.", "The cat sat on the mat, number 2.", "The cat sat on the mat, number 3."}
	ids, _ := tok.Encode(prompts[0])
	T := len(ids)
	for _, p := range prompts {
		if ids, _ := tok.Encode(p); len(ids) != T {
			t.Fatalf("%q is %d tokens, want %d", p, len(ids), T)
		}
	}
	srv, ts := newTestServer(t, func(o *Options) { o.QueueBytes = queue })
	kept, run := srv.traceBytes(T, T), srv.runBytes(T, T)
	setCapacity(srv, 4*queue+kept+run+kept/2) // one trace and a run, not two and a run
	tabs := make([]wsClient, 4)
	for i := range tabs {
		tabs[i] = dial(t, ts, nil)
		tabs[i].readJSON(t)
	}
	// Tabs 0 and 1 show the first run, tab 2 the second; tab 3's run of
	// the third needs room.
	for i, p := range prompts {
		tab := []int{0, 2, 3}[i]
		tabs[tab].writeJSON(t, map[string]any{"type": "run", "seq": 1, "prompt": p})
		if r := readRun(t, tabs[tab], 1); r.err != nil {
			t.Fatalf("tab %d: %v", tab, r.err)
		}
		if i == 0 { // a second tab shows the first run
			tabs[1].writeJSON(t, map[string]any{"type": "run", "seq": 1, "prompt": p})
			if r := readRun(t, tabs[1], 1); r.err != nil {
				t.Fatalf("tab 1: %v", r.err)
			}
		}
		time.Sleep(5 * time.Millisecond) // distinct last uses
	}
	for i, c := range tabs[:3] {
		c.writeJSON(t, map[string]any{"type": "tensor", "seq": 1, "name": "logits"})
		kind, data := c.read(t)
		evicted := kind == websocket.TextMessage && strings.Contains(string(data), "needed the memory")
		if want := i < 2; evicted != want || !evicted && kind != websocket.BinaryMessage {
			t.Errorf("tab %d: evicted %v, want %v (%.120s)", i, evicted, want, data)
		}
	}
	if used := srv.mem.inUse(); used > 4*queue+kept+run+kept/2 {
		t.Errorf("%d bytes in use, over the budget", used)
	}
}
