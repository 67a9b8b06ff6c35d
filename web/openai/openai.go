// Package openai serves the explorer's model through the shape of OpenAI's
// Completions API, so the client code a lesson shows (prompt, max_tokens,
// temperature, top_p, n, stop) runs against the local GPT-2 and a class can
// see that the API's parameters are the sampling knobs they just studied.
//
// It serves POST /v1/completions (with server-sent events when "stream" is
// true), GET /v1/models and GET /v1/models/{id}. POST /v1/chat/completions
// answers with an error: GPT-2 is not a chat model.
package openai

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"runtime"
	"time"
	"unicode/utf8"

	"github.com/transformer-explorer/explorer/engine"
	"github.com/transformer-explorer/explorer/engine/tokenizer"
	"github.com/transformer-explorer/explorer/web/internal/limit"
)

// Options configure the API.
type Options struct {
	// ModelName is the "model" clients name (default: the model's Name).
	ModelName string
	// MaxConcurrent bounds the requests generating at once (default: CPUs).
	MaxConcurrent int
	// MaxBodyBytes bounds a request body (default 1 MiB).
	MaxBodyBytes int64
	// MaxN bounds n × the number of prompts in one request (default 16).
	MaxN int
	// MaxPerClient bounds the requests one client (remote address) may
	// have generating at once (default: half of MaxConcurrent, at least
	// 1), so that one client cannot hold every slot; more get 429.
	MaxPerClient int
	// SlotWait is how long a request waits for a slot before it gets 503
	// (default 30 s).
	SlotWait time.Duration
	// WriteWait is how long a client has to take each write of a response
	// or stream (default 30 s); one that does not read is cut off.
	WriteWait time.Duration
}

// Limits of a request, as OpenAI states them for its Completions API.
const (
	maxStops       = 4
	maxLogprobs    = 5
	maxTemperature = 2
)

// saturatingAdd returns a + b for non-negative a and b, or the largest int
// when that overflows.
func saturatingAdd(a, b int) int {
	if a > math.MaxInt-b {
		return math.MaxInt
	}
	return a + b
}

type api struct {
	m       *engine.Model
	tok     *tokenizer.Tokenizer
	opt     Options
	work    chan struct{}
	clients *limit.PerClient // slots held per remote address
	start   int64            // "created" of the model object
}

// New returns the API handler for m.
func New(m *engine.Model, tok *tokenizer.Tokenizer, opt Options) http.Handler {
	if opt.ModelName == "" {
		opt.ModelName = m.Name
	}
	if opt.MaxConcurrent <= 0 {
		opt.MaxConcurrent = runtime.NumCPU()
	}
	if opt.MaxBodyBytes <= 0 {
		opt.MaxBodyBytes = 1 << 20
	}
	if opt.MaxN <= 0 {
		opt.MaxN = 16
	}
	if opt.MaxPerClient <= 0 {
		opt.MaxPerClient = max(1, opt.MaxConcurrent/2)
	}
	if opt.SlotWait <= 0 {
		opt.SlotWait = 30 * time.Second
	}
	if opt.WriteWait <= 0 {
		opt.WriteWait = 30 * time.Second
	}
	a := &api{m: m, tok: tok, opt: opt, work: make(chan struct{}, opt.MaxConcurrent),
		clients: limit.NewPerClient(opt.MaxPerClient), start: time.Now().Unix()}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/completions", a.completions)
	mux.HandleFunc("GET /v1/models", a.models)
	mux.HandleFunc("GET /v1/models/{id...}", a.model)
	mux.HandleFunc("POST /v1/chat/completions", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusBadRequest, "GPT-2 is not a chat model: it continues text. Use POST /v1/completions with a prompt (client.completions.create).", "", "not_a_chat_model")
	})
	mux.HandleFunc("/v1/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no endpoint %s %s; this server has POST /v1/completions and GET /v1/models", r.Method, r.URL.Path), "", "unknown_url")
	})
	return mux
}

// apiError is OpenAI's error object.
type apiError struct {
	Message string  `json:"message"`
	Type    string  `json:"type"`
	Param   *string `json:"param"`
	Code    *string `json:"code"`
}

