package web

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"math"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/transformer-explorer/explorer/engine"
	"github.com/transformer-explorer/explorer/trace"
	"github.com/transformer-explorer/explorer/trace/tracetest"
)

// TestRunStreamsTheTrace checks that a run streams every hook of the
// forward pass with the engine's own numbers, tensors before "done", and
// holds back the logits until asked.
func TestRunStreamsTheTrace(t *testing.T) {
	srv, ts := newTestServer(t, nil)
	m, tok, _ := loadTiny(t)
	prompt := "The cat sat on the mat. The cat"
	ids, _ := tok.Encode(prompt)
	want, err := engine.NewTrace(m, tok, prompt, ids)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Forward(context.Background(), ids, want); err != nil {
		t.Fatal(err)
	}

	c := dial(t, ts, nil)
	hello := c.readJSON(t)
	c.writeJSON(t, map[string]any{"type": "run", "seq": 7, "prompt": prompt})
	got := map[string][]float32{}
	var held []string
	for done := false; !done; {
		kind, data := c.read(t)
		if kind == websocket.BinaryMessage {
			h, values, ok := decodeTensor(data)
			if !ok || h.Seq != 7 {
				t.Fatalf("bad frame %+v", h)
			}
			got[h.Name] = values
			continue
		}
		var msg map[string]any
		json.Unmarshal(data, &msg)
		switch msg["type"] {
		case "tokens":
			if len(msg["ids"].([]any)) != len(ids) {
				t.Fatalf("tokens message: %v", msg)
			}
		case "held":
			held = append(held, msg["name"].(string))
		case "done":
			done = true
		case "error":
			t.Fatalf("error: %v", msg)
		}
	}
	if !slices.Equal(held, []string{trace.Logits}) {
		t.Errorf("held back %v, want only the logits", held)
	}
	// The logit lens is left out of the run and added to a copy of the
	// session's trace when something asks for it.
	ss, _ := srv.session(hello["session"].(string))
	ran, _ := ss.runs.current()
	tr, err := ss.withLens(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if ran.Has(trace.LensTopIDs) || tr == ran {
		t.Error("the lens was added to the trace of the run, not to a copy")
	}
	if again, _ := ss.withLens(context.Background()); again != tr {
		t.Error("a second withLens computed the lens again")
	}
	for _, name := range []string{trace.LensTopIDs, trace.LensTopProbs} {
		if _, ok := got[name]; ok {
			t.Errorf("%s was streamed", name)
		}
		g, ok := tr.Tensor(name)
		w, _ := want.Tensor(name)
		if !ok || len(g.Data) != len(w.Data) {
			t.Fatalf("the session's trace has %s: %v", name, ok)
		}
		for i := range w.Data {
			if math.Abs(float64(g.Data[i]-w.Data[i])) > 1e-6 {
				t.Fatalf("%s[%d] = %v, want %v", name, i, g.Data[i], w.Data[i])
			}
		}
	}
	for _, name := range want.Names() {
		if name == trace.Logits || name == trace.LensTopIDs || name == trace.LensTopProbs {
			continue
		}
		w, _ := want.Tensor(name)
		g, ok := got[name]
		if !ok {
			t.Errorf("%s was not streamed", name)
			continue
		}
		if !sameFloats(g, w.Data) {
			t.Errorf("%s differs from the engine's", name)
		}
	}

	// The held logits come when asked for.
	c.writeJSON(t, map[string]any{"type": "tensor", "seq": 7, "name": trace.Logits})
	kind, data := c.read(t)
	h, values, ok := decodeTensor(data)
	w, _ := want.Tensor(trace.Logits)
	if kind != websocket.BinaryMessage || !ok || h.Name != trace.Logits || !sameFloats(values, w.Data) {
		t.Fatalf("requested logits: %+v", h)
	}
	// A stale seq is refused.
	c.writeJSON(t, map[string]any{"type": "tensor", "seq": 6, "name": trace.Logits})
	if msg := c.readJSON(t); msg["code"] != codeNoTrace {
		t.Fatalf("stale request: %v", msg)
	}
}

func sameFloats(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] && !(math.IsNaN(float64(a[i])) && math.IsNaN(float64(b[i]))) {
			return false
		}
	}
	return true
}

