package openai

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/transformer-explorer/explorer/engine"
	"github.com/transformer-explorer/explorer/engine/tokenizer"
	"github.com/transformer-explorer/explorer/trace/safetensors"
)

const tinyModel = "../../testdata/conformance/tiny-gpt2"

var (
	once    sync.Once
	tinyM   *engine.Model
	tinyTok *tokenizer.Tokenizer
	loadErr error
)

func newServer(t *testing.T) *httptest.Server {
	t.Helper()
	once.Do(func() { tinyM, tinyTok, loadErr = engine.LoadDir(context.Background(), tinyModel) })
	if loadErr != nil {
		t.Fatal(loadErr)
	}
	ts := httptest.NewServer(New(tinyM, tinyTok, Options{ModelName: "tiny-gpt2", MaxBodyBytes: 4096}))
	t.Cleanup(ts.Close)
	return ts
}

// greedyReference is the fixture's greedy continuation of "Once upon a
// time", computed by independent implementations.
func greedyReference(t *testing.T) string {
	t.Helper()
	f, err := safetensors.Open(filepath.Join(tinyModel, "expected.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	_, ids64, err := f.Int64s("p0.greedy_ids")
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]int, len(ids64))
	for i, id := range ids64 {
		ids[i] = int(id)
	}
	b, err := tinyTok.Decode(ids)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func post(t *testing.T, ts *httptest.Server, path, body string) (int, map[string]any) {
	t.Helper()
	res, err := http.Post(ts.URL+path, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		t.Fatalf("%s: response is not JSON: %v", path, err)
	}
	return res.StatusCode, out
}

func choices(out map[string]any) []map[string]any {
	var cs []map[string]any
	for _, c := range out["choices"].([]any) {
		cs = append(cs, c.(map[string]any))
	}
	return cs
}

func TestCompletionGreedyMatchesReference(t *testing.T) {
	ts := newServer(t)
	want := greedyReference(t)
	code, out := post(t, ts, "/v1/completions", `{"model":"tiny-gpt2","prompt":"Once upon a time","max_tokens":16,"temperature":0}`)
	if code != 200 {
		t.Fatalf("%d %v", code, out)
	}
	c := choices(out)
	if len(c) != 1 || c[0]["text"] != want || c[0]["finish_reason"] != "length" {
		t.Fatalf("got %v, want text %q finishing on length", c, want)
	}
	u := out["usage"].(map[string]any)
	if u["prompt_tokens"] != 4.0 || u["completion_tokens"] != 16.0 || u["total_tokens"] != 20.0 {
		t.Errorf("usage %v", u)
	}
	if out["object"] != "text_completion" || !strings.HasPrefix(out["id"].(string), "cmpl-") || out["model"] != "tiny-gpt2" {
		t.Errorf("envelope %v", out)
	}

	// Stop at a string inside the reference continuation.
	stop := want[5:8]
	code, out = post(t, ts, "/v1/completions", fmt.Sprintf(`{"model":"tiny-gpt2","prompt":"Once upon a time","max_tokens":16,"temperature":0,"stop":%q}`, stop))
	c = choices(out)
	if code != 200 || c[0]["text"] != want[:strings.Index(want, stop)] || c[0]["finish_reason"] != "stop" {
		t.Errorf("stop %q: %v", stop, c)
	}

	// Echo puts the prompt in front.
	_, out = post(t, ts, "/v1/completions", `{"model":"tiny-gpt2","prompt":"Once upon a time","max_tokens":16,"temperature":0,"echo":true}`)
	if c := choices(out); c[0]["text"] != "Once upon a time"+want {
		t.Errorf("echo: %v", c)
	}
}

func TestCompletionNAndSeed(t *testing.T) {
	ts := newServer(t)
	body := `{"model":"tiny-gpt2","prompt":["Once upon a time","Hello"],"max_tokens":5,"n":3,"seed":7,"temperature":1}`
	code, a := post(t, ts, "/v1/completions", body)
	if code != 200 {
		t.Fatalf("%d %v", code, a)
	}
	_, b := post(t, ts, "/v1/completions", body)
	ca, cb := choices(a), choices(b)
	if len(ca) != 6 {
		t.Fatalf("%d choices, want 2 prompts × 3", len(ca))
	}
	distinct := map[string]bool{}
	for i := range ca {
		if int(ca[i]["index"].(float64)) != i || ca[i]["text"] != cb[i]["text"] {
			t.Errorf("choice %d: %v vs %v (same seed must give the same text)", i, ca[i], cb[i])
		}
		distinct[ca[i]["text"].(string)] = true
	}
	if len(distinct) < 3 {
		t.Errorf("six samples at temperature 1 gave only %d distinct texts", len(distinct))
	}
	if u := a["usage"].(map[string]any); u["prompt_tokens"] != 5.0 || u["completion_tokens"] != 30.0 {
		t.Errorf("usage %v", u)
	}
}

func TestLogprobs(t *testing.T) {
	ts := newServer(t)
	code, out := post(t, ts, "/v1/completions", `{"model":"tiny-gpt2","prompt":"Once upon a time","max_tokens":4,"temperature":0,"logprobs":2,"echo":true}`)
	if code != 200 {
		t.Fatalf("%d %v", code, out)
	}
	lp := choices(out)[0]["logprobs"].(map[string]any)
	tokens := lp["tokens"].([]any)
	if len(tokens) != 4+4 {
		t.Fatalf("%d logprob tokens, want 4 prompt + 4 completion", len(tokens))
	}
	lps := lp["token_logprobs"].([]any)
	if lps[0] != nil {
		t.Errorf("the first prompt token has logprob %v, want null", lps[0])
	}
	text := ""
	for i, tk := range tokens {
		if off := int(lp["text_offset"].([]any)[i].(float64)); off != len(text) {
			t.Errorf("text_offset[%d] = %d, want %d", i, off, len(text))
		}
		text += tk.(string)
		if i == 0 {
			continue
		}
		l := lps[i].(float64)
		top := lp["top_logprobs"].([]any)[i].(map[string]any)
		if l > 0 || len(top) != 2 {
			t.Errorf("token %d: logprob %g, %d top entries", i, l, len(top))
		}
		if i >= 4 { // greedy: the chosen token is the most likely one
			best := -1e9
			for _, v := range top {
				best = max(best, v.(float64))
			}
			if l != best {
				t.Errorf("greedy token %d has logprob %g, best %g", i, l, best)
			}
		}
	}
	if text != choices(out)[0]["text"] {
		t.Errorf("logprob tokens spell %q, text is %q", text, choices(out)[0]["text"])
	}
}

// TestLogprobsOffsetsWithoutEcho checks that text offsets count from the
// start of the prompt even when the prompt is not echoed, as OpenAI's do.
func TestLogprobsOffsetsWithoutEcho(t *testing.T) {
	ts := newServer(t)
	const prompt = "Once upon a time"
	code, out := post(t, ts, "/v1/completions", `{"model":"tiny-gpt2","prompt":"`+prompt+`","max_tokens":3,"temperature":0,"logprobs":0}`)
	if code != 200 {
		t.Fatalf("%d %v", code, out)
	}
	lp := choices(out)[0]["logprobs"].(map[string]any)
	offsets, tokens := lp["text_offset"].([]any), lp["tokens"].([]any)
	at := len(prompt)
	for i, tk := range tokens {
		if off := int(offsets[i].(float64)); off != at {
			t.Errorf("text_offset[%d] = %d, want %d", i, off, at)
		}
		at += len(tk.(string))
		if top := lp["top_logprobs"].([]any)[i].(map[string]any); len(top) != 0 {
			t.Errorf("logprobs 0 gave %d top entries for token %d", len(top), i)
		}
	}
}

// TestStreamLogprobs checks that streamed chunks carry the logprobs of
// their tokens and together equal the non-streamed answer's.
func TestStreamLogprobs(t *testing.T) {
	ts := newServer(t)
	const body = `{"model":"tiny-gpt2","prompt":"Once upon a time","max_tokens":6,"temperature":0,"logprobs":2,"echo":true%s}`
	code, out := post(t, ts, "/v1/completions", fmt.Sprintf(body, ""))
	if code != 200 {
		t.Fatalf("%d %v", code, out)
	}
	want, _ := json.Marshal(choices(out)[0]["logprobs"])

	res, err := http.Post(ts.URL+"/v1/completions", "application/json", strings.NewReader(fmt.Sprintf(body, `,"stream":true`)))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	joined := map[string][]any{}
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		data, ok := strings.CutPrefix(sc.Text(), "data: ")
		if !ok || data == "[DONE]" {
			continue
		}
		var chunk map[string]any
		if err := json.Unmarshal([]byte(data), &chunk); err != nil {
			t.Fatal(err)
		}
		lp, ok := choices(chunk)[0]["logprobs"].(map[string]any)
		if !ok {
			continue
		}
		for _, k := range []string{"tokens", "token_logprobs", "top_logprobs", "text_offset"} {
			joined[k] = append(joined[k], lp[k].([]any)...)
		}
	}
	got, _ := json.Marshal(joined)
	if string(got) != string(want) {
		t.Errorf("streamed logprobs\n%s\nwant\n%s", got, want)
	}
}

