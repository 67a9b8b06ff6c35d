package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"

	"github.com/gorilla/websocket"

	"github.com/transformer-explorer/explorer/engine/train"
	"github.com/transformer-explorer/explorer/engine/train/corpus"
)

// The training view trains a small new GPT-2 from scratch on the generated
// story corpus while the learner watches: the loss and learning rate as a
// live chart, and every few steps the attention of each head on a probe of
// a random token sequence repeated twice, where an induction head shows as
// a stripe one step after the diagonal of the second copy.

// Limits of a training run started from the page.
const (
	maxTrainSteps     = 2000
	defaultTrainSteps = 400
	trainStories      = 600 // about 160k tokens with the default tokenizer
)

func (s *Server) serveTrainPage(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	name := ""
	if s.opt.Model != nil {
		name = s.opt.Model.Name
	}
	d := trainData{Lang: requestLang(r), Model: name, Steps: defaultTrainSteps, MaxSteps: maxTrainSteps}
	if s.opt.Tokenizer != nil {
		c := train.DemoOptions(s.opt.Tokenizer, nil, defaultTrainSteps).Config
		d.Layers, d.Heads, d.Width = c.NLayer, c.NHead, c.NEmbd
	}
	trainPage(d).Render(r.Context(), w)
}

// trainData is what the training view shows before a run. Its words
// come from the catalogue (lessons/i18n "train.*") in Lang; messages from
// the socket carry their catalogue key ("key", with "args"), so the page
// says them in its language, and an English "message" for other clients.
type trainData struct {
	Lang                 string
	Model                string
	Layers, Heads, Width int // of the model a run trains
	Steps, MaxSteps      int
}

// Args encodes the intro's arguments for data-i18n-args.
func (d trainData) Args() string {
	return pageData{}.Args("layers", d.Layers, "heads", d.Heads, "width", d.Width, "model", d.Model)
}

// T returns a message of the catalogue in the view's language.
func (d trainData) T(key string, args ...any) string { return tr(d.Lang, key, args...) }

// trainMessage is what the training page sends.
type trainMessage struct {
	Type  string `json:"type"` // "start" or "stop"
	Steps int    `json:"steps"`
}

// serveTrainSocket runs training runs for one page. One run at a time in
// the whole server: training uses every core.
func (s *Server) serveTrainSocket(w http.ResponseWriter, r *http.Request) {
	conn, err := s.trainUpgrader.Upgrade(w, r)
	if err != nil {
		return
	}
	ctx, cancel := context.WithCancel(r.Context())
	send := func(v any) bool { return conn.SendJSON(ctx, v) == nil }
	stopRun := func() {}
	runDone := make(chan struct{})
	close(runDone)
	defer func() {
		stopRun()
		cancel()
		<-runDone
		conn.Close(websocket.CloseGoingAway, "")
		conn.Wait()
	}()
	for {
		kind, data, err := conn.Read()
		if err != nil {
			return // the page went away
		}
		var msg trainMessage
		if kind != websocket.TextMessage {
			send(map[string]any{"type": "error", "key": "error.bad_message", "message": "send JSON text messages"})
			continue
		}
		if err := json.Unmarshal(data, &msg); err != nil {
			send(map[string]any{"type": "error", "key": "error.bad_message", "message": "malformed JSON: " + err.Error()})
			continue
		}
		switch msg.Type {
		case "stop":
			stopRun()
		case "start":
			select {
			case <-runDone:
			default:
				send(map[string]any{"type": "error", "key": "train.busyPage", "message": "a run is already going on this page"})
				continue
			}
			steps := msg.Steps
			if steps <= 0 || steps > maxTrainSteps {
				send(map[string]any{"type": "error", "key": "train.badSteps", "args": map[string]any{"max": maxTrainSteps}, "message": fmt.Sprintf("steps must be between 1 and %d", maxTrainSteps)})
				continue
			}
			runCtx, stop := context.WithCancel(ctx)
			stopRun = stop
			runDone = make(chan struct{})
			go func(done chan struct{}) {
				defer close(done)
				s.trainRun(runCtx, steps, send)
			}(runDone)
		default:
			send(map[string]any{"type": "error", "key": "error.bad_message", "message": fmt.Sprintf("unknown message type %q", msg.Type)})
		}
	}
}

