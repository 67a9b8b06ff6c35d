package viz

import (
	"image"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/transformer-explorer/explorer/viz/palette"
)

// maxVectorCells is the most heatmap cells drawn as vector rectangles in
// SVG and PDF; bigger figures embed the cells as an image (EPS cannot, and
// refuses them).
const maxVectorCells = 120_000

// A heat is a matrix drawn as coloured cells, row 0 at the top and column 0
// on the left, so an attention pattern reads like the matrix: query rows
// down, key columns across.
type heat struct {
	rows, cols int
	// at returns the value of row i, column j.
	at func(i, j int) float64
	// masked reports whether cell (i, j) is masked; nil masks nothing.
	masked func(i, j int) bool
	pal    palette.Palette
	lo, hi float64 // the values mapped to the palette's ends
	// hatch draws diagonal lines over the masked cells (for the causal mask
	// of a single pattern: j > i) so they read as "not computed" rather
	// than as a colour of the scale.
	hatch bool
}

// causal reports whether key j is in the future of query i.
func causal(i, j int) bool { return j > i }

// color returns the palette colour of v.
func (h *heat) color(v float64) color.RGBA {
	t := 0.5
	if h.hi > h.lo {
		t = (v - h.lo) / (h.hi - h.lo)
	}
	return h.pal.At(t)
}

// cellColor returns the colour of cell (i, j), masked or not.
func (h *heat) cellColor(i, j int) color.RGBA {
	if h.masked != nil && h.masked(i, j) {
		return palette.Masked()
	}
	return h.color(h.at(i, j))
}

// draw paints the cells into r: as an image scaled with nearest-neighbour
// sampling for PNG (and for very large SVG and PDF figures), otherwise as
// vector rectangles, which stay sharp at any zoom.
func (h *heat) draw(c draw.Canvas, r vg.Rectangle, o *output, cells int) {
	switch {
	case o.raster:
		c.DrawImage(r, h.image(1, 1, false))
	case cells > maxVectorCells:
		h.drawEmbedded(c, r, o)
	default:
		h.drawVector(c, r)
	}
	if h.hatch && h.masked != nil {
		h.drawHatch(c, r)
	}
}

// image returns the cells as an image of cols·kx × rows·ky pixels, upside
// down when flip is set.
func (h *heat) image(kx, ky int, flip bool) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, h.cols*kx, h.rows*ky))
	for i := range h.rows {
		y := i
		if flip {
			y = h.rows - 1 - i
		}
		for j := range h.cols {
			col := h.cellColor(i, j)
			for dy := range ky {
				row := img.Pix[img.PixOffset(j*kx, y*ky+dy):]
				for dx := range kx {
					p := row[4*dx : 4*dx+4 : 4*dx+4]
					p[0], p[1], p[2], p[3] = col.R, col.G, col.B, col.A
				}
			}
		}
	}
	return img
}

// drawEmbedded embeds the cells as an image in a vector file. Each cell
// becomes a block of about embedDensity pixels per point, so viewers that
// smooth images only soften cell edges, and the image has the rectangle's
// aspect ratio, which SVG viewers preserve.
func (h *heat) drawEmbedded(c draw.Canvas, r vg.Rectangle, o *output) {
	const embedDensity = 2
	kx := max(1, int(math.Round(float64(r.Max.X-r.Min.X)*embedDensity/float64(h.cols))))
	ky := max(1, int(math.Round(float64(r.Max.Y-r.Min.Y)*embedDensity/float64(h.rows))))
	c.DrawImage(r, h.image(kx, ky, false))
}

// drawVector fills one rectangle per run of equal colours in a row, each
// overlapping its right and lower neighbours slightly so that viewers'
// anti-aliasing leaves no hairline seams.
func (h *heat) drawVector(c draw.Canvas, r vg.Rectangle) {
	cw := (r.Max.X - r.Min.X) / vg.Length(h.cols)
	ch := (r.Max.Y - r.Min.Y) / vg.Length(h.rows)
	eps := min(0.25, cw/5, ch/5)
	for i := range h.rows {
		y1 := r.Max.Y - vg.Length(i)*ch
		y0 := y1 - ch
		if i < h.rows-1 {
			y0 -= eps
		}
		for j := 0; j < h.cols; {
			col := h.cellColor(i, j)
			end := j + 1
			for end < h.cols && h.cellColor(i, end) == col {
				end++
			}
			x0 := r.Min.X + vg.Length(j)*cw
			x1 := r.Min.X + vg.Length(end)*cw
			if end < h.cols {
				x1 += eps
			}
			c.FillPolygon(col, []vg.Point{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}})
			j = end
		}
	}
}

// hatchSpacing is the distance between hatch lines, in points.
const hatchSpacing = 4

// drawHatch strokes "/" lines over the causal mask's cells (j > i). In cell
// units, with x the key column and y the query row counted downwards, the
// masked region is x ≥ ⌊y⌋ + 1, and a hatch line is x + y = s. In row band
// i it is masked for x in [max(s−i−1, i+1), min(s−i, cols)], and since the
// region is a staircase these pieces join into one segment per line.
func (h *heat) drawHatch(c draw.Canvas, r vg.Rectangle) {
	cw := float64(r.Max.X-r.Min.X) / float64(h.cols)
	ch := float64(r.Max.Y-r.Min.Y) / float64(h.rows)
	step := hatchSpacing * math.Sqrt2 / math.Sqrt(cw*ch)
	sty := draw.LineStyle{Color: hatchCol, Width: 0.5}
	n := float64(min(h.rows, h.cols))
	for s := 1 + step/2; s < float64(h.cols)+n; s += step {
		x0, x1 := math.Inf(1), math.Inf(-1)
		for i := range h.rows {
			fi := float64(i)
			lo := max(s-fi-1, fi+1)
			hi := min(s-fi, float64(h.cols))
			if lo < hi {
				x0, x1 = min(x0, lo), max(x1, hi)
			}
		}
		if x0 >= x1 {
			continue
		}
		pt := func(x float64) vg.Point {
			return vg.Point{X: r.Min.X + vg.Length(x*cw), Y: r.Max.Y - vg.Length((s-x)*ch)}
		}
		c.StrokeLine2(sty, pt(x0).X, pt(x0).Y, pt(x1).X, pt(x1).Y)
	}
}

// heatPlotter draws a heat in a plot whose axes run from 0 to cols and 0 to
// rows; data row 0 is at the top, so the plot's y = rows − i − ½ is row i.
type heatPlotter struct {
	h   *heat
	o   *output
	all int // cells in the whole figure, to pick vector or image
}

// Plot implements the plot.Plotter interface.
func (hp heatPlotter) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	r := vg.Rectangle{
		Min: vg.Point{X: trX(0), Y: trY(0)},
		Max: vg.Point{X: trX(float64(hp.h.cols)), Y: trY(float64(hp.h.rows))},
	}
	hp.h.draw(c, r, hp.o, hp.all)
}

// drawFrame strokes a thin border around r.
func drawFrame(c draw.Canvas, r vg.Rectangle) {
	c.StrokeLines(draw.LineStyle{Color: frameCol, Width: 0.5}, []vg.Point{
		r.Min, {X: r.Max.X, Y: r.Min.Y}, r.Max, {X: r.Min.X, Y: r.Max.Y}, r.Min,
	})
}
