package viz

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"strconv"
	"strings"

	"codeberg.org/go-pdf/fpdf"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"
)

// pdfCanvas draws a plot into a one-page PDF with UTF-8 text: fonts are
// embedded as subsets with a ToUnicode map, so Chinese tokens show and
// stay searchable and copyable (pdftotext reads them). gonum/plot's own
// PDF canvas encodes text as Windows-1252, which has no Chinese.
//
// The page's coordinates are PDF's own, points with y up, as vg's are;
// paths and transforms are written as PDF operators, and fpdf writes the
// fonts, images and the file.
type pdfCanvas struct {
	doc    *fpdf.Fpdf
	w, h   vg.Length
	stroke color.Color
	width  vg.Length
	fonts  map[string]bool // families added to doc
	images int
	depth  int // Push minus Pop
}

var _ vg.CanvasSizer = (*pdfCanvas)(nil)

// newPDFCanvas returns a canvas of w × h points.
func newPDFCanvas(w, h vg.Length) *pdfCanvas {
	doc := fpdf.NewCustom(&fpdf.InitType{UnitStr: "pt", Size: fpdf.SizeType{Wd: w.Points(), Ht: h.Points()}})
	doc.SetMargins(0, 0, 0)
	doc.SetAutoPageBreak(false, 0)
	doc.SetCreator("Transformer Explorer", true)
	doc.AddPage()
	c := &pdfCanvas{doc: doc, w: w, h: h, fonts: map[string]bool{}}
	c.SetColor(color.Black)
	c.SetLineWidth(1)
	return c
}

func (c *pdfCanvas) op(format string, args ...any) { c.doc.RawWriteStr(fmt.Sprintf(format, args...)) }

// num writes a PDF number: short, and never in exponent form.
func pdfNum(x vg.Length) string {
	return strconv.FormatFloat(float64(x), 'f', -1, 32)
}

// Size implements vg.CanvasSizer.
func (c *pdfCanvas) Size() (w, h vg.Length) { return c.w, c.h }

// SetLineWidth implements vg.Canvas.
func (c *pdfCanvas) SetLineWidth(w vg.Length) {
	c.width = w
	c.op("%s w", pdfNum(w))
}

// SetLineDash implements vg.Canvas.
func (c *pdfCanvas) SetLineDash(pattern []vg.Length, offset vg.Length) {
	parts := make([]string, len(pattern))
	for i, p := range pattern {
		parts[i] = pdfNum(p)
	}
	c.op("[%s] %s d", strings.Join(parts, " "), pdfNum(offset))
}

// SetColor implements vg.Canvas: both the stroke and the fill colour.
func (c *pdfCanvas) SetColor(col color.Color) {
	if col == nil {
		col = color.Black
	}
	c.stroke = col
	r, g, b, a := col.RGBA()
	if a == 0 {
		r, g, b = 0, 0, 0
	} else {
		// Un-premultiply.
		r, g, b = r*0xffff/a, g*0xffff/a, b*0xffff/a
	}
	f := func(x uint32) string { return strconv.FormatFloat(float64(x)/0xffff, 'f', 4, 64) }
	c.op("%s %s %s RG %s %s %s rg", f(r), f(g), f(b), f(r), f(g), f(b))
	c.doc.SetAlpha(float64(a)/0xffff, "Normal")
	c.doc.SetTextColor(int(r>>8), int(g>>8), int(b>>8))
}

// Rotate implements vg.Canvas.
func (c *pdfCanvas) Rotate(rad float64) {
	s, co := math.Sincos(rad)
	c.op("%s %s %s %s 0 0 cm", pdfNum(vg.Length(co)), pdfNum(vg.Length(s)), pdfNum(vg.Length(-s)), pdfNum(vg.Length(co)))
}

// Translate implements vg.Canvas.
func (c *pdfCanvas) Translate(pt vg.Point) { c.op("1 0 0 1 %s %s cm", pdfNum(pt.X), pdfNum(pt.Y)) }

// Scale implements vg.Canvas.
func (c *pdfCanvas) Scale(x, y float64) {
	c.op("%s 0 0 %s 0 0 cm", pdfNum(vg.Length(x)), pdfNum(vg.Length(y)))
}

// Push implements vg.Canvas.
func (c *pdfCanvas) Push() {
	c.depth++
	c.op("q")
}

// Pop implements vg.Canvas.
func (c *pdfCanvas) Pop() {
	if c.depth == 0 {
		return
	}
	c.depth--
	c.op("Q")
}

// Stroke implements vg.Canvas.
func (c *pdfCanvas) Stroke(p vg.Path) {
	if c.width <= 0 {
		return
	}
	c.path(p)
	c.op("S")
}

