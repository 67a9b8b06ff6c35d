package openai

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/transformer-explorer/explorer/engine"
	"github.com/transformer-explorer/explorer/trace"
)

// choice is one completion in a response.
type choice struct {
	Text         string        `json:"text"`
	Index        int           `json:"index"`
	Logprobs     *logprobState `json:"logprobs"`
	FinishReason *string       `json:"finish_reason"`
}

type usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

type completion struct {
	ID      string   `json:"id"`
	Object  string   `json:"object"`
	Created int64    `json:"created"`
	Model   string   `json:"model"`
	Choices []choice `json:"choices"`
	Usage   *usage   `json:"usage,omitempty"`
}

func (a *api) completions(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, a.opt.MaxBodyBytes))
	if err != nil {
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the request body is larger than %d bytes", a.opt.MaxBodyBytes), "", "request_too_large")
		return
	}
	j, err := a.parse(body)
	if err != nil {
		var re *requestError
		if errors.As(err, &re) {
			writeError(w, re.status, re.message, re.param, re.code)
			return
		}
		writeError(w, http.StatusBadRequest, err.Error(), "", "")
		return
	}
	ctx := r.Context() // ends when the client goes away
	release, err := a.slot(ctx, r.RemoteAddr)
	if err != nil {
		var re *requestError
		if errors.As(err, &re) {
			w.Header().Set("Retry-After", "1")
			writeError(w, re.status, re.message, "", re.code)
		}
		return
	}
	defer release()
	resp := completion{ID: newID(), Object: "text_completion", Created: time.Now().Unix(), Model: a.opt.ModelName}
	if j.stream {
		a.stream(ctx, w, j, resp)
		return
	}
	u := usage{}
	for p := range j.prompts {
		choices, completionTokens, err := a.complete(ctx, j, p, nil)
		if err != nil {
			if ctx.Err() == nil {
				writeError(w, http.StatusInternalServerError, err.Error(), "", "")
			}
			return
		}
		resp.Choices = append(resp.Choices, choices...)
		u.PromptTokens += len(j.prompts[p])
		u.CompletionTokens += completionTokens
	}
	u.TotalTokens = u.PromptTokens + u.CompletionTokens
	resp.Usage = &u
	a.writeDeadline(w)
	writeJSON(w, resp)
}

// slot waits for one of the requests that may generate at once, as the
// client at remoteAddr may hold at most MaxPerClient of them; it gives up
// after SlotWait, or when ctx ends. The error of a refusal is a
// *requestError (429 for the client's own limit, 503 for a busy server).
func (a *api) slot(ctx context.Context, remoteAddr string) (release func(), err error) {
	mine, ok := a.clients.Take(remoteAddr)
	if !ok {
		return nil, &requestError{status: http.StatusTooManyRequests, code: "too_many_requests",
			message: fmt.Sprintf("this address already has %d requests generating, the most one client may; wait for them to finish", a.clients.Max())}
	}
	wait := time.NewTimer(a.opt.SlotWait)
	defer wait.Stop()
	select {
	case a.work <- struct{}{}:
		return func() { <-a.work; mine() }, nil
	case <-wait.C:
		mine()
		return nil, &requestError{status: http.StatusServiceUnavailable, code: "server_busy",
			message: fmt.Sprintf("every generation slot has been busy for %v; retry in a moment", a.opt.SlotWait)}
	case <-ctx.Done():
		mine()
		return nil, ctx.Err()
	}
}

// writeDeadline gives the client WriteWait to take what is written next;
// one that does not read is cut off, freeing its generation slot.
func (a *api) writeDeadline(w http.ResponseWriter) {
	// Not every ResponseWriter supports deadlines (a test's recorder does
	// not); without one, the server's own timeouts apply.
	http.NewResponseController(w).SetWriteDeadline(time.Now().Add(a.opt.WriteWait))
}

