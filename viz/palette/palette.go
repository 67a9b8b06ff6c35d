// Package palette holds the colour maps shared by exported plots (viz) and
// the web app's canvas heatmaps, so a plot looks like what the learner saw.
//
// A Palette is a 256-entry lookup table, like matplotlib's colour maps: At
// rounds t·255 to the nearest entry. The tables are built once from a few
// published control colours by interpolating in the OKLab colour space, whose
// lightness axis is perceptually uniform, and JSModule writes the very same
// tables out for the browser.
package palette

import (
	"image/color"
	"math"
	"sync"
)

// Size is the number of entries of every palette's table.
const Size = 256

// A Palette maps a value t in [0, 1] to a colour. It is a small value that
// shares an immutable table, so it is cheap to copy and safe for concurrent
// use. The zero Palette behaves as Sequential.
type Palette struct {
	name  string
	table *[Size]color.RGBA
}

// Name returns the palette's name: "sequential" or "diverging".
func (p Palette) Name() string { return p.orDefault().name }

// At returns the colour of t: entry round(t·255) of the table. t is clamped
// to [0, 1], and NaN counts as 0.
func (p Palette) At(t float64) color.RGBA { return p.orDefault().table[index(t)] }

// Table returns a copy of the palette's 256 colours, from t = 0 to t = 1.
func (p Palette) Table() []color.RGBA {
	out := make([]color.RGBA, Size)
	copy(out, p.orDefault().table[:])
	return out
}

// orDefault returns p, or Sequential for the zero Palette.
func (p Palette) orDefault() Palette {
	if p.table == nil {
		return sequential()
	}
	return p
}

// index returns the table entry of t: round(clamp(t, 0, 1)·255).
func index(t float64) int {
	if !(t >= 0) { // also NaN
		return 0
	}
	if t > 1 {
		return Size - 1
	}
	return int(math.Round(t * (Size - 1)))
}

// viridisStops are the nine evenly spaced control colours of matplotlib's
// viridis (as R's viridisLite lists viridis(9)): dark purple through teal to
// yellow, with lightness rising steadily.
var viridisStops = [...]uint32{
	0x440154, 0x472D7B, 0x3B528B, 0x2C728E, 0x21908C,
	0x27AD81, 0x5DC863, 0xAADC32, 0xFDE725,
}

// rdBuStops are ColorBrewer's 11-class RdBu, reversed so that low values are
// blue and high values red, with the near-white #F7F7F7 at the centre (0.5).
var rdBuStops = [...]uint32{
	0x053061, 0x2166AC, 0x4393C3, 0x92C5DE, 0xD1E5F0, 0xF7F7F7,
	0xFDDBC7, 0xF4A582, 0xD6604D, 0xB2182B, 0x67001F,
}

// maskedRGB is the flat grey of masked cells (the causal mask's future):
// neutral, so it is neither a viridis colour nor one of the diverging map's
// tinted colours, and lighter than viridis' low end so it never reads as
// "low attention".
const maskedRGB = 0xC8C8C8

// Sequential returns the perceptually uniform sequential palette (viridis),
// for non-negative values such as attention weights and probabilities.
func Sequential() Palette { return sequential() }

// Diverging returns the blue–white–red palette for signed values, white at
// t = 0.5: map v to t = 0.5 + v/(2m) for a range [−m, m] centred at zero.
func Diverging() Palette { return diverging() }

// Masked returns the colour of masked cells. Plots hatch it; the web app
// fills it flat.
func Masked() color.RGBA { return rgb(maskedRGB) }

// The palettes are built on first use, once, and never changed: a command
// that draws nothing (explorer trace) does not pay the 0.6 ms of OKLab
// arithmetic at start-up.
var (
	sequential = sync.OnceValue(func() Palette { return build("sequential", viridisStops[:]) })
	diverging  = sync.OnceValue(func() Palette { return build("diverging", rdBuStops[:]) })
)

// build interpolates evenly spaced stops in OKLab into a table of Size colours.
func build(name string, stops []uint32) Palette {
	p := Palette{name: name, table: new([Size]color.RGBA)}
	labs := make([][3]float64, len(stops))
	for i, s := range stops {
		labs[i] = toOKLab(rgb(s))
	}
	segs := float64(len(stops) - 1)
	for k := range p.table {
		x := float64(k) / (Size - 1) * segs
		i := min(int(x), len(stops)-2)
		f := x - float64(i)
		var lab [3]float64
		for c := range lab {
			lab[c] = labs[i][c] + f*(labs[i+1][c]-labs[i][c])
		}
		p.table[k] = fromOKLab(lab)
	}
	return p
}

// rgb unpacks 0xRRGGBB into an opaque colour.
func rgb(v uint32) color.RGBA {
	return color.RGBA{R: uint8(v >> 16), G: uint8(v >> 8), B: uint8(v), A: 0xFF}
}
