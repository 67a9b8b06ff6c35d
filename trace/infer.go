package trace

import (
	"fmt"
	"strings"
)

// This file infers a model's shape from the tensors of a trace file.
//
// Every hook's shape is a list of named sizes (T positions, C width, H
// heads, D head size, F MLP width, V vocabulary, K top-k width, L1 = L+1
// lens rows) or the literal 1. The first tensor that fixes a size sets it,
// and every later tensor must agree; a tensor that does not says which
// tensor fixed the size first, so a user can see which of the two is wrong.

// A size is one axis of a hook's symbolic shape.
type size string

// The named sizes; "1" is a literal.
const (
	sizeT   size = "T"
	sizeC   size = "C"
	sizeH   size = "H"
	sizeD   size = "D"
	sizeF   size = "F"
	sizeV   size = "V"
	sizeK   size = "K"
	sizeL1  size = "L+1"
	sizeOne size = "1"
	// sizeLoss is next.loss's single axis: T-1 for a prompt, fewer when
	// tokens were generated after it (they add no loss).
	sizeLoss size = "T-1"
)

// sizeWords names each size for error messages.
var sizeWords = map[size]string{
	sizeT: "positions", sizeC: "residual width", sizeH: "heads", sizeD: "head size",
	sizeF: "MLP width", sizeV: "vocabulary size", sizeK: "top-k width", sizeL1: "layers + 1",
}

// symbolicShape returns the named sizes of a hook's axes, without the batch
// dimension, and whether the hook is one the explorer knows.
func symbolicShape(name string) ([]size, bool) {
	if _, point, ok := ParseBlock(name); ok {
		switch point {
		case LN1Scale, LN2Scale:
			return []size{sizeT, sizeOne}, true
		case AttnQ, AttnK, AttnV, AttnZ:
			return []size{sizeT, sizeH, sizeD}, true
		case AttnScores, AttnPattern:
			return []size{sizeH, sizeT, sizeT}, true
		case MLPPre, MLPPost:
			return []size{sizeT, sizeF}, true
		default:
			return []size{sizeT, sizeC}, true
		}
	}
	switch name {
	case Embed, PosEmbed, LNFinalNormalized:
		return []size{sizeT, sizeC}, true
	case LNFinalScale:
		return []size{sizeT, sizeOne}, true
	case Logits:
		return []size{sizeT, sizeV}, true
	case NextTopIDs, NextTopProbs:
		return []size{sizeT, sizeK}, true
	case NextLoss:
		return []size{sizeLoss}, true
	case LensTopIDs, LensTopProbs:
		return []size{sizeL1, sizeT, sizeK}, true
	case InputIDs:
		return []size{sizeT}, true
	}
	return nil, false
}

