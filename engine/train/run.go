package train

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/transformer-explorer/explorer/engine"
	"github.com/transformer-explorer/explorer/engine/kernel"
	"github.com/transformer-explorer/explorer/engine/tokenizer"
	"github.com/transformer-explorer/explorer/trace"
	"github.com/transformer-explorer/explorer/trace/safetensors"
)

// ErrOptions is wrapped by the error Run returns for invalid Options.
var ErrOptions = errors.New("train: invalid options")

// Options configures Run. A zero field means its default, given in its
// comment.
type Options struct {
	// Config is the shape of a new model (n_layer, n_head, n_embd,
	// n_positions, vocab_size); ignored when From is set.
	Config engine.Config
	// From is a checkpoint to start from instead of random weights:
	// fine-tuning when Resume is false, continuing its run when true. A
	// resumed run must be given the options of the original run (Seed,
	// LR, MinLR, Warmup, Batch, Context; From.State records them) to take
	// the same path.
	From   *Checkpoint
	Resume bool
	// Tokenizer is saved with the checkpoints (From's when nil).
	Tokenizer *tokenizer.Tokenizer
	// Tokens is the encoded corpus (see EncodeCorpus). The last ValFrac of
	// it is held out for validation (default 0.05; negative for none).
	Tokens  []int
	ValFrac float64

	Batch   int // B, sequences per step; default 8
	Context int // T, tokens per sequence; default n_positions
	Steps   int // total optimizer steps, counting resumed ones; required

	LR          float64 // peak learning rate; default 1e-3 (fine-tuning: 1e-4)
	MinLR       float64 // final learning rate of the cosine decay; default LR/10
	Warmup      int     // warm-up steps; default min(100, Steps/10)
	WeightDecay float64 // AdamW decay of embeddings and matrices; default 0.1 (negative: none)
	ClipNorm    float64 // maximum gradient norm; default 1 (negative: no clipping)
	Seed        uint64  // seeds the initial weights, batches and probe

	EvalEvery   int // steps between validation losses; default 100 (and always at the end)
	EvalBatches int // batches of held-out text per validation; default 8
	ProbeEvery  int // steps between attention probes; default 50 (negative: none)
	ProbeLen    int // random tokens per copy in the probe; default 24

	// RepeatLen is the longest random sequence of the copying
	// curriculum (the shortest is 8, or RepeatLen if less); default T/2.
	// Short sequences repeat many times in a row, so more of the earlier
	// positions a head can copy from are right ones.
	RepeatLen int
	// RepeatPairs is the share of the curriculum's rows that repeat just
	// two tokens (ABAB…), where the next token is the one before the
	// current: they teach a head to look at the previous token, the
	// first half of an induction circuit. Default 0.
	RepeatPairs float64

	// RepeatFrac is the share of training sequences replaced by a
	// random token sequence followed by the same sequence again (from
	// the probe's token range), a curriculum that teaches copying from
	// context: the task an induction head does. Default 0.
	RepeatFrac float64

	Out       string            // checkpoint directory; "" saves nothing
	SaveEvery int               // steps between checkpoints; default 0, only at the end
	DType     safetensors.DType // weights type of saved checkpoints; default F32
	Workers   int               // compute workers; default all CPUs
}

// Progress is what Run reports after each optimizer step.
type Progress struct {
	Step, Steps  int     // steps completed (1-based) and total
	Loss         float64 // training loss of this step's batch (nats per token)
	ValLoss      float64 // held-out loss when HasVal
	HasVal       bool
	LR           float64 // learning rate used for this step
	GradNorm     float64 // gradient norm before clipping
	TokensPerSec float64 // training throughput of this run so far
	Elapsed, ETA time.Duration
	// Probe is set every ProbeEvery steps (and at the last step).
	Probe *Probe
}

// A Probe is the attention of every layer on the fixed induction probe.
type Probe struct {
	Tokens []int // the probe: bos, n random tokens, the same n again
	// Attention[l] is layer l's pattern (NH, T, T), T = len(Tokens);
	// the Probe owns it.
	Attention [][]float32
	// Induction[l][h] is head h's induction score (see InductionScores).
	Induction [][]float64
}

// Result summarizes a finished (or stopped) run.
type Result struct {
	Steps    int           // steps completed in total
	Loss     float64       // training loss of the last step
	ValLoss  float64       // last validation loss (NaN if none)
	Tokens   int64         // tokens trained on in total
	Duration time.Duration // wall time of this run
}

