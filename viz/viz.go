// Package viz draws publication-quality plots of a trace (attention
// patterns, per-head grids, Q/K/V, scores, next-token bars, the logit lens
// and per-token loss) as PNG, SVG, PDF or EPS, with gonum/plot.
//
// Every number comes from the trace: viz reads hooks and the tokens' display
// strings and never recomputes model math. Colours come from viz/palette,
// which the web app shares, so an exported plot looks like the screen.
package viz

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/transformer-explorer/explorer/lessons/i18n"
	"github.com/transformer-explorer/explorer/trace"
)

// Errors of the viz package; Render's errors wrap one of them.
var (
	ErrKind        = errors.New("viz: unknown plot kind")
	ErrFormat      = errors.New("viz: unknown image format")
	ErrRange       = errors.New("viz: out of range")
	ErrMissingHook = errors.New("viz: trace lacks a hook the plot needs")
	ErrTooLong     = errors.New("viz: prompt too long to plot")
	ErrEmpty       = errors.New("viz: trace has no tokens")
	ErrShape       = errors.New("viz: hook has the wrong shape")
)

// MaxTokens is the longest prompt a per-token plot accepts: past it the
// labels, or the cells, would be too small to read.
const MaxTokens = 256

// DefaultDPI is the resolution of PNG output when Request.DPI is zero.
const DefaultDPI = 150

// The plot kinds.
const (
	KindAttention = "attention" // one head's pattern [T, T] with token labels
	KindHeads     = "heads"     // every head of one layer, small multiples
	KindModel     = "model"     // layers × heads thumbnails of the patterns
	KindQKV       = "qkv"       // Q, K and V of one head, [T, D] each
	KindScores    = "scores"    // one head's scaled scores before softmax
	KindLogits    = "logits"    // top-k next-token probabilities at a position
	KindLens      = "lens"      // logit lens: layers × positions, top token per cell
	KindLoss      = "loss"      // per-token loss along the prompt
)

// Kinds returns the plot kinds in the order the forward pass meets them.
func Kinds() []string {
	return []string{KindAttention, KindHeads, KindModel, KindQKV, KindScores, KindLogits, KindLens, KindLoss}
}

// Formats returns the output formats Render writes.
func Formats() []string { return []string{"png", "svg", "pdf", "eps"} }

// A Request says what to plot and how to encode it.
type Request struct {
	// Kind is one of Kinds().
	Kind string
	// Layer is the block for attention, heads, qkv and scores.
	Layer int
	// Head is the attention head for attention, qkv and scores.
	Head int
	// Pos is the position whose next-token prediction logits shows; a
	// negative Pos counts from the end (−1 is the last token).
	Pos int
	// Format is png, svg, pdf or eps.
	Format string
	// DPI is the resolution of PNG output (default 150); other formats are
	// vector and ignore it.
	DPI float64
	// Lang is the language of the titles and labels: "en" (the default)
	// or "zh".
	Lang string
}

// Render draws the plot req asks for from tr and writes it to w in
// req.Format. Bad requests are errors wrapping ErrKind, ErrFormat, ErrRange,
// ErrMissingHook, ErrTooLong, ErrEmpty or ErrShape, checked before anything is
// written. Render may be called concurrently; it only reads tr.
func Render(w io.Writer, tr *trace.Trace, req Request) error {
	fig, out, err := build(tr, req)
	if err != nil {
		return err
	}
	return writeRecovered(w, fig, out, req)
}

// build validates req against tr and lays out its figure.
func build(tr *trace.Trace, req Request) (*figure, *output, error) {
	if !slices.Contains(Kinds(), req.Kind) {
		return nil, nil, fmt.Errorf("%w %q: want one of %s", ErrKind, req.Kind, strings.Join(Kinds(), ", "))
	}
	out, err := newOutput(req.Format, req.DPI)
	if err != nil {
		return nil, nil, err
	}
	out.lang = i18n.Match(req.Lang)
	if tr == nil || len(tr.IDs) == 0 {
		return nil, nil, ErrEmpty
	}
	if len(tr.Tokens) != len(tr.IDs) {
		return nil, nil, fmt.Errorf("%w: the trace has %d token ids but %d display strings", ErrShape, len(tr.IDs), len(tr.Tokens))
	}
	if m := tr.Model; req.Kind != KindLogits && req.Kind != KindLoss && (m.NLayer < 1 || m.NHead < 1) {
		return nil, nil, fmt.Errorf("%w: the trace's model has %d layers and %d heads", ErrShape, m.NLayer, m.NHead)
	}
	if err := checkCells(tr, req.Kind, out); err != nil {
		return nil, nil, err
	}
	fig, err := figures()[req.Kind](tr, req, out)
	if err != nil {
		return nil, nil, err
	}
	return fig, out, nil
}

