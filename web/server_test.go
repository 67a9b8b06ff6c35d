package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/transformer-explorer/explorer/engine"
	"github.com/transformer-explorer/explorer/engine/tokenizer"
	"github.com/transformer-explorer/explorer/lessons"
	"github.com/transformer-explorer/explorer/trace"
	"github.com/transformer-explorer/explorer/web/internal/wstest"
)

const tinyModel = "../testdata/conformance/tiny-gpt2"

var (
	loadOnce  sync.Once
	tinyM     *engine.Model
	tinyTok   *tokenizer.Tokenizer
	tinyLib   *lessons.Library
	errLoaded error
)

// loadTiny loads the conformance model and the lessons once per test run.
func loadTiny(t testing.TB) (*engine.Model, *tokenizer.Tokenizer, *lessons.Library) {
	t.Helper()
	loadOnce.Do(func() {
		tinyM, tinyTok, errLoaded = engine.LoadDir(context.Background(), tinyModel)
		if errLoaded == nil {
			tinyLib, errLoaded = lessons.Load()
		}
	})
	if errLoaded != nil {
		t.Fatal(errLoaded)
	}
	return tinyM, tinyTok, tinyLib
}

// newTestServer serves the tiny model on a loopback httptest server.
func newTestServer(t testing.TB, edit func(*Options)) (*Server, *httptest.Server) {
	t.Helper()
	m, tok, lib := loadTiny(t)
	opt := Options{Model: m, Tokenizer: tok, Lessons: lib}
	if edit != nil {
		edit(&opt)
	}
	srv, err := NewServer(opt)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(func() {
		srv.Close()
		ts.Close()
	})
	return srv, ts
}

// get makes a GET and returns the status, the header and the whole body.
func get(t *testing.T, url string) (int, http.Header, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("GET %s: reading the body: %v", url, err)
	}
	return res.StatusCode, res.Header, string(b)
}

func TestPageAndAssets(t *testing.T) {
	_, ts := newTestServer(t, nil)
	tests := []struct {
		path, contentType string
		contains          []string
	}{
		{"/", "text/html", []string{"Transformer Explorer", "tiny-gpt2", "2 layers", "4 heads", `data-step="L1.softmax"`, `id="model-map"`, `id="timeline"`}},
		{"/static/app.js", "javascript", []string{"new WebSocket"}},
		{"/static/heatmap.js", "javascript", []string{"export function drawHeatmap"}},
		{"/static/palette.js", "javascript", []string{"export function sequential", "export function diverging"}},
		{"/static/style.css", "text/css", []string{".model-map"}},
		{"/static/lessons.css", "text/css", []string{".lesson"}},
	}
	for _, tt := range tests {
		code, h, body := get(t, ts.URL+tt.path)
		if code != 200 || !strings.Contains(h.Get("Content-Type"), tt.contentType) {
			t.Errorf("%s: %d %s", tt.path, code, h.Get("Content-Type"))
		}
		for _, c := range tt.contains {
			if !strings.Contains(body, c) {
				t.Errorf("%s does not contain %q", tt.path, c)
			}
		}
	}
	// No third-party front end: every script and stylesheet is ours.
	_, _, page := get(t, ts.URL+"/")
	for _, bad := range []string{"http://", "https://", "cdn"} {
		if strings.Contains(page, `src="`+bad) || strings.Contains(page, `href="`+bad) {
			t.Errorf("the page loads something remote (%s)", bad)
		}
	}
	if code, _, _ := get(t, ts.URL+"/static/nothing.js"); code != 404 {
		t.Errorf("a missing asset gave %d", code)
	}
}

func TestPageWithoutModel(t *testing.T) {
	srv, err := NewServer(Options{ModelError: errors.New("engine: checkpoint.safetensors: file truncated")})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	code, _, body := get(t, ts.URL+"/")
	if code != 200 || !strings.Contains(body, "The model did not load") || !strings.Contains(body, "file truncated") {
		t.Fatalf("page without a model: %d\n%s", code, body)
	}
	c := dial(t, ts, nil)
	hello := c.readJSON(t)
	if hello["model_error"] == nil {
		t.Fatalf("hello without the model's error: %v", hello)
	}
	c.writeJSON(t, map[string]any{"type": "run", "seq": 1, "prompt": "hi"})
	if msg := c.readJSON(t); msg["code"] != codeNoModel {
		t.Fatalf("run without a model: %v", msg)
	}
}