// TestClientGone checks that a request whose client has left produces no
// answer: generation stops with the request's context.
func TestClientGone(t *testing.T) {
	newServer(t) // loads the tiny model
	h := New(tinyM, tinyTok, Options{ModelName: "tiny-gpt2", MaxConcurrent: 1})
	for _, stream := range []bool{false, true} {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		body := fmt.Sprintf(`{"model":"tiny-gpt2","prompt":"Once upon a time","max_tokens":40,"stream":%v}`, stream)
		req := httptest.NewRequestWithContext(ctx, http.MethodPost, "/v1/completions", strings.NewReader(body))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if strings.Contains(rec.Body.String(), `"text"`) || strings.Contains(rec.Body.String(), "[DONE]") {
			t.Errorf("stream=%v: a gone client got an answer: %s", stream, rec.Body.String())
		}
	}
}

func TestStream(t *testing.T) {
	ts := newServer(t)
	want := greedyReference(t)
	res, err := http.Post(ts.URL+"/v1/completions", "application/json",
		strings.NewReader(`{"model":"tiny-gpt2","prompt":"Once upon a time","max_tokens":16,"temperature":0,"stream":true,"stream_options":{"include_usage":true}}`))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if ct := res.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("content type %q", ct)
	}
	var text, finish string
	events, done, sawUsage := 0, false, false
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			continue
		}
		data, ok := strings.CutPrefix(line, "data: ")
		if !ok {
			t.Fatalf("not an SSE data line: %q", line)
		}
		if data == "[DONE]" {
			done = true
			continue
		}
		var chunk map[string]any
		if err := json.Unmarshal([]byte(data), &chunk); err != nil {
			t.Fatal(err)
		}
		events++
		if chunk["usage"] != nil {
			sawUsage = true
			continue
		}
		c := choices(chunk)[0]
		text += c["text"].(string)
		if f, ok := c["finish_reason"].(string); ok {
			finish = f
		}
	}
	if !done || text != want || finish != "length" || events < 10 || !sawUsage {
		t.Errorf("stream: done=%v events=%d finish=%q usage=%v text %q, want %q", done, events, finish, sawUsage, text, want)
	}
}

