package web

import (
	"context"
	"errors"
	"fmt"

	"github.com/transformer-explorer/explorer/engine"
	"github.com/transformer-explorer/explorer/trace"
)

// sampleOptions reads a generate message's sampling knobs, with the
// page's defaults (temperature 1, every token), and checks them against
// the engine's ranges.
func sampleOptions(msg clientMessage) (engine.SampleOptions, error) {
	opt := engine.SampleOptions{Temperature: 1, TopK: msg.TopK, TopP: 1}
	if msg.Temperature != nil {
		opt.Temperature = *msg.Temperature
	}
	if msg.TopP != nil {
		opt.TopP = *msg.TopP
	}
	var bad *engine.SampleError
	if err := opt.Validate(); errors.As(err, &bad) {
		return opt, errors.New(bad.Describe(bad.Knob))
	}
	return opt, nil
}

// startGenerate picks the next token of the session's run with the given
// sampling knobs, reports the distribution before and after them, and
// runs the prompt extended by that token as run msg.Seq. A generate sent
// while a run is still going waits for that run and continues it: it
// never samples from the run before.
func (ss *session) startGenerate(ctx context.Context, msg clientMessage) {
	opt, err := sampleOptions(msg)
	if err != nil {
		ss.sendError(msg.Seq, codeBadMessage, err.Error())
		return
	}
	plan, ok := ss.streamPlan(msg)
	if !ok {
		return
	}
	seed := ss.nextSeed()
	if msg.Seed != nil {
		seed = *msg.Seed
	}
	ss.work.then(ctx, func(ctx context.Context) { ss.generate(ctx, msg.Seq, opt, seed, plan) })
}

// generate samples a token after the current run and runs it: one pass
// of the new token through the key/value cache of the run, rebuilt from
// its recorded keys and values (engine.Model.Resume), recorded into a copy
// of the run's trace that shares its tensors. The copy is the session's
// own; the run's trace, which other sessions may show, is never written
// (a shared run's is sealed). The page receives every hook over the whole
// sequence, as from a run of it.
func (ss *session) generate(ctx context.Context, seq int, opt engine.SampleOptions, seed uint64, plan streaming) {
	m, tok := ss.srv.opt.Model, ss.srv.opt.Tokenizer
	prev, base := ss.runs.recorded()
	if prev == nil {
		ss.sendError(seq, codeNoTrace, ss.runs.missing().Error())
		return
	}
	if _, file := ss.runs.fileOf(prev); file {
		ss.sendError(seq, codeNoModel, errNoWeights.Error())
		return
	}
	if len(prev.IDs) >= m.Config.NPositions {
		ss.sendError(seq, codeTooLong, fmt.Sprintf("the context of %d tokens is full", m.Config.NPositions))
		return
	}
	logits, ok := lastLogits(prev, m.Config.VocabSize)
	if !ok {
		ss.sendError(seq, codeNoTrace, "the run has no logits to sample from; run the prompt again")
		return
	}
	sampler := engine.NewSampler(opt, engine.NewRand(seed))
	before := engine.NewSampler(engine.SampleOptions{Temperature: 1}, nil).Distribution(logits)
	after := sampler.Distribution(logits)
	picked := sampler.Sample(logits)
	label := func(id int) string { return tok.Display(id) }
	err := ss.sendJSON(ctx, sampledMessage{
		Type: "sampled", Seq: seq, Seed: seed,
		Before: topTokens(before, 10, label), After: topTokens(after, 10, label),
		Picked: pickedToken{ID: picked, Token: label(picked), PBefore: before[picked], PAfter: after[picked]},
	})
	if err != nil {
		return
	}
	T := len(prev.IDs)
	ss.run(ctx, seq, plan, ss.srv.runBytes(1, T+1), base, func() (*trace.Trace, error) {
		next := prev.Clone()
		if b, err := tok.Decode([]int{picked}); err == nil {
			next.Text += string(b)
		}
		next.AppendToken(picked, tok.Display(picked), tok.Token(picked))
		return next, nil
	}, func(ctx context.Context, tr *trace.Trace, rec trace.Recorder) error {
		st, err := m.ResumeTrace(prev, len(prev.IDs)+1)
		if err != nil {
			return err
		}
		if _, err := st.Append(ctx, []int{picked}, rec); err != nil {
			return err
		}
		// A pass of one token has no loss of its own: the picked token's
		// comes from the logits it was drawn from, as a run of the whole
		// sequence would report it.
		loss := []float32{engine.TokenLoss(logits, picked)}
		return rec.Record(trace.Tensor{Name: trace.NextLoss, Shape: []int{1}, Data: loss, Offset: T - 1})
	})
}

// lastLogits returns the logits (V) of the last position of a trace.
func lastLogits(tr *trace.Trace, V int) ([]float32, bool) {
	ps := tr.Passes(trace.Logits)
	if len(ps) == 0 {
		return nil, false
	}
	last := ps[len(ps)-1].Data
	if len(last) < V || len(last)%V != 0 {
		return nil, false
	}
	return last[len(last)-V:], true
}

// topTokens lists the k most probable tokens of a distribution.
func topTokens(p []float64, k int, label func(int) string) []tokenChance {
	var out []tokenChance
	for _, id := range engine.Top(p, k) {
		if p[id] == 0 {
			break
		}
		out = append(out, tokenChance{ID: id, Token: label(id), P: p[id]})
	}
	return out
}