func writeError(w http.ResponseWriter, status int, message, param, code string) {
	e := apiError{Message: message, Type: "invalid_request_error"}
	if status >= 500 {
		e.Type = "server_error"
	}
	if param != "" {
		e.Param = &param
	}
	if code != "" {
		e.Code = &code
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"error": e})
}

// requestError is a bad request, reported with the parameter at fault.
type requestError struct {
	status      int
	param, code string
	message     string
}

func (e *requestError) Error() string { return e.message }

func badParam(param, format string, args ...any) *requestError {
	return &requestError{status: http.StatusBadRequest, param: param, message: fmt.Sprintf(format, args...)}
}

func (a *api) modelObject() map[string]any {
	return map[string]any{"id": a.opt.ModelName, "object": "model", "created": a.start, "owned_by": "transformer-explorer"}
}

func (a *api) models(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, map[string]any{"object": "list", "data": []any{a.modelObject()}})
}

func (a *api) model(w http.ResponseWriter, r *http.Request) {
	if r.PathValue("id") != a.opt.ModelName {
		writeError(w, http.StatusNotFound, fmt.Sprintf("The model '%s' does not exist; this server has '%s'", r.PathValue("id"), a.opt.ModelName), "model", "model_not_found")
		return
	}
	writeJSON(w, a.modelObject())
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

// completionRequest holds the fields of a Completions request this server
// honours; others are refused as unrecognised, as OpenAI does.
type completionRequest struct {
	Model         string          `json:"model"`
	Prompt        json.RawMessage `json:"prompt"`
	MaxTokens     *int            `json:"max_tokens"`
	Temperature   *float64        `json:"temperature"`
	TopP          *float64        `json:"top_p"`
	N             *int            `json:"n"`
	Stop          json.RawMessage `json:"stop"`
	Seed          *uint64         `json:"seed"`
	Stream        bool            `json:"stream"`
	StreamOptions *struct {
		IncludeUsage bool `json:"include_usage"`
	} `json:"stream_options"`
	Logprobs         *int    `json:"logprobs"`
	Echo             bool    `json:"echo"`
	User             string  `json:"user"`
	PresencePenalty  float64 `json:"presence_penalty"`
	FrequencyPenalty float64 `json:"frequency_penalty"`
	BestOf           *int    `json:"best_of"`
}

// job is a checked request, ready to run.
type job struct {
	prompts   [][]int
	texts     []string
	maxTokens int
	n         int
	sample    engine.SampleOptions
	stops     []string
	seed      uint64
	logprobs  int // -1: none
	echo      bool
	stream    bool
	usage     bool // include usage in the stream
}

// parse checks a request body against the model and returns its job.
func (a *api) parse(body []byte) (*job, error) {
	var req completionRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		var typ *json.UnmarshalTypeError
		if errors.As(err, &typ) {
			return nil, badParam(typ.Field, "Invalid type for '%s': expected %s, got a JSON %s", typ.Field, typ.Type, typ.Value)
		}
		return nil, badParam("", "We could not parse the JSON body of your request: %v", err)
	}
	if req.Model == "" {
		return nil, badParam("model", "you must provide a model parameter")
	}
	if req.Model != a.opt.ModelName {
		return nil, &requestError{status: http.StatusNotFound, param: "model", code: "model_not_found",
			message: fmt.Sprintf("The model '%s' does not exist; this server has '%s'", req.Model, a.opt.ModelName)}
	}
	j := &job{maxTokens: 16, n: 1, sample: engine.SampleOptions{Temperature: 1, TopP: 1}, logprobs: -1, echo: req.Echo, stream: req.Stream}
	if req.StreamOptions != nil {
		j.usage = req.StreamOptions.IncludeUsage
	}
	var err error
	if j.texts, j.prompts, err = a.parsePrompt(req.Prompt); err != nil {
		return nil, err
	}
	if req.MaxTokens != nil {
		j.maxTokens = *req.MaxTokens
	}
	if req.N != nil {
		j.n = *req.N
	}
	if req.Temperature != nil {
		j.sample.Temperature = *req.Temperature
	}
	if req.TopP != nil {
		j.sample.TopP = *req.TopP
	}
	if req.Logprobs != nil {
		j.logprobs = *req.Logprobs
	}
	var bad *engine.SampleError
	if err := j.sample.Validate(); errors.As(err, &bad) {
		return nil, badParam(bad.Knob, "%s", bad.Describe(bad.Knob))
	}
	switch {
	case j.maxTokens < 0:
		return nil, badParam("max_tokens", "max_tokens must be at least 0, got %d", j.maxTokens)
	case j.n < 1:
		return nil, badParam("n", "n must be at least 1, got %d", j.n)
	// Divided, not multiplied, so that a huge n cannot wrap around.
	case j.n > a.opt.MaxN/len(j.prompts):
		return nil, badParam("n", "n × prompts must be at most %d on this server, got %d × %d", a.opt.MaxN, j.n, len(j.prompts))
	// OpenAI's API takes temperatures up to 2 only; clients written
	// against it expect the same answer here.
	case j.sample.Temperature > maxTemperature:
		return nil, badParam("temperature", "temperature must be between 0 and %d, got %g", maxTemperature, j.sample.Temperature)
	case req.Logprobs != nil && (j.logprobs < 0 || j.logprobs > maxLogprobs):
		return nil, badParam("logprobs", "logprobs must be between 0 and %d, got %d", maxLogprobs, j.logprobs)
	case req.PresencePenalty != 0 || req.FrequencyPenalty != 0:
		return nil, badParam("presence_penalty", "presence and frequency penalties are not supported by this server")
	case req.BestOf != nil && *req.BestOf != 1 && *req.BestOf != j.n:
		return nil, badParam("best_of", "best_of is not supported by this server")
	case j.maxTokens == 0 && !j.echo:
		return nil, badParam("max_tokens", "max_tokens 0 makes sense only with echo")
	}
	if j.sample.TopP == 0 {
		j.sample.Temperature = 0 // the smallest nucleus is the top token
	}
	if j.stops, err = parseStop(req.Stop); err != nil {
		return nil, err
	}
	if req.Seed != nil {
		j.seed = *req.Seed
	} else {
		var b [8]byte
		rand.Read(b[:])
		j.seed = binary.LittleEndian.Uint64(b[:])
	}
	ctxLen := a.m.Config.NPositions
	for _, p := range j.prompts {
		// Compared without adding, so that a max_tokens near the largest
		// int cannot wrap around.
		if len(p) > ctxLen || j.maxTokens > ctxLen-len(p) {
			return nil, &requestError{status: http.StatusBadRequest, param: "prompt", code: "context_length_exceeded",
				message: fmt.Sprintf("This model's maximum context length is %d tokens, however you requested %d tokens (%d in your prompt; %d for the completion). Please reduce your prompt; or completion length.",
					ctxLen, saturatingAdd(len(p), j.maxTokens), len(p), j.maxTokens)}
		}
	}
	return j, nil
}

