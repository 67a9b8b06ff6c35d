package trace

import (
	"fmt"
	"strconv"
)

// StepKind names what a step of the computation does. The lessons are keyed
// by kind, so the same lesson explains that step in every layer.
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
	// ID is stable and short, for URLs: "embed", "L3.scores", "logits".
	ID    string
	Kind  StepKind
	Layer int // the block, or -1 outside the blocks
	Title string
	// Formula is the step's formula in LaTeX (the subset the lessons render).
	Formula string
	// Hooks are the tensors that show the step, most important first; the
	// tokenize step has none.
	Hooks []string
}

type stepTemplate struct {
	kind    StepKind
	title   string
	formula string
	points  []string
}

// blockSteps is the per-block recipe; points are block points or full
// names outside the blocks.
var blockSteps = [...]stepTemplate{
	{StepLN1, "LayerNorm 1", `\hat{x} = \frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}} \odot \gamma + \beta`, []string{LN1Normalized, LN1Scale, ResidPre}},
	{StepQKV, "Queries, keys, values", `Q = \hat{x} W_Q + b_Q,\; K = \hat{x} W_K + b_K,\; V = \hat{x} W_V + b_V`, []string{AttnQ, AttnK, AttnV}},
	{StepScores, "Attention scores", `S = \frac{Q K^\top}{\sqrt{d_k}}`, []string{AttnScores}},
	{StepMask, "Causal mask", `S_{ij} = -\infty \text{ for } j > i`, []string{AttnScores}},
	{StepSoftmax, "Softmax", `A_{ij} = \frac{e^{S_{ij}}}{\sum_{k \le i} e^{S_{ik}}}`, []string{AttnPattern}},
	{StepWeightedSum, "Weighted sum of values", `z_i = \sum_{j \le i} A_{ij} V_j`, []string{AttnZ, AttnPattern}},
	{StepAttnOut, "Output projection", `\mathrm{attn} = \mathrm{concat}(z^{(1)}, \ldots, z^{(H)})\, W_O + b_O`, []string{AttnOut}},
	{StepResidMid, "Residual add", `x_{\mathrm{mid}} = x + \mathrm{attn}`, []string{ResidMid}},
	{StepLN2, "LayerNorm 2", `\hat{x} = \frac{x_{\mathrm{mid}} - \mu}{\sqrt{\sigma^2 + \epsilon}} \odot \gamma + \beta`, []string{LN2Normalized, LN2Scale}},
	{StepMLP, "Feed-forward network", `\mathrm{mlp} = \mathrm{GELU}(\hat{x} W_1 + b_1)\, W_2 + b_2`, []string{MLPPre, MLPPost, MLPOut}},
	{StepResidPost, "Residual add", `x_{\mathrm{out}} = x_{\mathrm{mid}} + \mathrm{mlp}`, []string{ResidPost}},
}

// Steps returns the ordered steps of a forward pass through an nLayer
// model: tokenize, embed, add positions, then per block the eleven steps
// from LayerNorm 1 to the second residual add, then the final LayerNorm,
// logits, probabilities and sampling.
func Steps(nLayer int) []Step {
	steps := []Step{
		{ID: "tokenize", Kind: StepTokenize, Layer: -1, Title: "Tokenize", Formula: `\text{text} \mapsto (t_0, t_1, \ldots, t_{T-1})`},
		{ID: "embed", Kind: StepEmbed, Layer: -1, Title: "Token embedding", Formula: `e_i = W_E[t_i]`, Hooks: []string{Embed}},
		{ID: "pos_embed", Kind: StepPosEmbed, Layer: -1, Title: "Add positions", Formula: `x_i = W_E[t_i] + W_P[i]`, Hooks: []string{PosEmbed, Block(0, ResidPre)}},
	}
	for l := 0; l < nLayer; l++ {
		for _, st := range blockSteps {
			s := Step{
				ID:      "L" + strconv.Itoa(l) + "." + string(st.kind),
				Kind:    st.kind,
				Layer:   l,
				Title:   fmt.Sprintf("Layer %d · %s", l, st.title),
				Formula: st.formula,
			}
			for _, p := range st.points {
				s.Hooks = append(s.Hooks, Block(l, p))
			}
			steps = append(steps, s)
		}
	}
	return append(steps,
		Step{ID: "ln_final", Kind: StepLNFinal, Layer: -1, Title: "Final LayerNorm", Formula: `\hat{x} = \mathrm{LN}_f(x_{\mathrm{out}}^{(L-1)})`, Hooks: []string{LNFinalNormalized, LNFinalScale}},
		Step{ID: "logits", Kind: StepLogits, Layer: -1, Title: "Logits", Formula: `z = \hat{x}\, W_E^\top`, Hooks: []string{Logits}},
		Step{ID: "probs", Kind: StepProbs, Layer: -1, Title: "Next-token probabilities", Formula: `p_i = \frac{e^{z_i}}{\sum_j e^{z_j}}`, Hooks: []string{NextTopProbs, NextTopIDs, NextLoss}},
		Step{ID: "sample", Kind: StepSample, Layer: -1, Title: "Pick the next token", Formula: `t_T \sim p(\cdot \mid t_0, \ldots, t_{T-1})`, Hooks: []string{NextTopIDs, NextTopProbs}},
	)
}

// StepKinds returns every kind of step once, in forward order.
func StepKinds() []StepKind {
	var kinds []StepKind
	seen := map[StepKind]bool{}
	for _, s := range Steps(1) {
		if !seen[s.Kind] {
			seen[s.Kind] = true
			kinds = append(kinds, s.Kind)
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
