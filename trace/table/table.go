// Package table takes numbers out of a trace: one hook, or one attention
// head of it, with a label for every row and column, written as CSV, as a
// NumPy .npy file or as JSON. The page's downloads and `explorer export`
// both write through it, so a file holds exactly the numbers on screen.
//
// Every format keeps each float32 exactly: .npy stores its bits, CSV and
// JSON the shortest decimal that reads back as the same float32.
package table

import (
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/transformer-explorer/explorer/trace"
)

// Errors of the package; each is wrapped with the detail.
var (
	ErrHook   = errors.New("table: no such hook")
	ErrHead   = errors.New("table: head")
	ErrRank   = errors.New("table: too many axes for CSV")
	ErrFormat = errors.New("table: unknown format")
	ErrShape  = errors.New("table: shapes differ")
)

// An Axis names one axis of a table and labels each of its entries.
type Axis struct {
	// Name says what the axis counts: "query", "key", "position",
	// "channel", "head", "dim", "neuron", "token id", "rank", "layer" or
	// "value".
	Name   string
	Labels []string
}

// A Table is the numbers of one view of a trace, row-major.
type Table struct {
	// Hook is the hook the numbers come from.
	Hook string
	// Head is the attention head taken from the hook, or -1 for all of it.
	Head  int
	Shape []int
	Data  []float32
	Axes  []Axis
	// IDs reports whether the values are token ids (written as integers).
	IDs bool
}

// Of returns the numbers of hook in tr, or of one head of it when head is
// not negative (only for the attention hooks: q, k, v, z, scores and
// pattern). The Data is the trace's own: read it, do not modify it.
func Of(tr *trace.Trace, hook string, head int) (Table, error) {
	t, ok := tr.Tensor(hook)
	if !ok {
		return Table{}, fmt.Errorf("%w %q: the trace holds %v", ErrHook, hook, tr.Names())
	}
	axes, headAxis := axesOf(tr, hook, t.Shape)
	tab := Table{Hook: hook, Head: -1, Shape: slices.Clone(t.Shape), Data: t.Data, Axes: axes, IDs: trace.IsIDs(hook)}
	if head < 0 {
		return tab, nil
	}
	if headAxis < 0 {
		return Table{}, fmt.Errorf("%w: %s has no heads; leave the head out", ErrHead, hook)
	}
	H := t.Shape[headAxis]
	if head >= H {
		return Table{}, fmt.Errorf("%w %d: %s has heads 0 to %d", ErrHead, head, hook, H-1)
	}
	// Take index head along headAxis: outer blocks of the axes before
	// it, each holding H runs of inner values.
	outer, inner := 1, 1
	for _, d := range t.Shape[:headAxis] {
		outer *= d
	}
	for _, d := range t.Shape[headAxis+1:] {
		inner *= d
	}
	data := make([]float32, 0, outer*inner)
	for o := range outer {
		at := (o*H + head) * inner
		data = append(data, t.Data[at:at+inner]...)
	}
	tab.Head, tab.Data = head, data
	tab.Shape = slices.Delete(tab.Shape, headAxis, headAxis+1)
	tab.Axes = slices.Delete(tab.Axes, headAxis, headAxis+1)
	return tab, nil
}

// axesOf names the axes of a hook's tensor and returns the index of its
// head axis, or -1.
func axesOf(tr *trace.Trace, hook string, shape []int) ([]Axis, int) {
	names, headAxis := axisNames(hook)
	if len(names) != len(shape) {
		// A shape the layout does not describe: number the entries.
		names, headAxis = make([]string, len(shape)), -1
		for i := range names {
			names[i] = "axis " + strconv.Itoa(i)
		}
	}
	axes := make([]Axis, len(shape))
	for i, name := range names {
		axes[i] = Axis{Name: name, Labels: labels(tr, name, shape[i])}
	}
	return axes, headAxis
}

// axisNames returns what each axis of a hook counts, and its head axis.
func axisNames(hook string) ([]string, int) {
	if _, point, ok := trace.ParseBlock(hook); ok {
		switch point {
		case trace.LN1Scale, trace.LN2Scale:
			return []string{"position", "value"}, -1
		case trace.AttnQ, trace.AttnK, trace.AttnV, trace.AttnZ:
			return []string{"position", "head", "dim"}, 1
		case trace.AttnScores, trace.AttnPattern:
			return []string{"head", "query", "key"}, 0
		case trace.MLPPre, trace.MLPPost:
			return []string{"position", "neuron"}, -1
		default:
			return []string{"position", "channel"}, -1
		}
	}
	switch hook {
	case trace.LNFinalScale:
		return []string{"position", "value"}, -1
	case trace.Logits:
		return []string{"position", "token id"}, -1
	case trace.NextTopIDs, trace.NextTopProbs:
		return []string{"position", "rank"}, -1
	case trace.NextLoss:
		return []string{"position"}, -1
	case trace.LensTopIDs, trace.LensTopProbs:
		return []string{"layer", "position", "rank"}, -1
	}
	return []string{"position", "channel"}, -1
}

// labels labels n entries of an axis: positions with their tokens, other
// axes with their index (ranks from 1).
func labels(tr *trace.Trace, axis string, n int) []string {
	out := make([]string, n)
	for i := range out {
		switch axis {
		case "position", "query", "key":
			out[i] = PositionLabel(tr, i)
		case "rank":
			out[i] = strconv.Itoa(i + 1)
		default:
			out[i] = strconv.Itoa(i)
		}
	}
	return out
}

// PositionLabel labels position i of tr: "3:␣cat", or "3" when the trace
// does not know its tokens.
func PositionLabel(tr *trace.Trace, i int) string {
	if i < len(tr.Tokens) && tr.Tokens[i] != trace.PositionToken(i) {
		return strconv.Itoa(i) + ":" + tr.Tokens[i]
	}
	return strconv.Itoa(i)
}

// Sub returns the table of a − b, cell by cell, for two views of the same
// hook (and head) over the same shape, with a's labels. A cell masked
// (−∞) in both is 0; masked in only one it is ±∞.
func Sub(a, b Table) (Table, error) {
	if a.Hook != b.Hook || a.Head != b.Head || !slices.Equal(a.Shape, b.Shape) {
		return Table{}, fmt.Errorf("%w: %s (head %d) is %v, %s (head %d) is %v", ErrShape, a.Hook, a.Head, a.Shape, b.Hook, b.Head, b.Shape)
	}
	d := a
	d.Shape, d.Axes, d.IDs = slices.Clone(a.Shape), slices.Clone(a.Axes), false
	d.Data = make([]float32, len(a.Data))
	for i, x := range a.Data {
		y := b.Data[i]
		if x <= trace.MaskedBelow && y <= trace.MaskedBelow {
			continue
		}
		d.Data[i] = x - y
	}
	return d, nil
}
