package viz

import (
	"golang.org/x/image/font"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
	plotfont "gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"
)

// outlines returns s set in face at pt (the baseline's start) as a path of
// glyph outlines, for a format that cannot embed the font (EPS). A
// character the face lacks is skipped by its advance.
func outlines(face plotfont.Face, pt vg.Point, s string) vg.Path {
	f := (*sfnt.Font)(face.Face)
	size := float64(face.Font.Size.Points())
	ppem := fixed.Int26_6(size * 64) // one "pixel" per point, in 26.6
	var buf sfnt.Buffer
	var p vg.Path
	x := pt.X
	at := func(q fixed.Point26_6) vg.Point {
		// sfnt's y grows downwards from the baseline.
		return vg.Point{X: x + vg.Length(float64(q.X)/64), Y: pt.Y - vg.Length(float64(q.Y)/64)}
	}
	for _, r := range s {
		g, err := f.GlyphIndex(&buf, r)
		if err != nil {
			continue
		}
		segs, err := f.LoadGlyph(&buf, g, ppem, nil)
		if err == nil {
			for _, seg := range segs {
				switch seg.Op {
				case sfnt.SegmentOpMoveTo:
					if len(p) > 0 {
						p.Close()
					}
					p.Move(at(seg.Args[0]))
				case sfnt.SegmentOpLineTo:
					p.Line(at(seg.Args[0]))
				case sfnt.SegmentOpQuadTo:
					p.QuadTo(at(seg.Args[0]), at(seg.Args[1]))
				case sfnt.SegmentOpCubeTo:
					p.CubeTo(at(seg.Args[0]), at(seg.Args[1]), at(seg.Args[2]))
				}
			}
			if len(segs) > 0 {
				p.Close()
			}
		}
		if adv, err := f.GlyphAdvance(&buf, g, ppem, font.HintingNone); err == nil {
			x += vg.Length(float64(adv) / 64)
		}
	}
	return p
}