// shapeText spells a symbolic shape, e.g. "[H T T]".
func shapeText(s []size) string {
	parts := make([]string, len(s))
	for i, x := range s {
		parts[i] = string(x)
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// sizes holds the sizes fixed so far and which tensor fixed each.
type sizes struct {
	val map[size]int
	by  map[size]string
}

func newSizes() *sizes { return &sizes{val: map[size]int{}, by: map[size]string{}} }

// fix records that tensor name says s is n, or returns an error when an
// earlier tensor said otherwise.
func (z *sizes) fix(s size, n int, name string) error {
	if old, ok := z.val[s]; ok {
		if old != n {
			return fmt.Errorf("%w: %s has %d %s (%s), but %s has %d",
				ErrShape, name, n, sizeWords[s], s, z.by[s], old)
		}
		return nil
	}
	z.val[s], z.by[s] = n, name
	return nil
}

// match checks the shape of hook name (its batch dimension removed)
// against its symbolic shape and fixes the sizes it names.
func (z *sizes) match(name string, want []size, shape []int) error {
	if len(shape) != len(want) {
		return fmt.Errorf("%w: %s is %v; want %s", ErrShape, name, shape, shapeText(want))
	}
	if _, point, ok := ParseBlock(name); ok && (point == AttnPattern || point == AttnScores) && shape[1] != shape[2] {
		return fmt.Errorf("%w: %s is %v, not square: attention is [heads, queries, keys] with a key for every query (a pattern of a prompt, not of one cached token)",
			ErrShape, name, shape)
	}
	for i, s := range want {
		switch s {
		case sizeOne:
			if shape[i] != 1 {
				return fmt.Errorf("%w: %s is %v; want %s", ErrShape, name, shape, shapeText(want))
			}
		case sizeLoss:
			// Checked against T once every tensor is read.
			if err := z.fix(sizeLoss, shape[i], name); err != nil {
				return err
			}
		default:
			if shape[i] < 1 {
				return fmt.Errorf("%w: %s is %v: every axis of %s needs at least one entry", ErrShape, name, shape, shapeText(want))
			}
			if err := z.fix(s, shape[i], name); err != nil {
				return err
			}
		}
	}
	return nil
}

// model completes the sizes into a model description: the width, heads
// and head size from one another (the heads must divide the width), and
// the layers from the lens rows when there are any, else from layers, the
// number of blocks seen. With exact, layers is what the file's metadata
// says and the lens rows must agree with it. Sizes that no tensor fixes
// stay 0.
func (z *sizes) model(layers int, exact bool) (ModelInfo, error) {
	T, C, H, D := z.val[sizeT], z.val[sizeC], z.val[sizeH], z.val[sizeD]
	if T == 0 {
		return ModelInfo{}, fmt.Errorf("%w: no tensor says how many positions there are", ErrShape)
	}
	if n, ok := z.val[sizeLoss]; ok && n > T-1 {
		return ModelInfo{}, fmt.Errorf("%w: %s has %d losses, but %d positions have at most %d (one per next token)",
			ErrShape, z.by[sizeLoss], n, T, T-1)
	}
	switch {
	case C > 0 && H > 0 && D > 0 && H*D != C:
		return ModelInfo{}, fmt.Errorf("%w: %d heads (%s) of size %d (%s) do not make the residual width %d (%s)",
			ErrShape, H, z.by[sizeH], D, z.by[sizeD], C, z.by[sizeC])
	case C > 0 && H > 0 && C%H != 0:
		return ModelInfo{}, fmt.Errorf("%w: %d heads (%s) do not divide the residual width %d (%s)",
			ErrShape, H, z.by[sizeH], C, z.by[sizeC])
	case C > 0 && D > 0 && C%D != 0:
		return ModelInfo{}, fmt.Errorf("%w: the head size %d (%s) does not divide the residual width %d (%s)",
			ErrShape, D, z.by[sizeD], C, z.by[sizeC])
	case C == 0 && H > 0 && D > 0:
		C = H * D
	case H == 0 && C > 0 && D > 0:
		H = C / D
	}
	if l1, ok := z.val[sizeL1]; ok {
		switch {
		case exact && l1 != layers+1:
			return ModelInfo{}, fmt.Errorf("%w: %s has %d rows, but %d layers need %d (one entering each layer and one after the last)",
				ErrShape, z.by[sizeL1], l1, layers, layers+1)
		case l1 < layers+1:
			return ModelInfo{}, fmt.Errorf("%w: %s has %d rows, but blocks 0 to %d need %d (one entering each layer and one after the last)",
				ErrShape, z.by[sizeL1], l1, layers-1, layers+1)
		}
		if l1-1 > MaxLayers {
			return ModelInfo{}, fmt.Errorf("%w: %s has %d rows; a trace has at most %d layers", ErrShape, z.by[sizeL1], l1, MaxLayers)
		}
		layers = l1 - 1
	}
	return ModelInfo{NLayer: layers, NHead: H, NEmbd: C, NInner: z.val[sizeF], VocabSize: z.val[sizeV]}, nil
}

// seed fixes the sizes a model description states, so that every tensor is
// checked against the description. (Its layer count is checked by model.)
func (z *sizes) seed(m ModelInfo, source string) error {
	for _, kv := range []struct {
		s size
		n int
	}{{sizeC, m.NEmbd}, {sizeH, m.NHead}, {sizeD, m.HeadSize()}, {sizeF, m.NInner}, {sizeV, m.VocabSize}} {
		if kv.n > 0 {
			if err := z.fix(kv.s, kv.n, source); err != nil {
				return err
			}
		}
	}
	return nil
}

// Fits reports whether m, a model description inferred from a trace's
// tensors (see Open), fits the description of a known model: every size
// the tensors fixed (not zero) is the model's, and the trace has at most
// the model's layers (a cache may keep only the first blocks). The known
// description can then stand for the inferred one, with what no tensor
// shows: the context length, LayerNorm's ε, the activation.
func (m ModelInfo) Fits(known ModelInfo) bool {
	same := func(got, want int) bool { return got == 0 || got == want }
	return same(m.NHead, known.NHead) && same(m.NEmbd, known.NEmbd) && same(m.NInner, known.Inner()) &&
		same(m.VocabSize, known.VocabSize) && m.NLayer <= known.NLayer
}
