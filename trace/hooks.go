package trace

import (
	"fmt"
	"strconv"
	"strings"
)

// Hook names outside the blocks, as TransformerLens spells them.
const (
	Embed             = "hook_embed"     // [T, C] token embeddings wte[ids]
	PosEmbed          = "hook_pos_embed" // [T, C] position embeddings wpe[0:T]
	LNFinalScale      = "ln_final.hook_scale"
	LNFinalNormalized = "ln_final.hook_normalized"
	Logits            = "logits" // [T, V]
)

// Points inside block i; the full hook name is Block(i, point).
const (
	ResidPre      = "hook_resid_pre"      // [T, C] residual stream entering the block
	LN1Scale      = "ln1.hook_scale"      // [T, 1] √(var + ε) of each position
	LN1Normalized = "ln1.hook_normalized" // [T, C] LayerNorm output, after γ and β
	AttnQ         = "attn.hook_q"         // [T, H, D]
	AttnK         = "attn.hook_k"         // [T, H, D]
	AttnV         = "attn.hook_v"         // [T, H, D]
	AttnScores    = "attn.hook_attn_scores"
	AttnPattern   = "attn.hook_pattern"
	AttnZ         = "attn.hook_z"    // [T, H, D] pattern-weighted sum of values
	AttnOut       = "hook_attn_out"  // [T, C] after the output projection
	ResidMid      = "hook_resid_mid" // [T, C] resid_pre + attn_out
	LN2Scale      = "ln2.hook_scale"
	LN2Normalized = "ln2.hook_normalized"
	MLPPre        = "mlp.hook_pre"  // [T, 4C] before GELU
	MLPPost       = "mlp.hook_post" // [T, 4C] after GELU
	MLPOut        = "hook_mlp_out"  // [T, C]
	ResidPost     = "hook_resid_post"
)

// Derived hooks: not TransformerLens names, but computed by the engine from
// the logits so that the UI and plots need no model math of their own.
const (
	// NextTopIDs [T, K] holds, at each position, the ids of the K most
	// probable next tokens, most probable first (stored as float32 in
	// memory, exact below 2²⁴; written to files as I64).
	NextTopIDs = "next.top_ids"
	// NextTopProbs [T, K] holds their probabilities.
	NextTopProbs = "next.top_probs"
	// NextLoss [T-1] holds −log p(ids[t+1] | ids[0..t]) for t = 0..T-2 (natural log).
	// A pass of one generated token reports none; a recorder that knows the
	// token's loss (from the logits it was drawn from) may record it as a
	// pass of [1] at Offset T-1, and the passes join along the positions.
	NextLoss = "next.loss"
	// LensTopIDs [L+1, T, K] is the logit lens: row l applies the final
	// LayerNorm and the unembedding to the residual stream entering block l
	// (row L: leaving the last block) and keeps the top K ids.
	LensTopIDs = "lens.top_ids"
	// LensTopProbs [L+1, T, K] holds their probabilities.
	LensTopProbs = "lens.top_probs"
)

// blockPoints lists the points of a block in the order the engine produces them.
var blockPoints = [...]string{
	ResidPre, LN1Scale, LN1Normalized, AttnQ, AttnK, AttnV, AttnScores, AttnPattern,
	AttnZ, AttnOut, ResidMid, LN2Scale, LN2Normalized, MLPPre, MLPPost, MLPOut, ResidPost,
}

// BlockPoints returns the hook points of one block in forward order.
func BlockPoints() []string { return append([]string(nil), blockPoints[:]...) }

// Block returns the full hook name of point in block i, e.g.
// Block(3, AttnPattern) = "blocks.3.attn.hook_pattern".
func Block(i int, point string) string {
	return "blocks." + strconv.Itoa(i) + "." + point
}

// ParseBlock splits a block hook name into its layer and point. It reports
// false for names outside the blocks.
func ParseBlock(name string) (layer int, point string, ok bool) {
	rest, found := strings.CutPrefix(name, "blocks.")
	if !found {
		return 0, "", false
	}
	num, point, found := strings.Cut(rest, ".")
	if !found {
		return 0, "", false
	}
	layer, err := strconv.Atoi(num)
	if err != nil || layer < 0 || strconv.Itoa(layer) != num {
		return 0, "", false
	}
	return layer, point, isBlockPoint(point)
}

func isBlockPoint(p string) bool {
	for _, q := range blockPoints {
		if p == q {
			return true
		}
	}
	return false
}

// Names returns every hook name of an nLayer model in the order a forward
// pass produces them, followed by the derived hooks.
func Names(nLayer int) []string {
	names := []string{Embed, PosEmbed}
	for i := 0; i < nLayer; i++ {
		for _, p := range blockPoints {
			names = append(names, Block(i, p))
		}
	}
	return append(names, LNFinalScale, LNFinalNormalized, Logits,
		NextTopIDs, NextTopProbs, NextLoss, LensTopIDs, LensTopProbs)
}