// TestLargeTensorsAreHeld checks the on-demand path with a small limit.
func TestLargeTensorsAreHeld(t *testing.T) {
	_, ts := newTestServer(t, func(o *Options) { o.EagerLimit = 100 })
	c := dial(t, ts, nil)
	c.readJSON(t)
	c.writeJSON(t, map[string]any{"type": "run", "seq": 1, "prompt": "one two three four five six seven"})
	heldPattern := false
	for {
		kind, data := c.read(t)
		if kind == websocket.BinaryMessage {
			if h, values, _ := decodeTensor(data); len(values) > 100 {
				t.Fatalf("%s (%d values) was sent eagerly", h.Name, len(values))
			}
			continue
		}
		var msg map[string]any
		json.Unmarshal(data, &msg)
		if msg["type"] == "held" && msg["name"] == "blocks.1.attn.hook_pattern" {
			heldPattern = true
		}
		if msg["type"] == "done" {
			break
		}
	}
	if !heldPattern {
		t.Fatal("the pattern was not announced as held")
	}
	c.writeJSON(t, map[string]any{"type": "tensor", "seq": 1, "name": "blocks.1.attn.hook_pattern"})
	_, data := c.read(t)
	if h, values, ok := decodeTensor(data); !ok || len(values) != 4*7*7 || !slices.Equal(h.Shape, []int{4, 7, 7}) {
		t.Fatalf("requested pattern: %+v, %d values", h, len(values))
	}
}

// TestEagerListPicksTheStreamedHooks runs a prompt, then generates a
// token, with an eager list: only the hooks it names are streamed, every
// other one is announced as held and comes when asked for.
func TestEagerListPicksTheStreamedHooks(t *testing.T) {
	_, ts := newTestServer(t, nil)
	c := dial(t, ts, nil)
	c.readJSON(t)
	eager := []string{"blocks.*.attn.hook_pattern", "next.**", "blocks.0.ln1.hook_normalized"}
	sel, err := trace.Select(2, eager...)
	if err != nil {
		t.Fatal(err)
	}
	for seq, msg := range []map[string]any{
		{"type": "run", "seq": 1, "prompt": "one two three four five", "eager": eager},
		{"type": "generate", "seq": 2, "temperature": 0, "eager": eager},
	} {
		c.writeJSON(t, msg)
		var streamed, held []string
		for done := false; !done; {
			kind, data := c.read(t)
			if kind == websocket.BinaryMessage {
				h, _, _ := decodeTensor(data)
				streamed = append(streamed, h.Name)
				continue
			}
			var m map[string]any
			json.Unmarshal(data, &m)
			switch m["type"] {
			case "held":
				held = append(held, m["name"].(string))
			case "done":
				done = true
			case "error":
				t.Fatalf("seq %d: %v", seq+1, m)
			}
		}
		for _, name := range streamed {
			if !sel.Match(name) {
				t.Errorf("seq %d: %s was streamed but not asked for", seq+1, name)
			}
		}
		if len(streamed) != 2+3+1 { // two patterns, three next.* hooks, one LayerNorm
			t.Errorf("seq %d: streamed %v", seq+1, streamed)
		}
		if !slices.Contains(held, "blocks.1.hook_resid_post") || !slices.Contains(held, trace.Logits) || slices.Contains(held, "blocks.0.attn.hook_pattern") {
			t.Errorf("seq %d: held %v", seq+1, held)
		}
		c.writeJSON(t, map[string]any{"type": "tensor", "seq": seq + 1, "name": "blocks.1.hook_resid_post"})
		if kind, data := c.read(t); kind != websocket.BinaryMessage {
			t.Fatalf("seq %d: asked for a held tensor, got %s", seq+1, data)
		} else if h, _, ok := decodeTensor(data); !ok || h.Name != "blocks.1.hook_resid_post" {
			t.Fatalf("seq %d: asked for a held tensor, got %+v", seq+1, h)
		}
	}
}