// A figureFunc lays out the figure of one plot kind from tr.
type figureFunc func(tr *trace.Trace, req Request, o *output) (*figure, error)

// figures maps each of Kinds() to the function that lays out its figure.
func figures() map[string]figureFunc {
	return map[string]figureFunc{
		KindAttention: attentionFigure,
		KindHeads:     headsFigure,
		KindModel:     modelFigure,
		KindQKV:       qkvFigure,
		KindScores:    scoresFigure,
		KindLogits:    logitsFigure,
		KindLens:      lensFigure,
		KindLoss:      lossFigure,
	}
}

// checkCells refuses grids too big for EPS, which vgeps can only draw as
// vector cells (it has no images).
func checkCells(tr *trace.Trace, kind string, o *output) error {
	T, H := len(tr.Tokens), tr.Model.NHead
	cells := 0
	switch kind {
	case KindHeads:
		cells = H * T * T
	case KindModel:
		cells = tr.Model.NLayer * H * T * T
	}
	if o.format == "eps" && cells > maxVectorCells {
		return fmt.Errorf("%w: %d heatmap cells are too many for EPS (at most %d): use PNG, SVG or PDF", ErrTooLong, cells, maxVectorCells)
	}
	return nil
}

// FormatOf returns the format named by path's extension (case-insensitive):
// png, svg, pdf or eps.
func FormatOf(path string) (string, error) {
	ext := strings.ToLower(strings.TrimPrefix(filepath.Ext(path), "."))
	if !slices.Contains(Formats(), ext) {
		return "", fmt.Errorf("%w: %q needs a .png, .svg, .pdf or .eps extension", ErrFormat, path)
	}
	return ext, nil
}

// RenderFile renders req to path. An empty req.Format is taken from the
// extension. The file is written to a temporary file beside path and
// renamed into place only once complete, so a failure leaves no partial
// file (and an existing file untouched).
func RenderFile(path string, tr *trace.Trace, req Request) (err error) {
	if req.Format == "" {
		if req.Format, err = FormatOf(path); err != nil {
			return err
		}
	}
	// Validate and lay out before touching the file system.
	fig, out, err := build(tr, req)
	if err != nil {
		return err
	}
	return writeFile(path, fig, out, req)
}

// writeFile writes fig to a temporary file beside path and renames it into
// place only once complete, so a failure leaves no partial file (and an
// existing file untouched).
func writeFile(path string, fig *figure, out *output, req Request) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("viz: write %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
			err = fmt.Errorf("viz: write %s: %w", path, err)
		}
	}()
	if err = writeRecovered(f, fig, out, req); err != nil {
		return err
	}
	if err = f.Chmod(0o644); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// writeRecovered writes fig. The gonum back ends panic on internal failures
// (font embedding, image encoding); those become errors rather than crash a
// server.
func writeRecovered(w io.Writer, fig *figure, out *output, req Request) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("viz: drawing %s as %s failed: %v", req.Kind, req.Format, r)
		}
	}()
	return out.write(w, fig)
}

// Hooks returns the hook names a plot of kind needs from an nLayer model
// (for layer, when the kind shows one layer), so a caller can record just
// those.
func Hooks(kind string, layer, nLayer int) ([]string, error) {
	block := func(point string) string { return trace.Block(layer, point) }
	switch kind {
	case KindAttention, KindHeads:
		return []string{block(trace.AttnPattern)}, nil
	case KindModel:
		names := make([]string, nLayer)
		for l := range names {
			names[l] = trace.Block(l, trace.AttnPattern)
		}
		return names, nil
	case KindQKV:
		return []string{block(trace.AttnQ), block(trace.AttnK), block(trace.AttnV)}, nil
	case KindScores:
		return []string{block(trace.AttnScores)}, nil
	case KindLogits:
		return []string{trace.NextTopIDs, trace.NextTopProbs}, nil
	case KindLens:
		return []string{trace.LensTopIDs, trace.LensTopProbs}, nil
	case KindLoss:
		return []string{trace.NextLoss}, nil
	}
	return nil, fmt.Errorf("%w %q: want one of %s", ErrKind, kind, strings.Join(Kinds(), ", "))
}