// withDefaults fills the zero fields of o.
func (o Options) withDefaults() Options {
	if o.ValFrac == 0 {
		o.ValFrac = 0.05
	}
	if o.Batch == 0 {
		o.Batch = 8
	}
	if o.LR == 0 {
		o.LR = 1e-3
		if o.From != nil && !o.Resume {
			o.LR = 1e-4
		}
	}
	if o.MinLR == 0 {
		o.MinLR = o.LR / 10
	}
	if o.Warmup == 0 {
		o.Warmup = min(100, o.Steps/10)
	}
	if o.WeightDecay == 0 {
		o.WeightDecay = 0.1
	}
	if o.ClipNorm == 0 {
		o.ClipNorm = 1
	}
	if o.EvalEvery == 0 {
		o.EvalEvery = 100
	}
	if o.EvalBatches == 0 {
		o.EvalBatches = 8
	}
	if o.ProbeEvery == 0 {
		o.ProbeEvery = 50
	}
	if o.ProbeLen == 0 {
		o.ProbeLen = 24
	}
	if o.DType == "" {
		o.DType = safetensors.F32
	}
	return o
}

// Run trains a model as o describes, calling onStep (which may be nil)
// after every step; an error from onStep stops the run. When ctx is
// cancelled or onStep fails, Run saves a checkpoint to o.Out (if set) and
// returns the Result so far with ctx.Err() or onStep's error. Otherwise it
// saves the final checkpoint and returns a nil error.
func Run(ctx context.Context, o Options, onStep func(Progress) error) (Result, error) {
	o = o.withDefaults()
	cfg := o.Config
	if o.From != nil {
		cfg = o.From.Config
		if o.Tokenizer == nil {
			o.Tokenizer = o.From.Tokenizer
		}
	}
	if o.Context == 0 {
		o.Context = cfg.NPositions
	}
	B, T := o.Batch, o.Context
	if o.Steps < 1 {
		return Result{}, fmt.Errorf("%w: Steps = %d, want ≥ 1", ErrOptions, o.Steps)
	}
	if o.RepeatFrac < 0 || o.RepeatFrac > 1 {
		return Result{}, fmt.Errorf("%w: RepeatFrac = %g, want a share in [0, 1]", ErrOptions, o.RepeatFrac)
	}
	if o.Resume && (o.From == nil || o.From.State == nil) {
		return Result{}, fmt.Errorf("%w: resume needs a checkpoint with trainer state: %w", ErrOptions, ErrNoState)
	}
	if o.Out != "" && o.Tokenizer == nil {
		return Result{}, fmt.Errorf("%w: saving checkpoints to %s needs a Tokenizer", ErrOptions, o.Out)
	}
	for i, id := range o.Tokens {
		if id < 0 || id >= cfg.VocabSize {
			return Result{}, fmt.Errorf("%w: Tokens[%d] = %d, vocabulary has %d tokens", ErrOptions, i, id, cfg.VocabSize)
		}
	}
	split := SplitTokens(o.Tokens, max(o.ValFrac, 0), T)
	if len(split.Train) < T+1 {
		return Result{}, fmt.Errorf("%w: %d training tokens, need more than the context %d (HINT: use a bigger corpus or a smaller --context)", ErrOptions, len(split.Train), T)
	}
	pool := kernel.NewPool(o.Workers)
	defer pool.Close()
	g, err := NewGPT(pool, cfg, B, T)
	if err != nil {
		return Result{}, err
	}
	opt := NewAdamW(cfg, max(o.WeightDecay, 0))
	start, res := 0, Result{ValLoss: math.NaN()}
	if o.From != nil {
		g.CopyWeights(o.From.Params)
		if o.Resume {
			st := o.From.State
			copy(opt.M.Flat(), st.M)
			copy(opt.V.Flat(), st.V)
			start, res.Tokens, res.Loss = st.Step, st.Tokens, st.Loss
			if st.ValLoss != 0 {
				res.ValLoss = st.ValLoss
			}
		}
	} else {
		g.Init(rand.New(rand.NewPCG(o.Seed, 0x1417)))

	}
	res.Steps = start

	eot := 0
	if o.Tokenizer != nil {
		eot = max(o.Tokenizer.EndOfText(), 0)
	}
	// The probe shares the weights of g, with its own activations.
	var probe *GPT
	var probeIDs []int
	if o.ProbeEvery > 0 && 2*o.ProbeLen+1 <= cfg.NPositions {
		probe, err = NewGPT(pool, cfg, 1, 2*o.ProbeLen+1)
		if err != nil {
			return Result{}, err
		}
		probe.Params = g.Params
		lo, hi := probeRange(cfg.VocabSize, o.ProbeLen)
		probeIDs = ProbeTokens(rand.New(rand.NewPCG(o.Seed, 0x9b0be)), o.ProbeLen, lo, hi, eot)
	}

	save := func() error {
		if o.Out == "" {
			return nil
		}
		st := &State{Step: res.Steps, Seed: o.Seed, Loss: res.Loss, Tokens: res.Tokens, M: opt.M.Flat(), V: opt.V.Flat(),
			Steps: o.Steps, LR: o.LR, MinLR: o.MinLR, Warmup: o.Warmup, Batch: B, Context: T}
		if !math.IsNaN(res.ValLoss) {
			st.ValLoss = res.ValLoss
		}
		return Save(o.Out, cfg, g.Params, o.Tokenizer, o.DType, st)
	}
	stop := func(cause error) (Result, error) {
		if err := save(); err != nil {
			return res, errors.Join(cause, err)
		}
		return res, cause
	}

	copyLo, copyHi := probeRange(cfg.VocabSize, T/4)
	inputs, targets := make([]int, B*T), make([]int, B*T)
	began := time.Now()
	var trainTime time.Duration
	for step := start; step < o.Steps; step++ {
		if err := ctx.Err(); err != nil {
			res.Duration = time.Since(began)
			return stop(err)
		}
		t0 := time.Now()
		// Batches depend only on the seed and the step, so a resumed run
		// sees the batches the uninterrupted run would have.
		r := rand.New(rand.NewPCG(o.Seed, uint64(step)))
		sampleBatch(r, split.Train, inputs, targets, B, T)
		if o.RepeatFrac > 0 {
			repeatRows(r, o.RepeatFrac, o.RepeatPairs, inputs, targets, B, T, o.RepeatLen, copyLo, copyHi, eot)
		}
		lr := LearningRate(step, o.Warmup, o.Steps, o.LR, o.MinLR)
		g.ZeroGrad()
		loss := g.Forward(inputs, targets)
		g.Backward()
		norm := GradNorm(g.Grads)
		ClipGrads(g.Grads, norm, o.ClipNorm)
		opt.Step(pool, g.Params, g.Grads, lr, step+1)
		trainTime += time.Since(t0)

		res.Steps, res.Loss = step+1, loss
		res.Tokens += int64(B * T)
		done := step + 1 - start
		p := Progress{Step: step + 1, Steps: o.Steps, Loss: loss, LR: lr, GradNorm: norm,
			TokensPerSec: float64(done*B*T) / trainTime.Seconds(), Elapsed: time.Since(began)}
		p.ETA = time.Duration(float64(p.Elapsed) / float64(done) * float64(o.Steps-step-1))
		last := step+1 == o.Steps
		if len(split.Val) > T && ((step+1)%o.EvalEvery == 0 || last) {
			p.ValLoss, p.HasVal = evaluate(g, split.Val, o.EvalBatches, inputs, targets), true
			res.ValLoss = p.ValLoss
		}
		if probe != nil && ((step+1)%o.ProbeEvery == 0 || last || step == start) {
			if p.Probe, err = runProbe(probe, probeIDs, o.ProbeLen); err != nil {
				res.Duration = time.Since(began)
				return stop(err)
			}
		}
		if onStep != nil {
			if err := onStep(p); err != nil {
				res.Duration = time.Since(began)
				return stop(err)
			}
		}
		if o.SaveEvery > 0 && (step+1)%o.SaveEvery == 0 && !last {
			if err := save(); err != nil {
				return res, err
			}
		}
	}
	res.Duration = time.Since(began)
	if err := save(); err != nil {
		return res, err
	}
	return res, nil
}