// TestBadMessages sends what a broken or hostile page might; each gets an
// error message and the session keeps working.
func TestBadMessages(t *testing.T) {
	_, ts := newTestServer(t, nil)
	c := dial(t, ts, nil)
	c.readJSON(t)
	tests := []struct {
		name string
		send func()
		code string
		text string
	}{
		{"malformed JSON", func() { c.WriteMessage(websocket.TextMessage, []byte(`{"type": "run",`)) }, codeBadMessage, "malformed"},
		{"binary", func() { c.WriteMessage(websocket.BinaryMessage, []byte{1, 2, 3}) }, codeBadMessage, "JSON"},
		{"unknown type", func() { c.writeJSON(t, map[string]any{"type": "explode"}) }, codeBadMessage, "explode"},
		{"reserved type", func() { c.writeJSON(t, map[string]any{"type": "follow"}) }, codeBadMessage, "reserved"},
		{"no prompt", func() { c.writeJSON(t, map[string]any{"type": "run", "seq": 1}) }, codeBadMessage, "prompt"},
		{"empty prompt", func() { c.writeJSON(t, map[string]any{"type": "run", "seq": 1, "prompt": ""}) }, codeBadPrompt, "empty"},
		{"too long", func() {
			c.writeJSON(t, map[string]any{"type": "run", "seq": 1, "prompt": strings.Repeat("word ", 80)})
		}, codeTooLong, "at most 64"},
		{"bad id", func() { c.writeJSON(t, map[string]any{"type": "run", "seq": 1, "ids": []int{1, 60000}}) }, codeBadPrompt, "60000"},
		{"wrong field type", func() { c.WriteMessage(websocket.TextMessage, []byte(`{"type":"run","seq":"x"}`)) }, codeBadMessage, "malformed"},
		{"generate before run", func() { c.writeJSON(t, map[string]any{"type": "generate", "seq": 2}) }, codeNoTrace, "run a prompt"},
		{"bad temperature", func() { c.writeJSON(t, map[string]any{"type": "generate", "seq": 2, "temperature": -1}) }, codeBadMessage, "temperature"},
		{"bad top_p", func() { c.writeJSON(t, map[string]any{"type": "generate", "seq": 2, "top_p": 2}) }, codeBadMessage, "top_p"},
		{"bad eager pattern", func() {
			c.writeJSON(t, map[string]any{"type": "run", "seq": 1, "prompt": "hi", "eager": []string{"blocks.*.attn.hook_patern"}})
		}, codeBadMessage, "eager"},
		{"eager layer out of range", func() {
			c.writeJSON(t, map[string]any{"type": "run", "seq": 1, "prompt": "hi", "eager": []string{"blocks.9.hook_resid_pre"}})
		}, codeBadMessage, "eager"},
		{"unknown tensor", func() { c.writeJSON(t, map[string]any{"type": "tensor", "seq": 0, "name": "nope"}) }, codeNoTrace, ""},
	}
	for _, tt := range tests {
		tt.send()
		msg := c.readJSON(t)
		if msg["type"] != "error" || msg["code"] != tt.code || !strings.Contains(msg["message"].(string), tt.text) {
			t.Errorf("%s: got %v, want code %s mentioning %q", tt.name, msg, tt.code, tt.text)
		}
	}
	// Still alive: a good run completes.
	c.writeJSON(t, map[string]any{"type": "run", "seq": 3, "prompt": "still here"})
	for {
		if msg := c.readJSON(t); msg["type"] == "done" {
			break
		} else if msg["type"] == "error" {
			t.Fatalf("after bad messages: %v", msg)
		}
	}
}

// TestOversizedMessage checks the read limit closes the connection with
// the right code instead of reading on.
func TestOversizedMessage(t *testing.T) {
	_, ts := newTestServer(t, nil)
	c := dial(t, ts, nil)
	c.readJSON(t)
	big := `{"type":"run","seq":1,"prompt":"` + strings.Repeat("a", maxMessageBytes) + `"}`
	c.WriteMessage(websocket.TextMessage, []byte(big))
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		_, _, err := c.ReadMessage()
		if err == nil {
			continue
		}
		var ce *websocket.CloseError
		if !errors.As(err, &ce) || ce.Code != websocket.CloseMessageTooBig || !strings.Contains(ce.Text, "65536 bytes") {
			t.Fatalf("got %v, want close 1009 (message too big) saying the limit", err)
		}
		return
	}
}

// TestGenerateGreedy picks tokens at temperature 0 and checks each is the
// engine's argmax and that the attention grows by one row per token.
func TestGenerateGreedy(t *testing.T) {
	_, ts := newTestServer(t, nil)
	m, tok, _ := loadTiny(t)
	ids, _ := tok.Encode("Once upon a time")
	c := dial(t, ts, nil)
	c.readJSON(t)
	c.writeJSON(t, map[string]any{"type": "run", "seq": 1, "prompt": "Once upon a time"})
	waitDone(t, c, 1)
	for seq := 2; seq <= 4; seq++ {
		logits, err := m.Forward(context.Background(), ids, nil)
		if err != nil {
			t.Fatal(err)
		}
		argmax := 0
		for i, v := range logits {
			if v > logits[argmax] {
				argmax = i
			}
		}
		c.writeJSON(t, map[string]any{"type": "generate", "seq": seq, "temperature": 0})
		sampled := c.readJSON(t)
		if sampled["type"] != "sampled" {
			t.Fatalf("got %v", sampled)
		}
		picked := int(sampled["picked"].(map[string]any)["id"].(float64))
		if picked != argmax {
			t.Fatalf("greedy pick %d, engine argmax %d", picked, argmax)
		}
		if after := sampled["after"].([]any); len(after) != 1 || after[0].(map[string]any)["p"].(float64) != 1 {
			t.Errorf("greedy distribution after the knobs: %v", after)
		}
		ids = append(ids, picked)
		pattern := waitDone(t, c, seq)
		if want := []int{4, len(ids), len(ids)}; !slices.Equal(pattern, want) {
			t.Fatalf("pattern shape %v, want %v", pattern, want)
		}
	}
}