// complete runs the n completions of prompt p. onToken, when set, gets each
// piece of text as it becomes final (for streaming), with the logprobs of
// the tokens it adds when the request asks for them (else nil).
func (a *api) complete(ctx context.Context, j *job, p int, onToken func(index int, text string, lp *logprobState) error) ([]choice, int, error) {
	prompt := j.prompts[p]
	choices := make([]choice, j.n)
	for i := range choices {
		choices[i].Index = p*j.n + i
		if j.logprobs >= 0 {
			choices[i].Logprobs = &logprobState{}
			if !j.echo {
				choices[i].Logprobs.offset = len(j.texts[p])
			}
		}
	}
	if j.echo {
		var promptLogits [][]float32
		if j.logprobs >= 0 {
			var err error
			if promptLogits, err = a.promptLogits(ctx, prompt); err != nil {
				return nil, 0, err
			}
		}
		for i := range choices {
			choices[i].Text = j.texts[p]
			if lp := choices[i].Logprobs; lp != nil {
				for t, id := range prompt {
					lp.add(a, id, promptLogits[t], j.logprobs)
				}
			}
			if onToken != nil {
				if err := onToken(choices[i].Index, j.texts[p], choices[i].Logprobs.from(0)); err != nil {
					return nil, 0, err
				}
			}
		}
	}
	if j.maxTokens == 0 {
		for i := range choices {
			reason := "length"
			choices[i].FinishReason = &reason
		}
		return choices, 0, nil
	}
	opt := engine.GenerateOptions{
		MaxNewTokens: j.maxTokens,
		Sample:       j.sample,
		Seed:         j.seed + uint64(p),
		N:            j.n,
		Stop:         j.stops,
		OnToken: func(t engine.Token) error {
			lp := choices[t.Seq].Logprobs
			if lp != nil {
				lp.add(a, t.ID, t.Logits, j.logprobs)
			}
			// A token whose text is held back (a possible stop string, a
			// split character) still streams its logprobs.
			if onToken != nil && (t.Text != "" || lp != nil) {
				return onToken(p*j.n+t.Seq, t.Text, lp.from(len(lp.tokens())-1))
			}
			return nil
		},
	}
	seqs, err := a.m.Generate(ctx, a.tok, prompt, opt)
	if err != nil {
		return nil, 0, err
	}
	completionTokens := 0
	for i, s := range seqs {
		choices[i].Text += s.Text
		reason := "stop"
		if s.FinishReason == engine.FinishLength || s.FinishReason == engine.FinishContext {
			reason = "length"
		}
		choices[i].FinishReason = &reason
		completionTokens += len(s.IDs)
		if lp := choices[i].Logprobs; lp != nil && len(lp.Tokens) > len(prompt)*boolInt(j.echo)+len(s.IDs) {
			lp.trim(len(prompt)*boolInt(j.echo) + len(s.IDs))
		}
	}
	return choices, completionTokens, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// from returns the entries from token i on, sharing l's storage; nil for
// a nil l.
func (l *logprobState) from(i int) *logprobState {
	if l == nil {
		return nil
	}
	return &logprobState{Tokens: l.Tokens[i:], TokenLogprobs: l.TokenLogprobs[i:], TopLogprobs: l.TopLogprobs[i:], TextOffset: l.TextOffset[i:]}
}

// tokens returns the tokens recorded so far (none for a nil l).
func (l *logprobState) tokens() []string {
	if l == nil {
		return nil
	}
	return l.Tokens
}

// trim keeps the first n tokens.
func (l *logprobState) trim(n int) {
	l.Tokens, l.TokenLogprobs, l.TopLogprobs, l.TextOffset = l.Tokens[:n], l.TokenLogprobs[:n], l.TopLogprobs[:n], l.TextOffset[:n]
}

// promptLogits returns, for each prompt position t, the logits that
// predicted token t (nil for the first).
func (a *api) promptLogits(ctx context.Context, prompt []int) ([][]float32, error) {
	var all []float32
	sel, err := trace.Select(a.m.Config.NLayer, trace.Logits)
	if err != nil {
		return nil, err
	}
	rec := trace.Only(sel, trace.RecorderFunc(func(t trace.Tensor) error {
		all = append([]float32(nil), t.Data...)
		return nil
	}))
	if _, err := a.m.Forward(ctx, prompt, rec); err != nil {
		return nil, err
	}
	V := a.m.Config.VocabSize
	out := make([][]float32, len(prompt))
	for t := 1; t < len(prompt); t++ {
		out[t] = all[(t-1)*V : t*V]
	}
	return out, nil
}

// stream answers with server-sent events: a chunk per piece of text (with
// the logprobs of its tokens when asked), a final chunk per choice with its
// finish reason, then [DONE]. With a stop string, tokens streamed before
// the stop string was recognised keep their logprobs chunks.
func (a *api) stream(ctx context.Context, w http.ResponseWriter, j *job, resp completion) {
	flusher, _ := w.(http.Flusher)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	send := func(v any) error {
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		a.writeDeadline(w)
		if _, err := fmt.Fprintf(w, "data: %s\n\n", b); err != nil {
			return err
		}
		if flusher != nil {
			flusher.Flush()
		}
		return nil
	}
	chunk := func(c choice) completion {
		out := resp
		out.Choices = []choice{c}
		return out
	}
	u := usage{}
	for p := range j.prompts {
		choices, completionTokens, err := a.complete(ctx, j, p, func(index int, text string, lp *logprobState) error {
			return send(chunk(choice{Text: text, Index: index, Logprobs: lp}))
		})
		if err != nil {
			if ctx.Err() == nil {
				send(map[string]any{"error": apiError{Message: err.Error(), Type: "server_error"}})
			}
			return
		}
		for _, c := range choices {
			last := choice{Index: c.Index, FinishReason: c.FinishReason}
			if err := send(chunk(last)); err != nil {
				return
			}
		}
		u.PromptTokens += len(j.prompts[p])
		u.CompletionTokens += completionTokens
	}
	if j.usage {
		u.TotalTokens = u.PromptTokens + u.CompletionTokens
		final := resp
		final.Choices = []choice{}
		final.Usage = &u
		send(final)
	}
	a.writeDeadline(w)
	fmt.Fprint(w, "data: [DONE]\n\n")
	if flusher != nil {
		flusher.Flush()
	}
}
