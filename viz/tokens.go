package viz

import (
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/transformer-explorer/explorer/trace"
)

// cellSize returns the side of a heatmap cell for n rows or columns: the
// data area grows with n up to about 420 points, cells stay between lo and
// hi points.
func cellSize(n int, lo, hi vg.Length) vg.Length {
	return min(max(420/vg.Length(n), lo), hi)
}

// tokenAxis labels axis a with the tokens of positions 0..n-1 (offset by
// first), at cell centres: position t sits at a-coordinate t+½, or at
// n−t−½ when reversed (rows drawn top-down). Labels are shortened, thinned
// to every stride-th token past the font-size threshold, and encoded for
// the output format. It returns the stride.
func tokenAxis(a *plot.Axis, tokens []string, cell vg.Length, reversed bool, o *output) int {
	n := len(tokens)
	size, stride := tokenLabels(n, cell)
	ticks := make([]plot.Tick, 0, n/stride+1)
	for t := 0; t < n; t += stride {
		v := float64(t) + 0.5
		if reversed {
			v = float64(n-t) - 0.5
		}
		ticks = append(ticks, plot.Tick{Value: v, Label: o.text(shorten(tokens[t], maxLabelRunes))})
	}
	a.Tick.Marker = plot.ConstantTicks(ticks)
	a.Tick.Label.Font.Size = size
	a.Min, a.Max = 0, float64(n)
	return stride
}

// rotateTicks turns an x axis's tick labels upright (reading bottom to top)
// so neighbouring labels never overlap: each takes only its font's height
// across, which tokenLabels keeps within one cell.
func rotateTicks(a *plot.Axis) {
	a.Tick.Label.Rotation = math.Pi / 2
	a.Tick.Label.XAlign = draw.XRight
	a.Tick.Label.YAlign = draw.YCenter
	// gonum/plot sets rotated labels flush against the tick marks; trailing
	// spaces push each label's top clear of them.
	if ct, ok := a.Tick.Marker.(plot.ConstantTicks); ok {
		padded := make(plot.ConstantTicks, len(ct))
		for i, t := range ct {
			padded[i] = t
			if t.Label != "" {
				padded[i].Label = t.Label + rotatedPad
			}
		}
		a.Tick.Marker = padded
	}
}

// rotatedPad follows each rotated tick label.
const rotatedPad = "   "

// thinned appends a note to an axis label when not every token is labelled.
func (o *output) thinned(label string, stride int) string {
	if stride == 1 {
		return label
	}
	return o.t("plot.thinned", "label", label, "n", stride)
}

// checkTokens returns the trace's display tokens, or an error when there
// are too many to plot.
func checkTokens(tr *trace.Trace) ([]string, error) {
	n := len(tr.Tokens)
	if n > MaxTokens {
		return nil, fmt.Errorf("%w: %d tokens, plots show at most %d: trace a shorter prompt", ErrTooLong, n, MaxTokens)
	}
	if n == 0 {
		return nil, ErrEmpty
	}
	return tr.Tokens, nil
}

// need returns the named hook, or an error naming it and how to record it.
func need(tr *trace.Trace, name string) (trace.Tensor, error) {
	t, ok := tr.Tensor(name)
	if !ok {
		return trace.Tensor{}, fmt.Errorf("%w %q: record it with `explorer trace --hooks '%s'`, or plot from the model with `explorer plot --model M --prompt TEXT`", ErrMissingHook, name, name)
	}
	return t, nil
}

// needTop returns a pair of top-K hooks (token ids and their
// probabilities, as the trace stores the next-token guesses and the logit
// lens), both shaped [lead..., K] with K ≥ 1, and K.
func needTop(tr *trace.Trace, idsName, probsName string, lead ...int) (ids, probs trace.Tensor, K int, err error) {
	if ids, err = need(tr, idsName); err != nil {
		return ids, probs, 0, err
	}
	if probs, err = need(tr, probsName); err != nil {
		return ids, probs, 0, err
	}
	if len(ids.Shape) != len(lead)+1 || !slices.Equal(ids.Shape[:len(lead)], lead) {
		want := ""
		for _, d := range lead {
			want += fmt.Sprintf("%d, ", d)
		}
		return ids, probs, 0, fmt.Errorf("%w: hook %q has shape %v, want [%sK]", ErrShape, ids.Name, ids.Shape, want)
	}
	K = ids.Shape[len(lead)]
	if K < 1 {
		return ids, probs, 0, fmt.Errorf("%w: hook %q holds no guesses", ErrShape, ids.Name)
	}
	dims := append(slices.Clone(lead), K)
	if err := checkShape(ids, dims...); err != nil {
		return ids, probs, 0, err
	}
	if err := checkShape(probs, dims...); err != nil {
		return ids, probs, 0, err
	}
	return ids, probs, K, nil
}

// checkLayer checks a layer index against the trace's model.
func checkLayer(tr *trace.Trace, layer int) error {
	if n := tr.Model.NLayer; layer < 0 || layer >= n {
		return fmt.Errorf("%w: layer %d: the model has layers 0 to %d", ErrRange, layer, n-1)
	}
	return nil
}

// checkHead checks a head index against the trace's model.
func checkHead(tr *trace.Trace, head int) error {
	if n := tr.Model.NHead; head < 0 || head >= n {
		return fmt.Errorf("%w: head %d: the model has heads 0 to %d", ErrRange, head, n-1)
	}
	return nil
}

// checkShape checks that a tensor has the shape a plot reads it with, so a
// malformed trace file is an error rather than an index panic.
func checkShape(t trace.Tensor, want ...int) error {
	ok := len(t.Shape) == len(want)
	for i := 0; ok && i < len(want); i++ {
		ok = t.Shape[i] == want[i]
	}
	if !ok || len(t.Data) != t.Len() {
		return fmt.Errorf("%w: hook %q has shape %v, want %v", ErrShape, t.Name, t.Shape, want)
	}
	return nil
}
