package viz

import (
	"bytes"

	"fmt"
	"github.com/transformer-explorer/explorer/lessons/i18n"
	"image"
	"io"
	"math"
	"strings"
	"unicode/utf8"

	"git.sr.ht/~sbinet/gg"
	xdraw "golang.org/x/image/draw"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgeps"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// A figure is a laid-out plot: its page size and a function that draws it.
type figure struct {
	w, h vg.Length
	draw func(c draw.Canvas)
}

// An output is one image format and what it can show.
type output struct {
	format string
	dpi    float64
	// raster reports whether heatmap cells become an image (PNG) rather
	// than vector rectangles (SVG, PDF, EPS).
	raster bool
	// lang is the language of titles and labels, "en" or "zh".
	lang string
}

// t returns a message of the catalogue (lessons/i18n) in the plot's
// language, its placeholders filled from args.
func (o *output) t(key string, args ...any) string { return i18n.T(o.lang, key, args...) }

// newOutput checks a format and PNG resolution.
func newOutput(format string, dpi float64) (*output, error) {
	switch format {
	case "png", "svg", "pdf", "eps":
	default:
		return nil, fmt.Errorf("%w %q: want png, svg, pdf or eps", ErrFormat, format)
	}
	if dpi == 0 {
		dpi = DefaultDPI
	}
	if format == "png" && (math.IsNaN(dpi) || dpi < 36 || dpi > 1200) {
		return nil, fmt.Errorf("%w: DPI %v: want 36 to 1200", ErrRange, dpi)
	}
	return &output{format: format, dpi: dpi, raster: format == "png"}, nil
}

// write draws fig on a canvas of the output's format and encodes it to w.
func (o *output) write(w io.Writer, fig *figure) error {
	var (
		vc vg.CanvasWriterTo
		dc draw.Canvas
	)
	switch o.format {
	case "png":
		c := newPNGCanvas(fig.w, fig.h, o.dpi)
		vc, dc = vgimg.PngCanvas{Canvas: c}, draw.New(c)
	case "svg":
		c := vgsvg.New(fig.w, fig.h)
		vc, dc = c, draw.New(c)
	case "pdf":
		c := newPDFCanvas(fig.w, fig.h)
		vc, dc = c, draw.New(c)
	case "eps":
		c := epsCanvas{vgeps.New(fig.w, fig.h)}
		vc, dc = c.Canvas, draw.New(c)
	}
	fig.draw(dc)
	if o.format == "png" || o.format == "pdf" {
		if _, err := vc.WriteTo(w); err != nil {
			return fmt.Errorf("viz: encode %s: %w", o.format, err)
		}
		return nil
	}
	var buf bytes.Buffer
	if _, err := vc.WriteTo(&buf); err != nil {
		return fmt.Errorf("viz: encode %s: %w", o.format, err)
	}
	if _, err := w.Write(fixText(o.format, buf.Bytes())); err != nil {
		return fmt.Errorf("viz: write %s: %w", o.format, err)
	}
	return nil
}

// latin1Helvetica defines Helvetica-Latin1: Helvetica with the
// ISOLatin1Encoding vector instead of StandardEncoding.
const latin1Helvetica = `/Helvetica findfont dup length dict begin
  { 1 index /FID ne { def } { pop pop } ifelse } forall
  /Encoding ISOLatin1Encoding def
  currentdict
end
/Helvetica-Latin1 exch definefont pop
`

// fixText adjusts the text-based formats, whose fonts the viewer supplies:
//
//   - SVG names Liberation Sans alone; Arial and Helvetica have the same
//     metrics, so listing them keeps the layout on systems without it;
//   - EPS uses Helvetica, the standard PostScript font with those metrics,
//     re-encoded as ISO Latin-1 so that epsCanvas's octal escapes mean
//     Latin-1 letters, and gets the "%!PS-Adobe-3.0 EPSF-3.0" magic line
//     right: vgeps (gonum/plot v0.17.0) writes it with a stray extra '%',
//     and readers then do not recognise the file as PostScript.
func fixText(format string, b []byte) []byte {
	switch format {
	case "svg":
		return bytes.ReplaceAll(b, []byte("font-family:Liberation Sans;"),
			[]byte("font-family:'Liberation Sans',Arial,Helvetica,sans-serif;"))
	case "eps":
		b = bytes.ReplaceAll(b, []byte("/LiberationSans-Regular findfont"), []byte("/Helvetica-Latin1 findfont"))
		b = bytes.Replace(b, []byte("%%EndComments\n"), []byte("%%EndComments\n"+latin1Helvetica), 1)
		if rest, ok := bytes.CutPrefix(b, []byte("%%!PS-Adobe")); ok {
			b = append([]byte("%!PS-Adobe"), rest...)
		}
	}
	return b
}

// newPNGCanvas returns an image canvas whose images are scaled with
// nearest-neighbour sampling, so each heatmap cell is a crisp block instead
// of a bilinear blur.
func newPNGCanvas(w, h vg.Length, dpi float64) *vgimg.Canvas {
	pw := int(math.Ceil(w.Dots(dpi)))
	ph := int(math.Ceil(h.Dots(dpi)))
	img := image.NewRGBA(image.Rect(0, 0, pw, ph))
	ctx := gg.NewContextForRGBA(img)
	ctx.SetLineCapButt()
	ctx.InvertY()
	ctx.SetInterpolator(xdraw.NearestNeighbor)
	return vgimg.NewWith(vgimg.UseImageWithContext(img, ctx), vgimg.UseDPI(int(math.Round(dpi))))
}

// epsCanvas escapes text for a PostScript string literal, which vgeps writes
// unescaped: backslash and parentheses get a backslash, and Latin-1 letters
// an octal escape. Text with other characters (Chinese, −, √) is drawn as
// the glyph outlines of its font, since an EPS file names fonts without
// embedding them.
type epsCanvas struct{ *vgeps.Canvas }

// FillString implements vg.Canvas.
func (c epsCanvas) FillString(f font.Face, pt vg.Point, s string) {
	for _, r := range s {
		if !(r >= 0x20 && r < 0x7F || r >= 0xA0 && r <= 0xFF) {
			c.Fill(outlines(f, pt, s))
			return
		}
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\\' || r == '(' || r == ')':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r >= 0x20 && r < 0x7F:
			b.WriteRune(r)
		case r >= 0xA0 && r <= 0xFF:
			fmt.Fprintf(&b, "\\%03o", r)
		default:
			b.WriteByte('?')
		}
	}
	c.Canvas.FillString(f, pt, b.String())
}