// Dims are the sizes that fix every hook's shape.
type Dims struct {
	T int // positions in this pass (query rows)
	// Keys is the number of key positions the queries attend to: T for a
	// prompt, the full length so far for a token generated with a cache.
	Keys int
	C    int // residual width (n_embd)
	H    int // attention heads
	D    int // head size C/H
	F    int // MLP width (4C for GPT-2)
	V    int // vocabulary size
	L    int // layers
	K    int // top-k width of the derived hooks
}

// Layout describes a hook's tensor: its shape for given dims and how it
// grows when generated tokens add positions.
type Layout struct {
	Shape []int
	// PosAxis is the axis indexed by (query) position.
	PosAxis int
	// KeyAxis is the axis indexed by key position in attention tensors, or -1.
	KeyAxis int
	// IDs reports whether the values are token ids (written to files as I64).
	IDs bool
	// Axes names what each axis of Shape indexes, for a viewer that must
	// lay the tensor out: AxisHead, AxisPos, AxisKey, AxisChannel,
	// AxisDim, AxisNeuron, AxisVocab, AxisRank, AxisLayer or AxisOne.
	Axes []string
}

// The names of a Layout's axes.
const (
	AxisHead    = "head"    // attention head
	AxisPos     = "pos"     // (query) position
	AxisKey     = "key"     // key position
	AxisChannel = "channel" // residual stream channel, of C
	AxisDim     = "dim"     // dimension within a head, of D
	AxisNeuron  = "neuron"  // MLP neuron, of F
	AxisVocab   = "vocab"   // vocabulary entry, of V
	AxisRank    = "rank"    // place in a top-k list, of K
	AxisLayer   = "layer"   // logit-lens row, of L+1
	AxisOne     = "one"     // a single value
)

// LayoutOf returns the layout of the named hook, or an error wrapping
// ErrUnknownHook.
func LayoutOf(name string, d Dims) (Layout, error) {
	if _, point, ok := ParseBlock(name); ok {
		if d.Keys == 0 {
			d.Keys = d.T
		}
		switch point {
		case LN1Scale, LN2Scale:
			return Layout{Shape: []int{d.T, 1}, KeyAxis: -1, Axes: []string{AxisPos, AxisOne}}, nil
		case AttnQ, AttnK, AttnV, AttnZ:
			return Layout{Shape: []int{d.T, d.H, d.D}, KeyAxis: -1, Axes: []string{AxisPos, AxisHead, AxisDim}}, nil
		case AttnScores, AttnPattern:
			return Layout{Shape: []int{d.H, d.T, d.Keys}, PosAxis: 1, KeyAxis: 2, Axes: []string{AxisHead, AxisPos, AxisKey}}, nil
		case MLPPre, MLPPost:
			return Layout{Shape: []int{d.T, d.F}, KeyAxis: -1, Axes: []string{AxisPos, AxisNeuron}}, nil
		default:
			return Layout{Shape: []int{d.T, d.C}, KeyAxis: -1, Axes: []string{AxisPos, AxisChannel}}, nil
		}
	}
	switch name {
	case Embed, PosEmbed, LNFinalNormalized:
		return Layout{Shape: []int{d.T, d.C}, KeyAxis: -1, Axes: []string{AxisPos, AxisChannel}}, nil
	case LNFinalScale:
		return Layout{Shape: []int{d.T, 1}, KeyAxis: -1, Axes: []string{AxisPos, AxisOne}}, nil
	case Logits:
		return Layout{Shape: []int{d.T, d.V}, KeyAxis: -1, Axes: []string{AxisPos, AxisVocab}}, nil
	case NextTopIDs:
		return Layout{Shape: []int{d.T, d.K}, KeyAxis: -1, IDs: true, Axes: []string{AxisPos, AxisRank}}, nil
	case NextTopProbs:
		return Layout{Shape: []int{d.T, d.K}, KeyAxis: -1, Axes: []string{AxisPos, AxisRank}}, nil
	case NextLoss:
		return Layout{Shape: []int{max(d.T-1, 0)}, KeyAxis: -1, Axes: []string{AxisPos}}, nil
	case LensTopIDs:
		return Layout{Shape: []int{d.L + 1, d.T, d.K}, PosAxis: 1, KeyAxis: -1, IDs: true, Axes: []string{AxisLayer, AxisPos, AxisRank}}, nil
	case LensTopProbs:
		return Layout{Shape: []int{d.L + 1, d.T, d.K}, PosAxis: 1, KeyAxis: -1, Axes: []string{AxisLayer, AxisPos, AxisRank}}, nil
	}
	return Layout{}, fmt.Errorf("%w %q", ErrUnknownHook, name)
}

// IsIDs reports whether the named hook holds token ids rather than values.
func IsIDs(name string) bool { return name == NextTopIDs || name == LensTopIDs }