func TestBadRequests(t *testing.T) {
	ts := newServer(t)
	tests := []struct {
		name, path, body string
		status           int
		param, text      string
	}{
		{"not JSON", "/v1/completions", `{"model":`, 400, "", "parse"},
		{"unknown field", "/v1/completions", `{"model":"tiny-gpt2","prompt":"a","frobnicate":1}`, 400, "", "frobnicate"},
		{"wrong type", "/v1/completions", `{"model":"tiny-gpt2","prompt":"a","max_tokens":"ten"}`, 400, "max_tokens", "max_tokens"},
		{"no model", "/v1/completions", `{"prompt":"a"}`, 400, "model", "model"},
		{"unknown model", "/v1/completions", `{"model":"gpt-4","prompt":"a"}`, 404, "model", "gpt-4"},
		{"temperature", "/v1/completions", `{"model":"tiny-gpt2","prompt":"a","temperature":3}`, 400, "temperature", "between 0 and 2"},
		{"top_p", "/v1/completions", `{"model":"tiny-gpt2","prompt":"a","top_p":1.5}`, 400, "top_p", "top_p"},
		{"n", "/v1/completions", `{"model":"tiny-gpt2","prompt":"a","n":0}`, 400, "n", "n must"},
		{"n too big", "/v1/completions", `{"model":"tiny-gpt2","prompt":"a","n":100}`, 400, "n", "at most 16"},
		{"stops", "/v1/completions", `{"model":"tiny-gpt2","prompt":"a","stop":["a","b","c","d","e"]}`, 400, "stop", "at most 4"},
		{"logprobs", "/v1/completions", `{"model":"tiny-gpt2","prompt":"a","logprobs":9}`, 400, "logprobs", "between 0 and 5"},
		{"negative logprobs", "/v1/completions", `{"model":"tiny-gpt2","prompt":"a","logprobs":-1}`, 400, "logprobs", "between 0 and 5"},
		// Limits whose arithmetic could wrap around (issue 15): n × prompts
		// and prompt + max_tokens.
		{"n wraps", "/v1/completions", `{"model":"tiny-gpt2","prompt":["a","b"],"n":4611686018427387904}`, 400, "n", "at most 16"},
		{"n × prompts", "/v1/completions", `{"model":"tiny-gpt2","prompt":["a","b","c"],"n":6}`, 400, "n", "at most 16"},
		{"max_tokens wraps", "/v1/completions", `{"model":"tiny-gpt2","prompt":"a","max_tokens":9223372036854775807}`, 400, "prompt", "maximum context length is 64"},
		{"empty id list", "/v1/completions", `{"model":"tiny-gpt2","prompt":[[]]}`, 400, "prompt", "at least one id"},
		{"NaN-like temperature", "/v1/completions", `{"model":"tiny-gpt2","prompt":"a","temperature":-0.5}`, 400, "temperature", "temperature"},
		{"prompt type", "/v1/completions", `{"model":"tiny-gpt2","prompt":{"a":1}}`, 400, "prompt", "prompt must"},
		{"bad token id", "/v1/completions", `{"model":"tiny-gpt2","prompt":[1,99999999]}`, 400, "prompt", "99999999"},
		{"too long", "/v1/completions", `{"model":"tiny-gpt2","prompt":"` + strings.Repeat("go ", 60) + `","max_tokens":16}`, 400, "prompt", "maximum context length is 64"},
		{"body too large", "/v1/completions", `{"model":"tiny-gpt2","prompt":"` + strings.Repeat("x", 5000) + `"}`, 413, "", "larger than"},
		{"chat", "/v1/chat/completions", `{"model":"tiny-gpt2","messages":[]}`, 400, "", "not a chat model"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out := post(t, ts, tt.path, tt.body)
			e, ok := out["error"].(map[string]any)
			if code != tt.status || !ok || !strings.Contains(e["message"].(string), tt.text) {
				t.Fatalf("got %d %v, want %d mentioning %q", code, out, tt.status, tt.text)
			}
			if tt.param != "" && e["param"] != tt.param {
				t.Errorf("param %v, want %s", e["param"], tt.param)
			}
			if e["type"] == nil {
				t.Error("error without a type")
			}
		})
	}
}

