package lessons

import (
	"github.com/transformer-explorer/explorer/lessons/i18n"
	"github.com/transformer-explorer/explorer/trace"
)

// stepFormulas are the formulas of the kinds of step, in the LaTeX subset
// lessons/mathml converts, in the lessons' notation: h is a LayerNorm's
// output (after its gain and bias), x̂ the normalized vector before them. trace knows the steps; how a step is written
// on the board belongs with the lessons.
var stepFormulas = map[trace.StepKind]string{
	trace.StepTokenize:    `\text{text} \mapsto (t_0, t_1, \ldots, t_{T-1})`,
	trace.StepEmbed:       `e_i = W_E[t_i]`,
	trace.StepPosEmbed:    `x_i = W_E[t_i] + W_P[i]`,
	trace.StepLN1:         `h = \gamma \odot \frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}} + \beta`,
	trace.StepQKV:         `Q = h W_Q + b_Q,\; K = h W_K + b_K,\; V = h W_V + b_V`,
	trace.StepScores:      `S = \frac{Q K^\top}{\sqrt{d_k}}`,
	trace.StepMask:        `S_{ij} = -\infty \text{ for } j > i`,
	trace.StepSoftmax:     `A_{ij} = \frac{e^{S_{ij}}}{\sum_{k \le i} e^{S_{ik}}}`,
	trace.StepWeightedSum: `z_i = \sum_{j \le i} A_{ij} V_j`,
	trace.StepAttnOut:     `\mathrm{attn} = \mathrm{concat}(z^{(1)}, \ldots, z^{(H)})\, W_O + b_O`,
	trace.StepResidMid:    `x_{\mathrm{mid}} = x + \mathrm{attn}`,
	trace.StepLN2:         `h = \gamma \odot \frac{x_{\mathrm{mid}} - \mu}{\sqrt{\sigma^2 + \epsilon}} + \beta`,
	trace.StepMLP:         `\mathrm{mlp} = \mathrm{GELU}(h W_1 + b_1)\, W_2 + b_2`,
	trace.StepResidPost:   `x_{\mathrm{out}} = x_{\mathrm{mid}} + \mathrm{mlp}`,
	trace.StepLNFinal:     `h = \mathrm{LN}_f(x_{\mathrm{out}}^{(L-1)})`,
	trace.StepLogits:      `z = h\, W_E^\top`,
	trace.StepProbs:       `p_i = \frac{e^{z_i}}{\sum_j e^{z_j}}`,
	trace.StepSample:      `t_T \sim p(\cdot \mid t_0, \ldots, t_{T-1})`,
}

// StepFormula returns the formula of a kind of step in LaTeX (the subset
// lessons/mathml converts), or "" for an unknown kind.
func StepFormula(k trace.StepKind) string { return stepFormulas[k] }

// StepTitle returns the teaching title of a step in lang: the kind's name
// (catalogue key "step.KIND"), inside the blocks with its layer, e.g.
// "Layer 2 · Softmax" or "第 2 层 · Softmax".
func StepTitle(k trace.StepKind, layer int, lang string) string {
	name := i18n.Text(lang, "step."+string(k))
	if !k.InBlock() {
		return name
	}
	return i18n.T(lang, "step.inLayer", "layer", layer, "name", name)
}