// parsePrompt accepts a string, a list of strings, a list of token ids or
// a list of lists of token ids.
func (a *api) parsePrompt(raw json.RawMessage) ([]string, [][]int, error) {
	if len(raw) == 0 || string(raw) == "null" {
		raw = json.RawMessage(`"<|endoftext|>"`)
	}
	var one string
	var many []string
	var ids []int
	var idLists [][]int
	switch {
	case json.Unmarshal(raw, &one) == nil:
		many = []string{one}
	case json.Unmarshal(raw, &many) == nil:
	case json.Unmarshal(raw, &ids) == nil:
		idLists = [][]int{ids}
	case json.Unmarshal(raw, &idLists) == nil:
	default:
		return nil, nil, badParam("prompt", "prompt must be a string, a list of strings, or token ids")
	}
	var texts []string
	var prompts [][]int
	for _, s := range many {
		if !utf8.ValidString(s) {
			return nil, nil, badParam("prompt", "prompt is not valid UTF-8")
		}
		p, err := a.encode(s)
		if err != nil {
			return nil, nil, badParam("prompt", "%v", err)
		}
		texts, prompts = append(texts, s), append(prompts, p)
	}
	for _, p := range idLists {
		if len(p) == 0 {
			return nil, nil, badParam("prompt", "a prompt of token ids must hold at least one id")
		}
		for _, id := range p {
			if id < 0 || id >= a.m.Config.VocabSize {
				return nil, nil, badParam("prompt", "token id %d is outside the vocabulary of %d", id, a.m.Config.VocabSize)
			}
		}
		b, err := a.tok.Decode(p)
		if err != nil {
			return nil, nil, badParam("prompt", "%v", err)
		}
		texts, prompts = append(texts, string(b)), append(prompts, p)
	}
	if len(prompts) == 0 {
		return nil, nil, badParam("prompt", "prompt must not be an empty list")
	}
	return texts, prompts, nil
}