// evaluate returns the mean loss over n fixed batches of the held-out ids.
func evaluate(g *GPT, ids []int, n int, inputs, targets []int) float64 {
	var sum float64
	for i := 0; i < n; i++ {
		evalBatch(i, ids, inputs, targets, g.B, g.T)
		sum += g.Forward(inputs, targets)
	}
	return sum / float64(n)
}

// runProbe runs the probe ids through probe and copies out every layer's
// attention pattern, as the probe reports it, with the heads' induction
// scores.
func runProbe(probe *GPT, ids []int, n int) (*Probe, error) {
	L, NH := probe.Config.NLayer, probe.Config.NHead
	p := &Probe{Tokens: append([]int(nil), ids...), Attention: make([][]float32, L), Induction: make([][]float64, L)}
	sel, err := trace.Select(L, "blocks.*."+trace.AttnPattern)
	if err != nil {
		return nil, fmt.Errorf("train: probe: %w", err)
	}
	rec := trace.RecorderFunc(func(t trace.Tensor) error {
		if l, _, ok := trace.ParseBlock(t.Name); ok {
			p.Attention[l] = append([]float32(nil), t.Data...)
			p.Induction[l] = InductionScores(p.Attention[l], NH, n)
		}
		return nil
	})
	if err := probe.Record(ids, trace.Only(sel, rec)); err != nil {
		return nil, fmt.Errorf("train: probe: %w", err)
	}
	return p, nil
}
