package engine

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/transformer-explorer/explorer/engine/tokenizer"
	"github.com/transformer-explorer/explorer/trace"
)

// GenerateOptions control Generate. The zero value generates one greedy
// sequence of up to 16 tokens that stops at end-of-text.
type GenerateOptions struct {
	MaxNewTokens int // tokens to add at most per sequence; 0 means 16
	Sample       SampleOptions
	Seed         uint64 // the same seed gives the same text
	N            int    // sequences to generate from the prompt; 0 means 1
	// Stop ends a sequence as soon as its text contains one of these
	// strings; the stop string itself is not part of the text.
	Stop []string
	// IgnoreEOS keeps generating after the end-of-text token instead of
	// stopping there.
	IgnoreEOS bool
	// Recorder, if set, receives the hooks of the prompt pass and of every
	// token the first sequence adds (each a pass of one position whose
	// attention rows see every earlier position).
	Recorder trace.Recorder
	// OnToken, if set, is called after each new token, so callers can
	// stream. Returning an error stops generation with that error.
	OnToken func(Token) error
}

// Token is one generated token, as reported to OnToken.
type Token struct {
	Seq int // which sequence, 0..N-1
	ID  int
	// Text is the text that became final with this token: bytes are held
	// back while they might still be the start of a stop string, and a
	// token that ends in the middle of a UTF-8 character leaves it
	// for the next one. Concatenating Text over a sequence gives its Text.
	Text string
	// Logits are the scores the token was drawn from (V), valid only
	// during the call.
	Logits []float32
}

// Finish reasons of a Sequence.
const (
	FinishLength  = "length"  // MaxNewTokens reached
	FinishStop    = "stop"    // a stop string or end-of-text
	FinishContext = "context" // the model's context is full
)

// A Sequence is one completed generation.
type Sequence struct {
	IDs          []int  // the new tokens (without the prompt, the stop string's tokens included)
	Text         string // their text, cut before any stop string
	FinishReason string
}

// Generate continues prompt with opt.N sequences, reading the prompt once
// and then one token at a time through the key/value cache.
func (m *Model) Generate(ctx context.Context, tok *tokenizer.Tokenizer, prompt []int, opt GenerateOptions) ([]Sequence, error) {
	if opt.MaxNewTokens <= 0 {
		opt.MaxNewTokens = 16
	}
	if opt.N <= 0 {
		opt.N = 1
	}
	eos := tok.EndOfText()
	if eos < 0 {
		eos = m.Config.EOS()
	}
	base := m.NewState(len(prompt) + opt.MaxNewTokens)
	logits, err := base.Append(ctx, prompt, opt.Recorder)
	if err != nil {
		return nil, fmt.Errorf("engine: generate: %w", err)
	}
	first := append([]float32(nil), logits...)
	rng := NewRand(opt.Seed)
	seqs := make([]Sequence, opt.N)
	for i := range seqs {
		st := base
		if i < opt.N-1 {
			st = base.Clone()
		}
		var rec trace.Recorder
		if i == 0 {
			rec = opt.Recorder
		}
		seqs[i], err = m.continueSequence(ctx, tok, st, first, i, eos, rng, opt, rec)
		if err != nil {
			return seqs[:i], err
		}
	}
	return seqs, nil
}