// encode tokenizes a prompt; "<|endoftext|>" alone is the end-of-text
// token, as the API's default prompt is.
func (a *api) encode(s string) ([]int, error) {
	if s == tokenizer.EndOfTextToken {
		return []int{a.tok.EndOfText()}, nil
	}
	ids, err := a.tok.Encode(s)
	if err == nil && len(ids) == 0 {
		ids = []int{a.tok.EndOfText()} // GPT-2 conditions an empty prompt on end-of-text
	}
	return ids, err
}

func parseStop(raw json.RawMessage) ([]string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return []string{one}, nil
	}
	var many []string
	if err := json.Unmarshal(raw, &many); err != nil {
		return nil, badParam("stop", "stop must be a string or a list of strings")
	}
	if len(many) > maxStops {
		return nil, badParam("stop", "stop may hold at most %d strings, got %d", maxStops, len(many))
	}
	return many, nil
}

// newID returns an id in the API's style.
func newID() string {
	var b [12]byte
	rand.Read(b[:])
	return "cmpl-" + hex.EncodeToString(b[:])
}

// logprobState builds OpenAI's logprobs object for one choice. A token's
// text_offset is the byte offset of its text in the prompt followed by the
// completion, whether or not the prompt is echoed.
type logprobState struct {
	Tokens        []string             `json:"tokens"`
	TokenLogprobs []*float64           `json:"token_logprobs"`
	TopLogprobs   []map[string]float64 `json:"top_logprobs"`
	TextOffset    []int                `json:"text_offset"`
	offset        int
}

// add records a token with the logits it was drawn from (nil for the
// first prompt token, which has no prediction).
func (l *logprobState) add(a *api, id int, logits []float32, top int) {
	text := a.tokenText(id)
	l.Tokens = append(l.Tokens, text)
	l.TextOffset = append(l.TextOffset, l.offset)
	l.offset += len(text)
	if logits == nil {
		l.TokenLogprobs = append(l.TokenLogprobs, nil)
		l.TopLogprobs = append(l.TopLogprobs, nil)
		return
	}
	lse := logSumExp(logits)
	lp := float64(logits[id]) - lse
	l.TokenLogprobs = append(l.TokenLogprobs, &lp)
	tops := map[string]float64{}
	for _, i := range engine.Top(logits, top) {
		tops[a.tokenText(i)] = float64(logits[i]) - lse
	}
	l.TopLogprobs = append(l.TopLogprobs, tops)
}

func logSumExp(x []float32) float64 {
	m := math.Inf(-1)
	for _, v := range x {
		m = math.Max(m, float64(v))
	}
	s := 0.0
	for _, v := range x {
		s += math.Exp(float64(v) - m)
	}
	return m + math.Log(s)
}

// tokenText is a token as the API shows it: its text, or "bytes:\xNN…"
// for a token that is not valid UTF-8 on its own.
func (a *api) tokenText(id int) string {
	b, err := a.tok.Decode([]int{id})
	if err != nil {
		return ""
	}
	if utf8.Valid(b) {
		return string(b)
	}
	s := "bytes:"
	for _, c := range b {
		s += fmt.Sprintf("\\x%02x", c)
	}
	return s
}