// TestGenerateWaitsForTheRunInFlight sends a generate right after a new
// run, before that run ends: the token must continue the new prompt, not
// the run before it.
func TestGenerateWaitsForTheRunInFlight(t *testing.T) {
	_, ts := newTestServer(t, nil)
	_, tok, _ := loadTiny(t)
	c := dial(t, ts, nil)
	c.readJSON(t)
	c.writeJSON(t, map[string]any{"type": "run", "seq": 1, "prompt": "Once upon a time"})
	waitDone(t, c, 1)
	second := strings.Repeat("The cat sat on the mat. ", 8)
	c.writeJSON(t, map[string]any{"type": "run", "seq": 2, "prompt": second})
	c.writeJSON(t, map[string]any{"type": "generate", "seq": 3, "temperature": 0})
	want, _ := tok.Encode(second)
	for {
		msg := c.readJSON(t)
		if msg["type"] == "error" {
			t.Fatalf("error: %v", msg)
		}
		if msg["type"] == "tokens" && msg["seq"].(float64) == 3 {
			var ids []int
			for _, id := range msg["ids"].([]any) {
				ids = append(ids, int(id.(float64)))
			}
			if len(ids) != len(want)+1 || !slices.Equal(ids[:len(want)], want) {
				t.Fatalf("generate continued %v, want the second prompt %v and one token", ids, want)
			}
			return
		}
	}
}

// TestSessionsSampleDifferently checks that two tabs generating without a
// seed do not draw the same tokens, and that a seed repeats a draw.
func TestSessionsSampleDifferently(t *testing.T) {
	_, ts := newTestServer(t, nil)
	draws := func(seed *uint64) []uint64 {
		c := dial(t, ts, nil)
		c.readJSON(t)
		c.writeJSON(t, map[string]any{"type": "run", "seq": 1, "prompt": "Once upon a time"})
		waitDone(t, c, 1)
		var seeds []uint64
		for seq := 2; seq <= 3; seq++ {
			msg := map[string]any{"type": "generate", "seq": seq, "temperature": 1.5}
			if seed != nil {
				msg["seed"] = *seed
			}
			c.writeJSON(t, msg)
			for {
				m := c.readJSON(t)
				if m["type"] == "sampled" {
					// JSON numbers lose bits above 2⁵³; the comparison does not need them.
					seeds = append(seeds, uint64(m["seed"].(float64)))
					break
				}
			}
			waitDone(t, c, seq)
		}
		return seeds
	}
	a, b := draws(nil), draws(nil)
	if slices.Equal(a, b) || a[0] == a[1] {
		t.Errorf("seeds without a seed set: %v and %v, want all different", a, b)
	}
	seven := uint64(7)
	if s := draws(&seven); s[0] != 7 || s[1] != 7 {
		t.Errorf("seeds with seed 7: %v", s)
	}
}

// waitDone reads a run to its end and returns the shape of layer 0's
// attention pattern.
func waitDone(t *testing.T, c wsClient, seq int) []int {
	t.Helper()
	var shape []int
	for {
		kind, data := c.read(t)
		if kind == websocket.BinaryMessage {
			if h, _, _ := decodeTensor(data); h.Name == "blocks.0.attn.hook_pattern" && h.Seq == seq {
				shape = h.Shape
			}
			continue
		}
		var msg map[string]any
		json.Unmarshal(data, &msg)
		if msg["type"] == "error" {
			t.Fatalf("error: %v", msg)
		}
		if msg["type"] == "done" && int(msg["seq"].(float64)) == seq {
			return shape
		}
	}
}