// continueSequence samples up to MaxNewTokens tokens after the state's
// positions, starting from the logits of its last position.
func (m *Model) continueSequence(ctx context.Context, tok *tokenizer.Tokenizer, st *State, logits []float32,
	seq, eos int, rng *rand.Rand, opt GenerateOptions, rec trace.Recorder) (Sequence, error) {
	sampler := &Sampler{opt: opt.Sample}
	out := Sequence{FinishReason: FinishLength}
	text := newStopWriter(opt.Stop)
	for n := 0; n < opt.MaxNewTokens; n++ {
		var id int
		if sampler.opt.Greedy() {
			id = argmax(logits)
		} else {
			id = draw(sampler.Distribution(logits), rng.Float64())
		}
		out.IDs = append(out.IDs, id)
		done := false
		var fresh []byte
		if id == eos && !opt.IgnoreEOS {
			fresh = text.flush()
			out.FinishReason, done = FinishStop, true
		} else {
			b, err := tok.Decode([]int{id})
			if err != nil {
				return out, fmt.Errorf("engine: generate: %w", err)
			}
			var stopped bool
			fresh, stopped = text.write(b)
			if stopped {
				out.FinishReason, done = FinishStop, true
			}
		}
		if opt.OnToken != nil {
			if err := opt.OnToken(Token{Seq: seq, ID: id, Text: string(fresh), Logits: logits}); err != nil {
				out.Text = text.String()
				return out, err
			}
		}
		if done {
			break
		}
		if n == opt.MaxNewTokens-1 {
			break
		}
		if st.Len() >= m.Config.NPositions {
			out.FinishReason = FinishContext
			break
		}
		next, err := st.Append(ctx, []int{id}, rec)
		if err != nil {
			out.Text = text.String()
			return out, fmt.Errorf("engine: generate: %w", err)
		}
		logits = next
	}
	if out.FinishReason != FinishStop {
		if tail := text.flush(); len(tail) > 0 && opt.OnToken != nil {
			if err := opt.OnToken(Token{Seq: seq, ID: -1, Text: string(tail)}); err != nil {
				return out, err
			}
		}
	}
	out.Text = text.String()
	return out, nil
}

// stopWriter accumulates generated bytes, finds stop strings, and releases
// text only once it can no longer turn out to be part of one (or to be half
// of a UTF-8 character).
type stopWriter struct {
	stops    [][]byte
	buf      []byte // everything written, cut at a stop string once found
	released int    // bytes of buf already returned
	stopped  bool
}

func newStopWriter(stops []string) *stopWriter {
	w := &stopWriter{}
	for _, s := range stops {
		if s != "" {
			w.stops = append(w.stops, []byte(s))
		}
	}
	return w
}

// write adds b and returns the newly final bytes, and whether a stop
// string has now appeared.
func (w *stopWriter) write(b []byte) ([]byte, bool) {
	if w.stopped {
		return nil, true
	}
	w.buf = append(w.buf, b...)
	for _, s := range w.stops {
		// Search only where a new match can start.
		from := max(0, w.released-len(s)+1)
		if i := bytes.Index(w.buf[from:], s); i >= 0 {
			w.buf = w.buf[:from+i]
			w.stopped = true
			return w.flush(), true
		}
	}
	hold := 0
	for _, s := range w.stops {
		hold = max(hold, suffixPrefixOverlap(w.buf[w.released:], s))
	}
	end := len(w.buf) - hold
	end = completeUTF8(w.buf[:end], w.released)
	fresh := w.buf[w.released:end]
	w.released = end
	return fresh, false
}

// flush returns everything not yet released.
func (w *stopWriter) flush() []byte {
	fresh := w.buf[w.released:]
	w.released = len(w.buf)
	return fresh
}

func (w *stopWriter) String() string { return string(w.buf) }

// suffixPrefixOverlap returns the length of the longest suffix of b that is
// a proper prefix of s.
func suffixPrefixOverlap(b, s []byte) int {
	for n := min(len(b), len(s)-1); n > 0; n-- {
		if bytes.Equal(b[len(b)-n:], s[:n]) {
			return n
		}
	}
	return 0
}

// completeUTF8 moves end back (not below from) so that b[:end] does not
// stop inside a multi-byte UTF-8 character that may still be completed.
func completeUTF8(b []byte, from int) int {
	end := len(b)
	// Look at most 3 bytes back for the start of a character.
	for i := end - 1; i >= from && i >= end-3; i-- {
		c := b[i]
		if c < 0x80 {
			return end // ASCII: complete
		}
		if c >= 0xC0 { // a lead byte: how long should its character be?
			need := 2
			if c >= 0xF0 {
				need = 4
			} else if c >= 0xE0 {
				need = 3
			}
			if end-i < need {
				return i
			}
			return end
		}
	}
	return end
}