// substitutes replace the tokenizer's whitespace symbols, which the
// Liberation fonts lack, with look-alikes they have (and that Windows-1252
// and Latin-1 can encode): a middle dot for a space, as editors show it, a
// pilcrow for a newline, a guillemet for a tab.
var substitutes = strings.NewReplacer("␣", "·", "↵", "¶", "⇥", "»", "␍", "\\r")

// The plots' own symbols that Windows-1252 (PDF) or Latin-1 (EPS) lack get
// plain spellings.
var (
	epsSubstitutes = strings.NewReplacer("√", "sqrt ", "−", "-", "…", "...", "“", "\"", "”", "\"", "€", "EUR")
)

// text returns s as this format can show it. SVG text is rendered by the
// viewer's fonts and is kept as it is. PNG, PDF and EPS draw with the
// embedded Liberation fonts: the whitespace symbols get look-alikes, and any
// other character the font (or, for PDF, Windows-1252, for EPS, Latin-1)
// cannot show becomes <U+XXXX>, like the tokenizer's display of invisible
// characters.
func (o *output) text(s string) string {
	if o.format == "svg" {
		return s
	}
	s = substitutes.Replace(s)
	if o.format == "eps" {
		s = epsSubstitutes.Replace(s)
	}
	ok := fonts().canDraw
	var b strings.Builder
	for _, r := range s {
		if r == utf8.RuneError || !ok(r) {
			fmt.Fprintf(&b, "<U+%04X>", r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