// trainRun trains a demo model and streams its progress.
func (s *Server) trainRun(ctx context.Context, steps int, send func(any) bool) {
	if s.opt.Tokenizer == nil {
		send(map[string]any{"type": "error", "key": "train.noModel", "message": "no tokenizer: the model did not load"})
		return
	}
	select {
	case s.training <- struct{}{}:
		defer func() { <-s.training }()
	default:
		send(map[string]any{"type": "error", "key": "train.busyServer", "message": "another page is training right now; training uses every core, so runs take turns"})
		return
	}
	send(map[string]any{"type": "status", "key": "train.corpus", "message": "writing the story corpus and encoding it…"})
	tokens, err := s.demoCorpus(ctx)
	if err != nil {
		send(map[string]any{"type": "error", "key": "train.failed", "args": map[string]any{"err": err.Error()}, "message": err.Error()})
		return
	}
	opt := train.DemoOptions(s.opt.Tokenizer, tokens, steps)
	if s.opt.TrainWorkers > 0 {
		opt.Workers = s.opt.TrainWorkers
	}
	send(map[string]any{"type": "started", "steps": steps, "tokens": len(tokens),
		"layers": opt.Config.NLayer, "heads": opt.Config.NHead, "width": opt.Config.NEmbd, "context": opt.Config.NPositions,
		"threshold": train.InductionThreshold, "induction_from_layer": train.InductionFromLayer})
	res, err := train.Run(ctx, opt, func(p train.Progress) error {
		msg := map[string]any{"type": "step", "step": p.Step, "steps": p.Steps, "loss": p.Loss, "lr": p.LR,
			"tokens_per_sec": p.TokensPerSec, "eta_s": p.ETA.Seconds()}
		if p.HasVal {
			msg["val_loss"] = p.ValLoss
		}
		if p.Probe != nil {
			labels := make([]string, len(p.Probe.Tokens))
			for i, id := range p.Probe.Tokens {
				labels[i] = s.opt.Tokenizer.Display(id)
			}
			msg["probe"] = map[string]any{"tokens": labels, "attention": p.Probe.Attention, "induction": p.Probe.Induction}
		}
		if !send(msg) {
			return ctx.Err()
		}
		return nil
	})
	if err != nil {
		if ctx.Err() != nil {
			send(map[string]any{"type": "stopped"})
			return
		}
		send(map[string]any{"type": "error", "key": "train.failed", "args": map[string]any{"err": err.Error()}, "message": err.Error()})
		return
	}
	done := map[string]any{"type": "finished", "steps": res.Steps, "loss": res.Loss, "tokens": res.Tokens, "seconds": res.Duration.Seconds()}
	if !math.IsNaN(res.ValLoss) {
		done["val_loss"] = res.ValLoss
	}
	send(done)
}

// demoCorpus returns the encoded story corpus of the training view, made
// on the first run and kept for the next ones (runs take turns, so only
// one goroutine gets here at a time).
func (s *Server) demoCorpus(ctx context.Context) ([]int, error) {
	if s.demoTokens != nil {
		return s.demoTokens, nil
	}
	var text bytes.Buffer
	if err := corpus.Generate(ctx, &text, corpus.Options{Stories: trainStories, Seed: 7, Langs: []corpus.Lang{corpus.English}, Mix: []corpus.Share{{Part: corpus.Stories, Weight: 1}}}); err != nil {
		return nil, err
	}
	tokens, err := train.EncodeCorpus(ctx, s.opt.Tokenizer, text.String())
	if err != nil {
		return nil, err
	}
	s.demoTokens = tokens
	return tokens, nil
}