// Fill implements vg.Canvas.
func (c *pdfCanvas) Fill(p vg.Path) {
	c.path(p)
	c.op("f")
}

// path writes p's construction operators.
func (c *pdfCanvas) path(p vg.Path) {
	var b strings.Builder
	pt := func(q vg.Point) string { return pdfNum(q.X) + " " + pdfNum(q.Y) }
	var cur, start vg.Point
	for _, comp := range p {
		switch comp.Type {
		case vg.MoveComp:
			fmt.Fprintf(&b, "%s m ", pt(comp.Pos))
			start = comp.Pos
		case vg.LineComp:
			fmt.Fprintf(&b, "%s l ", pt(comp.Pos))
		case vg.CurveComp:
			switch len(comp.Control) {
			case 1: // a quadratic Bézier, raised to the cubic PDF draws
				q := comp.Control[0]
				c1 := cur.Add(q.Sub(cur).Scale(2.0 / 3))
				c2 := comp.Pos.Add(q.Sub(comp.Pos).Scale(2.0 / 3))
				fmt.Fprintf(&b, "%s %s %s c ", pt(c1), pt(c2), pt(comp.Pos))
			case 2:
				fmt.Fprintf(&b, "%s %s %s c ", pt(comp.Control[0]), pt(comp.Control[1]), pt(comp.Pos))
			}
		case vg.ArcComp:
			// Line segments of at most π/32, from the start angle.
			n := max(4, int(math.Ceil(math.Abs(comp.Angle)/(math.Pi/32))))
			for i := 0; i <= n; i++ {
				a := comp.Start + comp.Angle*float64(i)/float64(n)
				s, co := math.Sincos(a)
				q := vg.Point{X: comp.Pos.X + comp.Radius*vg.Length(co), Y: comp.Pos.Y + comp.Radius*vg.Length(s)}
				op := "l"
				if i == 0 && b.Len() == 0 {
					op = "m"
				}
				fmt.Fprintf(&b, "%s %s ", pt(q), op)
				cur = q
			}
			continue
		case vg.CloseComp:
			b.WriteString("h ")
			cur = start
			continue
		}
		cur = comp.Pos
	}
	c.op("%s", strings.TrimSpace(b.String()))
}

// FillString implements vg.Canvas: s at pt in face's font, embedded as a
// UTF-8 subset.
func (c *pdfCanvas) FillString(face font.Face, pt vg.Point, s string) {
	if face.Font.Size == 0 || s == "" {
		return
	}
	family := "sans"
	ttf := fonts().sansTTF
	if face.Font.Typeface == cjkTypeface {
		family, ttf = "cjk", fonts().cjkTTF
	}
	if !c.fonts[family] {
		c.doc.AddUTF8FontFromBytes(family, "", ttf)
		c.fonts[family] = true
	}
	c.doc.SetFont(family, "", face.Font.Size.Points())
	c.op("q 1 0 0 1 %s %s cm", pdfNum(pt.X), pdfNum(pt.Y))
	c.doc.Text(0, c.h.Points(), s) // at the origin of the current transform
	c.op("Q")
}

// DrawImage implements vg.Canvas.
func (c *pdfCanvas) DrawImage(r vg.Rectangle, img image.Image) {
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		panic(fmt.Sprintf("viz: encode a PDF image: %v", err)) // writeRecovered makes it an error
	}
	c.images++
	name := "img" + strconv.Itoa(c.images)
	opt := fpdf.ImageOptions{ImageType: "png"}
	c.doc.RegisterImageOptionsReader(name, opt, &buf)
	size := r.Size()
	c.op("q 1 0 0 1 %s %s cm", pdfNum(r.Min.X), pdfNum(r.Min.Y))
	c.doc.ImageOptions(name, 0, c.h.Points()-size.Y.Points(), size.X.Points(), size.Y.Points(), false, opt, 0, "")
	c.op("Q")
}

// WriteTo writes the PDF file.
func (c *pdfCanvas) WriteTo(w io.Writer) (int64, error) {
	for c.depth > 0 {
		c.Pop()
	}
	cw := &countWriter{w: w}
	if err := c.doc.Output(cw); err != nil {
		return cw.n, fmt.Errorf("viz: write PDF: %w", err)
	}
	return cw.n, nil
}

// countWriter counts the bytes written through it.
type countWriter struct {
	w io.Writer
	n int64
}

func (cw *countWriter) Write(p []byte) (int, error) {
	n, err := cw.w.Write(p)
	cw.n += int64(n)
	return n, err
}