// TestClosingTheTabEndsTheSession checks that a closed websocket cancels
// its work and forgets its trace.
func TestClosingTheTabEndsTheSession(t *testing.T) {
	srv, ts := newTestServer(t, nil)
	c := dial(t, ts, nil)
	c.readJSON(t)
	c.writeJSON(t, map[string]any{"type": "run", "seq": 1, "prompt": strings.Repeat("tick ", 60)})
	c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		srv.mu.Lock()
		n := len(srv.sessions)
		srv.mu.Unlock()
		if n == 0 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("the session outlived its websocket")
}

// TestNewWorkCancelsOld checks the session's work hand-over: starting new
// work cancels the running one before it begins.
func TestNewWorkCancelsOld(t *testing.T) {
	var w work
	firstCancelled := make(chan struct{})
	started := make(chan struct{})
	w.begin(context.Background(), func(ctx context.Context) {
		close(started)
		<-ctx.Done()
		close(firstCancelled)
	})
	<-started
	ran := make(chan struct{})
	w.begin(context.Background(), func(ctx context.Context) {
		select {
		case <-firstCancelled:
		default:
			t.Error("the new work started before the old one ended")
		}
		close(ran)
	})
	select {
	case <-ran:
	case <-time.After(5 * time.Second):
		t.Fatal("the new work never ran")
	}
	w.stop()
}

func TestEncodeTensorRoundTrip(t *testing.T) {
	for _, name := range []string{"a", "blocks.11.attn.hook_pattern", "ln_final.hook_normalized"} {
		data := []float32{1, -2.5, float32(math.Inf(-1)), 0}
		frame := encodeTensor(3, name, []int{2, 2}, data)
		if (len(frame)-len(data)*4)%4 != 0 {
			t.Errorf("%s: data not 4-byte aligned", name)
		}
		h, got, ok := decodeTensor(frame)
		if !ok || h.Name != name || h.Seq != 3 || !slices.Equal(h.Shape, []int{2, 2}) || !sameFloats(got, data) {
			t.Errorf("%s: round trip gave %+v %v", name, h, got)
		}
	}
}

func TestPoolPattern(t *testing.T) {
	head := []float32{
		1, 0, 0,
		0.5, 0.5, 0,
		0.2, 0.3, 0.5,
	}
	tests := []struct {
		b         int
		wantShape []int
		want      []float32
	}{
		{1, []int{2, 3, 3}, append(slices.Clone(head), head...)},
		{2, []int{2, 2, 2}, []float32{1, 0, 0.3, 0.5, 1, 0, 0.3, 0.5}},
		{3, []int{2, 1, 1}, []float32{1, 1}},
		{4, []int{2, 1, 1}, []float32{1, 1}},
	}
	for _, tt := range tests {
		got, shape := poolPattern(append(slices.Clone(head), head...), 2, 3, 3, tt.b)
		if !slices.Equal(shape, tt.wantShape) || !slices.Equal(got, tt.want) {
			t.Errorf("b=%d: %v %v, want %v %v", tt.b, shape, got, tt.wantShape, tt.want)
		}
	}
	// A pass of one generated token: 1 query row over 4 keys.
	got, shape := poolPattern([]float32{0.1, 0.2, 0.3, 0.4}, 1, 1, 4, 2)
	if !slices.Equal(shape, []int{1, 1, 2}) || !slices.Equal(got, []float32{0.2, 0.4}) {
		t.Errorf("one row: %v %v", shape, got)
	}
}

// TestModelMapThumbnails runs with the patterns held (a small eager
// limit) and the map asked for: each layer's pattern comes as a pooled
// frame before it is announced as held.
func TestModelMapThumbnails(t *testing.T) {
	_, ts := newTestServer(t, func(o *Options) { o.EagerLimit = 100 })
	c := dial(t, ts, nil)
	c.readJSON(t)
	c.writeJSON(t, map[string]any{"type": "run", "seq": 1, "prompt": "one two three four five six seven", "map": true,
		"eager": []string{"blocks.*.attn.hook_pattern"}})
	thumbs := map[string]bool{}
	for {
		kind, data := c.read(t)
		if kind == websocket.BinaryMessage {
			h, values, ok := decodeTensor(data)
			if !ok || h.Pool != 1 || !slices.Equal(h.Shape, []int{4, 7, 7}) || len(values) != 4*7*7 {
				t.Fatalf("frame %+v with %d values, want a thumbnail", h, len(values))
			}
			thumbs[h.Name] = true
			continue
		}
		var msg map[string]any
		json.Unmarshal(data, &msg)
		if msg["type"] == "held" {
			if name := msg["name"].(string); strings.HasSuffix(name, "hook_pattern") && !thumbs[name] {
				t.Errorf("%s held without a thumbnail first", name)
			}
		}
		if msg["type"] == "done" {
			break
		}
	}
	if len(thumbs) != 2 {
		t.Errorf("thumbnails of %v, want both layers", thumbs)
	}
}

