package trace

import (
	"strconv"
	"strings"
)

// StepKind names what a step of the computation does. The lessons are keyed
// by kind, so the same lesson explains that step in every layer. The words
// and formulas that teach a kind belong to the lessons (lessons/i18n keys
// "step.KIND", lessons.StepFormula); trace keeps only the kinds, their
// IDs and the hooks that show them.
type StepKind string

// The kinds of step, in the order a forward pass meets them.
const (
	StepTokenize    StepKind = "tokenize"
	StepEmbed       StepKind = "embed"
	StepPosEmbed    StepKind = "pos_embed"
	StepLN1         StepKind = "ln1"
	StepQKV         StepKind = "qkv"
	StepScores      StepKind = "scores"
	StepMask        StepKind = "mask"
	StepSoftmax     StepKind = "softmax"
	StepWeightedSum StepKind = "weighted_sum"
	StepAttnOut     StepKind = "attn_out"
	StepResidMid    StepKind = "resid_mid"
	StepLN2         StepKind = "ln2"
	StepMLP         StepKind = "mlp"
	StepResidPost   StepKind = "resid_post"
	StepLNFinal     StepKind = "ln_final"
	StepLogits      StepKind = "logits"
	StepProbs       StepKind = "probs"
	StepSample      StepKind = "sample"
)

// A Step is one formula of the forward pass, with the hooks that show it.
type Step struct {
	// ID is stable and short, for URLs: "embed", "L3.scores", "logits"
	// (see StepID).
	ID    string
	Kind  StepKind
	Layer int // the block, or -1 outside the blocks
	// Hooks are the tensors that show the step, most important first; the
	// tokenize step has none.
	Hooks []string
}

// A stepRecipe is one kind of step and the points (block points inside
// the blocks, full hook names outside) that show it.
type stepRecipe struct {
	kind   StepKind
	points []string
}

// beforeBlocks, blockSteps and afterBlocks are the recipe of a forward
// pass: the steps before the first block, the steps of every block, and
// the steps after the last. Every kind appears in exactly one of them.
var (
	beforeBlocks = [...]stepRecipe{
		{StepTokenize, nil},
		{StepEmbed, []string{Embed}},
		{StepPosEmbed, []string{PosEmbed, Block(0, ResidPre)}},
	}
	blockSteps = [...]stepRecipe{
		{StepLN1, []string{LN1Normalized, LN1Scale, ResidPre}},
		{StepQKV, []string{AttnQ, AttnK, AttnV}},
		{StepScores, []string{AttnScores}},
		// The mask step shows the scores before the mask (from Q and K)
		// and after it.
		{StepMask, []string{AttnScores, AttnQ, AttnK}},
		{StepSoftmax, []string{AttnPattern}},
		{StepWeightedSum, []string{AttnZ, AttnPattern, AttnV}},
		{StepAttnOut, []string{AttnOut}},
		{StepResidMid, []string{ResidMid}},
		{StepLN2, []string{LN2Normalized, LN2Scale}},
		{StepMLP, []string{MLPPre, MLPPost, MLPOut}},
		{StepResidPost, []string{ResidPost}},
	}
	afterBlocks = [...]stepRecipe{
		{StepLNFinal, []string{LNFinalNormalized, LNFinalScale}},
		{StepLogits, []string{Logits}},
		{StepProbs, []string{NextTopProbs, NextTopIDs, NextLoss}},
		{StepSample, []string{NextTopIDs, NextTopProbs}},
	}
)

// InBlock reports whether steps of kind k happen inside every block (and
// so have one step per layer).
func (k StepKind) InBlock() bool {
	for _, r := range blockSteps {
		if r.kind == k {
			return true
		}
	}
	return false
}

// Valid reports whether k is a kind of step.
func (k StepKind) Valid() bool {
	for _, kk := range StepKinds() {
		if kk == k {
			return true
		}
	}
	return false
}

// StepID returns the ID of the step of kind k in a layer: "L3.scores" for
// a step inside the blocks, the kind itself ("embed") outside them, where
// layer is ignored.
func StepID(k StepKind, layer int) string {
	if k.InBlock() {
		return "L" + strconv.Itoa(layer) + "." + string(k)
	}
	return string(k)
}

// ParseStepID splits a step ID into its kind and layer (-1 outside the
// blocks). It reports false for an ID of no known kind, and for a block
// kind without a layer or an outside kind with one.
func ParseStepID(id string) (kind StepKind, layer int, ok bool) {
	if rest, found := strings.CutPrefix(id, "L"); found {
		if n, k, found := strings.Cut(rest, "."); found {
			l, err := strconv.Atoi(n)
			if err == nil && l >= 0 && strconv.Itoa(l) == n && StepKind(k).InBlock() {
				return StepKind(k), l, true
			}
		}
	}
	if k := StepKind(id); k.Valid() && !k.InBlock() {
		return k, -1, true
	}
	return "", 0, false
}

// Steps returns the ordered steps of a forward pass through an nLayer
// model: tokenize, embed, add positions, then per block the eleven steps
// from LayerNorm 1 to the second residual add, then the final LayerNorm,
// logits, probabilities and sampling.
func Steps(nLayer int) []Step {
	var steps []Step
	outside := func(r stepRecipe) {
		steps = append(steps, Step{ID: StepID(r.kind, -1), Kind: r.kind, Layer: -1, Hooks: r.points})
	}
	for _, r := range beforeBlocks {
		outside(r)
	}
	for l := 0; l < nLayer; l++ {
		for _, r := range blockSteps {
			s := Step{ID: StepID(r.kind, l), Kind: r.kind, Layer: l}
			for _, p := range r.points {
				s.Hooks = append(s.Hooks, Block(l, p))
			}
			steps = append(steps, s)
		}
	}
	for _, r := range afterBlocks {
		outside(r)
	}
	for i := range steps {
		steps[i].Hooks = append([]string(nil), steps[i].Hooks...)
	}
	return steps
}

// StepKinds returns every kind of step once, in forward order.
func StepKinds() []StepKind {
	var kinds []StepKind
	for _, list := range [][]stepRecipe{beforeBlocks[:], blockSteps[:], afterBlocks[:]} {
		for _, r := range list {
			kinds = append(kinds, r.kind)
		}
	}
	return kinds
}

// FindStep returns the index of the step with the given ID.
func FindStep(steps []Step, id string) (int, bool) {
	for i, s := range steps {
		if s.ID == id {
			return i, true
		}
	}
	return 0, false
}