func TestLessonPanelComponent(t *testing.T) {
	var buf bytes.Buffer
	step := stepInfo{ID: "L0.scores", Kind: "scores", Layer: 0, Formula: "<math></math>"}
	if err := lessonPanel(step, nil, "zh").Render(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	html := buf.String()
	for _, want := range []string{`data-step="L0.scores"`, `lang="zh"`, "第 0 层 · 注意力分数", "<math></math>", "运行一个提示词"} {
		if !strings.Contains(html, want) {
			t.Errorf("lesson panel lacks %q:\n%s", want, html)
		}
	}
}

// runPrompt runs a prompt over a websocket and returns the session id and
// the tensors streamed, by name.
func runPrompt(t *testing.T, ts *httptest.Server, prompt string) (string, map[string]frameHeader) {
	t.Helper()
	c := dial(t, ts, nil)
	hello := c.readJSON(t)
	c.writeJSON(t, map[string]any{"type": "run", "seq": 1, "prompt": prompt})
	got := map[string]frameHeader{}
	for {
		kind, data := c.read(t)
		if kind == websocket.BinaryMessage {
			h, _, ok := decodeTensor(data)
			if !ok {
				t.Fatal("undecodable tensor frame")
			}
			got[h.Name] = h
			continue
		}
		var msg map[string]any
		json.Unmarshal(data, &msg)
		if msg["type"] == "error" {
			t.Fatalf("error: %v", msg)
		}
		if msg["type"] == "done" {
			return hello["session"].(string), got
		}
	}
}

func TestDownloads(t *testing.T) {
	_, ts := newTestServer(t, nil)
	session, _ := runPrompt(t, ts, "The cat sat on the mat")
	tests := []struct {
		query string
		code  int
		magic string
	}{
		{"kind=attention&layer=1&head=2&format=png", 200, "\x89PNG"},
		{"kind=heads&layer=0&format=svg", 200, "<?xml"},
		{"kind=scores&layer=0&head=0&format=pdf", 200, "%PDF"},
		{"kind=logits&format=png", 200, "\x89PNG"},
		{"kind=lens&format=svg", 200, "<?xml"}, // the lens is computed on demand
		{"kind=attention&layer=7&format=png", 400, ""},
		{"kind=nonsense&format=png", 400, ""},
		{"kind=attention&layer=x", 400, ""},
	}
	for _, tt := range tests {
		code, _, body := get(t, ts.URL+"/download/plot?session="+session+"&"+tt.query)
		if code != tt.code || !strings.HasPrefix(body, tt.magic) {
			t.Errorf("%s: %d %.40q", tt.query, code, body)
		}
	}
	code, _, body := get(t, ts.URL+"/download/trace?session="+session)
	if code != 200 {
		t.Fatalf("trace download: %d %s", code, body)
	}
	tr, err := trace.Parse([]byte(body))
	if err != nil {
		t.Fatalf("downloaded trace: %v", err)
	}
	if len(tr.IDs) != 6 || tr.Model.Name != "tiny-gpt2" {
		t.Errorf("downloaded trace holds %d tokens of %q", len(tr.IDs), tr.Model.Name)
	}
	if !tr.Has(trace.LensTopIDs) || !tr.Has(trace.LensTopProbs) || !tr.Has(trace.Block(1, trace.AttnPattern)) {
		t.Errorf("downloaded trace lacks hooks: %v", tr.Names())
	}
	if code, _, _ := get(t, ts.URL+"/download/trace?session=nobody"); code != 404 {
		t.Errorf("another session's trace: %d", code)
	}
}

func TestLessonEndpoints(t *testing.T) {
	_, ts := newTestServer(t, nil)
	session, _ := runPrompt(t, ts, "The cat sat on the mat")
	for _, lang := range []string{"en", "zh"} {
		code, _, body := get(t, ts.URL+"/lesson?"+url.Values{"session": {session}, "step": {"L1.scores"}, "head": {"2"}, "lang": {lang}}.Encode())
		if code != 200 || !strings.Contains(body, `class="lesson-exercise"`) || !strings.Contains(body, "<math") {
			t.Errorf("lesson %s: %d\n%.300s", lang, code, body)
		}
	}
	// The logit lens lesson reads the lens, which the run left out.
	code, _, body := get(t, ts.URL+"/lesson?"+url.Values{"session": {session}, "step": {"ln_final"}, "lang": {"en"}}.Encode())
	if code != 200 || strings.Contains(body, "lesson-error") || !strings.Contains(body, "entering block 1") || !strings.Contains(body, "after the last block") {
		t.Errorf("lens lesson: %d\n%s", code, body)
	}
	if code, _, _ := get(t, ts.URL+"/lesson?step=L9.scores"); code != 404 {
		t.Errorf("unknown step: %d", code)
	}
	if code, _, _ := get(t, ts.URL+"/lesson?"+url.Values{"session": {session}, "step": {"L0.scores"}, "head": {"99"}}.Encode()); code != 400 {
		t.Errorf("head out of range: %d", code)
	}

	// An exercise: the sum of a softmax row is 1 whatever the prompt.
	lib := tinyLib
	l, err := lib.Get("self-attention", "en")
	if err != nil {
		t.Fatal(err)
	}
	check := func(answer string) map[string]any {
		form := url.Values{"session": {session}, "step": {"L1.softmax"}, "head": {"0"}, "lesson": {l.ID},
			"exercise": {l.Exercises[len(l.Exercises)-1]}, "lang": {"en"}, "answer": {answer}}
		res, err := http.PostForm(ts.URL+"/lesson/check", form)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var out map[string]any
		if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
			t.Fatalf("check %q: %v", answer, err)
		}
		return out
	}
	if r := check("1"); r["ok"] != true {
		t.Errorf("the right answer was refused: %v", r)
	}
	if r := check("0.5"); r["ok"] != false {
		t.Errorf("a wrong answer was accepted: %v", r)
	}
}

