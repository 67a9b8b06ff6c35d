package train

import (
	"github.com/transformer-explorer/explorer/engine"
	"github.com/transformer-explorer/explorer/engine/tokenizer"
)

// A Shape is the size of a new model. Zero fields take the default
// model's values, the Default constants.
type Shape struct {
	Layers  int // L, transformer blocks
	Heads   int // NH, attention heads per block
	Width   int // C, residual channels (a multiple of Heads)
	Context int // T, positions
}

// The shape of the explorer's default model (engine/defaultmodel).
const (
	DefaultLayers  = 4
	DefaultHeads   = 4
	DefaultWidth   = 128
	DefaultContext = 256
)

// NewConfig returns the configuration of a new GPT-2 of shape s over the
// vocabulary of tok: tanh-approximated GELU (gelu_new), layer-norm ε 1e-5,
// and the end-of-text token as both beginning and end of sequence, as
// GPT-2 has them.
func NewConfig(tok *tokenizer.Tokenizer, s Shape) engine.Config {
	if s.Layers == 0 {
		s.Layers = DefaultLayers
	}
	if s.Heads == 0 {
		s.Heads = DefaultHeads
	}
	if s.Width == 0 {
		s.Width = DefaultWidth
	}
	if s.Context == 0 {
		s.Context = DefaultContext
	}
	eot := tok.EndOfText()
	return engine.Config{ModelType: "gpt2", Architectures: []string{"GPT2LMHeadModel"},
		VocabSize: tok.VocabSize(), NPositions: s.Context, NEmbd: s.Width, NLayer: s.Layers, NHead: s.Heads,
		ActivationFunction: "gelu_new", LayerNormEpsilon: 1e-5, BOSTokenID: &eot, EOSTokenID: &eot}
}

// OffIfZero returns x, or −1 when x is 0: for settings such as
// WeightDecay and ClipNorm, where a person's 0 means "off" while a zero
// field of Options means "the default".
func OffIfZero(x float64) float64 {
	if x == 0 {
		return -1
	}
	return x
}

// The settings a resumed run can take from the State it was saved with.
const (
	SettingSteps   = "steps"
	SettingSeed    = "seed"
	SettingLR      = "lr" // with the final learning rate of the decay
	SettingWarmup  = "warmup"
	SettingBatch   = "batch"
	SettingContext = "context"
)

// Continue returns o for resuming the run st was saved from: each
// setting for which chosen reports false (the person did not give it
// again) is taken from st, so that resuming alone continues the run as
// it was started, on the same path.
func (st *State) Continue(o Options, chosen func(setting string) bool) Options {
	if !chosen(SettingSteps) {
		o.Steps = st.Steps
	}
	if !chosen(SettingSeed) {
		o.Seed = st.Seed
	}
	if !chosen(SettingLR) {
		o.LR, o.MinLR = st.LR, st.MinLR
	}
	if !chosen(SettingWarmup) {
		o.Warmup = st.Warmup
	}
	if !chosen(SettingBatch) {
		o.Batch = st.Batch
	}
	if !chosen(SettingContext) {
		o.Context = st.Context
	}
	return o
}

// Best returns the highest induction score of the probe's heads from
// layer InductionFromLayer on, and the layer and head that have it; the
// score is −1 when the model has no such layer.
func (p *Probe) Best() (score float64, layer, head int) {
	score = -1
	for l, hs := range p.Induction {
		if l < InductionFromLayer {
			continue
		}
		for h, s := range hs {
			if s > score {
				score, layer, head = s, l, h
			}
		}
	}
	return score, layer, head
}

// InductionFromLayer is the first layer whose heads can be induction
// heads. An induction head finds the token after an earlier occurrence of
// the current token, so its keys must already carry the token before
// them, which only an earlier layer can have written. A head of layer 0
// sees each token and its position alone; on a probe of random tokens it
// can reach the induction position only by distance (always n−1 back),
// a positional habit that would score on this probe and on no other.
const InductionFromLayer = 1

// InductionThreshold is the standard induction score from which the
// training view calls a head an induction head. Uniform attention over
// the second copy of a probe of n random tokens scores about 1/(1.5n)
// (0.06 for the view's n = 12), a head that copies perfectly 1.
const InductionThreshold = 0.2