func TestModels(t *testing.T) {
	ts := newServer(t)
	res, err := http.Get(ts.URL + "/v1/models")
	if err != nil {
		t.Fatal(err)
	}
	var list struct {
		Object string `json:"object"`
		Data   []struct {
			ID     string `json:"id"`
			Object string `json:"object"`
		} `json:"data"`
	}
	json.NewDecoder(res.Body).Decode(&list)
	res.Body.Close()
	if list.Object != "list" || len(list.Data) != 1 || list.Data[0].ID != "tiny-gpt2" || list.Data[0].Object != "model" {
		t.Fatalf("models: %+v", list)
	}
	for path, want := range map[string]int{"/v1/models/tiny-gpt2": 200, "/v1/models/gpt-4": 404, "/v1/embeddings": 404} {
		res, err := http.Get(ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != want {
			t.Errorf("%s: %d, want %d", path, res.StatusCode, want)
		}
	}
}

// TestOfficialClient runs OpenAI's own npm client against the server: the
// lesson's example, a sampled request with n and stop, a stream, and the
// chat endpoint's refusal.
func TestOfficialClient(t *testing.T) {
	dir := filepath.Join("testdata", "client")
	node, err := exec.LookPath("node")
	_, modErr := os.Stat(filepath.Join(dir, "node_modules", "openai"))
	if err != nil || modErr != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the openai client check needs node and `npm ci` in %s", dir)
		}
		t.Skipf("needs node and `npm ci` in %s", dir)
	}
	ts := newServer(t)
	cmd := exec.Command(node, "check.mjs")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "OPENAI_BASE_URL="+ts.URL+"/v1", "EXPLORER_MODEL=tiny-gpt2")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node check.mjs: %v\n%s", err, stderr.String())
	}
	var got struct {
		Plain struct {
			Text   string         `json:"text"`
			Finish string         `json:"finish"`
			Usage  map[string]int `json:"usage"`
		} `json:"plain"`
		Sampled []struct {
			Index  int    `json:"index"`
			Text   string `json:"text"`
			Finish string `json:"finish"`
		} `json:"sampled"`
		Streamed  string `json:"streamed"`
		Chunks    int    `json:"chunks"`
		ChatError string `json:"chatError"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("client output: %v\n%s", err, out)
	}
	want := greedyReference(t)
	if got.Plain.Text != want || got.Plain.Finish != "length" || got.Plain.Usage["total_tokens"] != 20 {
		t.Errorf("plain completion: %+v, want %q", got.Plain, want)
	}
	if len(got.Sampled) != 3 {
		t.Errorf("n=3 gave %d choices", len(got.Sampled))
	}
	for i, c := range got.Sampled {
		if c.Index != i || strings.Contains(c.Text, "\n") {
			t.Errorf("sampled choice %d: %+v", i, c)
		}
	}
	if got.Streamed != want || got.Chunks < 10 {
		t.Errorf("stream: %d chunks, %q", got.Chunks, got.Streamed)
	}
	if !strings.Contains(got.ChatError, "400") || !strings.Contains(got.ChatError, "not a chat model") {
		t.Errorf("chat error: %q", got.ChatError)
	}
}