// TestFetchHeldDuringRun asks for each held hook as soon as it is
// announced, while the run may still be going: every request is answered
// with the tensor, none with an error.
func TestFetchHeldDuringRun(t *testing.T) {
	_, ts := newTestServer(t, func(o *Options) { o.EagerLimit = 50 })
	c := dial(t, ts, nil)
	c.readJSON(t)
	c.writeJSON(t, map[string]any{"type": "run", "seq": 4, "prompt": "one two three four five six seven eight"})
	pending, asked, done := map[string]bool{}, 0, false
	for !done || len(pending) > 0 {
		kind, data := c.read(t)
		if kind == websocket.BinaryMessage {
			if h, _, ok := decodeTensor(data); ok && h.Seq == 4 {
				delete(pending, h.Name)
			}
			continue
		}
		var msg map[string]any
		json.Unmarshal(data, &msg)
		switch msg["type"] {
		case "held":
			if name := msg["name"].(string); name != trace.Logits {
				c.writeJSON(t, map[string]any{"type": "tensor", "seq": 4, "name": name})
				pending[name] = true
				asked++
			}
		case "done":
			done = true
		case "error":
			t.Fatalf("error: %v", msg)
		}
	}
	if asked == 0 {
		t.Fatal("nothing was held")
	}
}

// TestGenerateMatchesAWholeRun generates tokens through the key/value
// cache and checks every hook of the session's trace against an
// independent forward pass of the whole sequence.
func TestGenerateMatchesAWholeRun(t *testing.T) {
	srv, ts := newTestServer(t, nil)
	m, tok, _ := loadTiny(t)
	c := dial(t, ts, nil)
	hello := c.readJSON(t)
	c.writeJSON(t, map[string]any{"type": "run", "seq": 1, "prompt": "Once upon a time there"})
	waitDone(t, c, 1)
	for seq := 2; seq <= 4; seq++ {
		c.writeJSON(t, map[string]any{"type": "generate", "seq": seq, "temperature": 0.8, "seed": seq})
		waitDone(t, c, seq)
	}
	ss, _ := srv.session(hello["session"].(string))
	got, _ := ss.runs.current()
	want, err := engine.NewTrace(m, tok, got.Text, got.IDs)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Forward(context.Background(), got.IDs, trace.Only(srv.passHooks, want)); err != nil {
		t.Fatal(err)
	}
	if n := len(got.Passes(trace.Logits)); n != 4 {
		t.Errorf("the trace holds %d passes of the logits, want the prompt's and three tokens'", n)
	}
	for _, name := range want.Names() {
		w, _ := want.Tensor(name)
		tracetest.CheckHook(t, got, name, w.Data, trace.Tolerance{Abs: 1e-4, Rel: true})
	}
}

// TestReadersDuringGenerate reads the session's trace from other requests
// (lessons, downloads, the lens, held tensors) while the page generates
// tokens and adds the lens: run with the race detector, it checks that no
// trace's fields are written while others read them.
func TestReadersDuringGenerate(t *testing.T) {
	_, ts := newTestServer(t, nil)
	c := dial(t, ts, nil)
	hello := c.readJSON(t)
	session := hello["session"].(string)
	c.writeJSON(t, map[string]any{"type": "run", "seq": 1, "prompt": "The cat sat on the mat"})
	waitDone(t, c, 1)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for _, path := range []string{
		"/lesson?step=L1.scores&head=1&lang=en&session=" + session,
		"/download/trace?session=" + session,
		"/download/plot?kind=lens&format=png&session=" + session,
		"/download/plot?kind=attention&layer=1&head=0&format=svg&session=" + session,
	} {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				res, err := http.Get(ts.URL + path)
				if err != nil {
					t.Error(err)
					return
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
			}
		})
	}
	for seq := 2; seq <= 8; seq++ {
		c.writeJSON(t, map[string]any{"type": "generate", "seq": seq, "temperature": 1, "map": true})
		waitDone(t, c, seq)
		c.writeJSON(t, map[string]any{"type": "tensor", "seq": seq, "name": "logits"})
	}
	close(stop)
	wg.Wait()
}