func TestOriginCheck(t *testing.T) {
	_, ts := newTestServer(t, nil)
	u := wstest.URL(ts, "/ws")
	h := http.Header{"Origin": {"http://evil.example"}}
	if _, res, err := websocket.DefaultDialer.Dial(u, h); err == nil || res == nil || res.StatusCode != http.StatusForbidden {
		t.Fatalf("a foreign origin was let in: %v", err)
	}
	h = http.Header{"Origin": {ts.URL}}
	c, _, err := websocket.DefaultDialer.Dial(u, h)
	if err != nil {
		t.Fatalf("the page's own origin was refused: %v", err)
	}
	c.Close()
}

// wsClient wraps a test websocket.
type wsClient struct{ *websocket.Conn }

func dial(t testing.TB, ts *httptest.Server, h http.Header) wsClient {
	t.Helper()
	return dialHeader(t, ts, "/ws", h)
}

func dialPath(t testing.TB, ts *httptest.Server, path string) wsClient {
	t.Helper()
	return dialHeader(t, ts, path, nil)
}

func dialHeader(t testing.TB, ts *httptest.Server, path string, h http.Header) wsClient {
	t.Helper()
	return wsClient{wstest.Dial(t, ts, path, h)}
}

func (c wsClient) read(t testing.TB) (int, []byte) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(20 * time.Second))
	kind, data, err := c.ReadMessage()
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	return kind, data
}

func (c wsClient) readJSON(t testing.TB) map[string]any {
	t.Helper()
	for {
		kind, data := c.read(t)
		if kind != websocket.TextMessage {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
}

func (c wsClient) writeJSON(t testing.TB, v any) {
	t.Helper()
	if err := c.WriteJSON(v); err != nil {
		t.Fatal(err)
	}
}

// TestModelPanel: the page's "which model is this" panel gives the loaded
// model's name and size from its config, what the lessons know of a
// model they know (lessons.About) in the page's language, and how to load
// real GPT-2.
func TestModelPanel(t *testing.T) {
	_, ts := newTestServer(t, nil)
	code, _, page := get(t, ts.URL+"/?lang=en")
	if code != 200 {
		t.Fatalf("GET /: %d", code)
	}
	i := strings.Index(page, `id="model-panel"`)
	if i < 0 {
		t.Fatal("the page has no model panel")
	}
	for _, s := range []string{"Which model is this?", "tiny-gpt2", "vocabulary 50257", "explorer models pull gpt2", "knows only this model"} {
		if !strings.Contains(page[i:], s) {
			t.Errorf("panel lacks %q", s)
		}
	}
	// A model the lessons know, in Chinese.
	d := pageData{Lang: "zh", ModelName: "explorer-stories", Layers: 4, Heads: 4, CanRun: true, Card: cardOf("explorer-stories", 4096)}
	if d.Card == nil {
		t.Fatal("cardOf(explorer-stories) = nil")
	}
	var buf bytes.Buffer
	if err := modelPanel(d).Render(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "{vocab}") {
		t.Error("the zh panel shows {vocab} unfilled")
	}
	zh := lessons.About("explorer-stories", "zh", 4096)
	for _, s := range []string{"这是哪个模型？", zh.Data, zh.Langs, zh.Can, zh.Cannot, "explorer models pull gpt2"} {
		if !strings.Contains(buf.String(), html.EscapeString(s)) {
			t.Errorf("zh panel lacks %q", s)
		}
	}
}
