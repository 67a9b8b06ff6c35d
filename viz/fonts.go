package viz

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"sync"

	"codeberg.org/go-fonts/liberation/liberationsansregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/font/liberation"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
)

// Plots draw Latin text with Liberation Sans, which gonum/plot embeds,
// and any text with a character Liberation lacks (Chinese tokens and
// titles) with a CJK font of the system: the file CJKFontEnv names, else
// the first of cjkFontPaths that exists. Without one, such characters are
// written <U+XXXX> and CJKFont reports why, with the install step.

// CJKFontEnv names the environment variable that points plots at a CJK
// TrueType font (.ttf, or the first font of a .ttc collection).
const CJKFontEnv = "EXPLORER_CJK_FONT"

// cjkFontPaths are where Debian's CJK TrueType fonts install
// (fonts-wqy-microhei, fonts-wqy-zenhei, fonts-droid-fallback,
// fonts-arphic-uming).
var cjkFontPaths = []string{
	"/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
	"/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
	"/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
	"/usr/share/fonts/truetype/arphic/uming.ttc",
}

// ErrNoCJKFont says that no CJK font was found, and how to install one.
var ErrNoCJKFont = errors.New("viz: no CJK font: Chinese text in plots prints as <U+XXXX>; install one (apt-get install fonts-wqy-microhei) or set " + CJKFontEnv + " to a TrueType font")

// cjkTypeface is the typeface name the CJK font goes by in the font cache.
const cjkTypeface = "CJK"

// A fontSet is the plots' fonts: the cache gonum/plot draws from, and the
// TrueType bytes the PDF canvas embeds. It is built once and read only.
type fontSet struct {
	cache    *font.Cache
	cjk      *sfnt.Font // nil without a CJK font
	cjkTTF   []byte     // the CJK font as one TrueType font, for PDF
	cjkPath  string
	cjkErr   error
	sansTTF  []byte
	sansFont *sfnt.Font
}

// fonts returns the plots' fonts, finding the CJK font on first use.
var fonts = sync.OnceValue(func() *fontSet {
	fs := &fontSet{cache: font.NewCache(liberation.Collection()), sansTTF: liberationsansregular.TTF}
	var err error
	if fs.sansFont, err = sfnt.Parse(fs.sansTTF); err != nil {
		panic("viz: the embedded Liberation Sans does not parse: " + err.Error()) // cannot happen
	}
	fs.cjkPath, fs.cjkTTF, fs.cjk, fs.cjkErr = findCJK()
	if fs.cjk != nil {
		fs.cache.Add(font.Collection{{Font: font.Font{Typeface: cjkTypeface}, Face: (*opentype.Font)(fs.cjk)}})
	}
	return fs
})

// CJKFont returns the path of the CJK font plots use, or ErrNoCJKFont
// (wrapped with what was tried).
func CJKFont() (string, error) {
	fs := fonts()
	return fs.cjkPath, fs.cjkErr
}

// findCJK loads the CJK font: CJKFontEnv's, else the first system one.
func findCJK() (path string, ttf []byte, f *sfnt.Font, err error) {
	paths := cjkFontPaths
	if p := os.Getenv(CJKFontEnv); p != "" {
		paths = []string{p}
	}
	var tried []error
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			if os.Getenv(CJKFontEnv) != "" {
				tried = append(tried, err)
			}
			continue
		}
		ttf, err := firstFont(b)
		if err == nil {
			f, err = sfnt.Parse(ttf)
		}
		if err == nil {
			var buf sfnt.Buffer
			if g, gerr := f.GlyphIndex(&buf, '中'); gerr != nil || g == 0 {
				err = errors.New("it has no Chinese characters")
			}
		}
		if err != nil {
			tried = append(tried, fmt.Errorf("%s: %w", p, err))
			continue
		}
		return p, ttf, f, nil
	}
	return "", nil, nil, errors.Join(append([]error{ErrNoCJKFont}, tried...)...)
}

// firstFont returns a font file as one TrueType font: the file itself, or
// the first font of a TrueType collection (.ttc) rewritten as a file of
// its own, since the PDF writer reads single fonts only.
func firstFont(b []byte) ([]byte, error) {
	if len(b) < 12 {
		return nil, errors.New("too short for a font")
	}
	if string(b[:4]) != "ttcf" {
		return b, nil
	}
	if len(b) < 16 {
		return nil, errors.New("truncated collection header")
	}
	off := int(binary.BigEndian.Uint32(b[12:]))
	if off+12 > len(b) {
		return nil, errors.New("collection's first font is outside the file")
	}
	n := int(binary.BigEndian.Uint16(b[off+4:]))
	dir := off + 12
	if dir+16*n > len(b) {
		return nil, errors.New("truncated table directory")
	}
	// The new file: the offset table and directory, then each table,
	// 4-byte aligned, with the directory's offsets pointing at the copies.
	head := 12 + 16*n
	out := make([]byte, head, len(b))
	copy(out, b[off:off+12])
	for i := range n {
		rec := b[dir+16*i : dir+16*i+16]
		tOff, tLen := int(binary.BigEndian.Uint32(rec[8:])), int(binary.BigEndian.Uint32(rec[12:]))
		if tOff < 0 || tLen < 0 || tOff+tLen > len(b) {
			return nil, fmt.Errorf("table %q is outside the file", rec[:4])
		}
		copy(out[12+16*i:], rec[:8])
		binary.BigEndian.PutUint32(out[12+16*i+8:], uint32(len(out)))
		binary.BigEndian.PutUint32(out[12+16*i+12:], uint32(tLen))
		out = append(out, b[tOff:tOff+tLen]...)
		for len(out)%4 != 0 {
			out = append(out, 0)
		}
	}
	return out, nil
}

// has reports whether font f has a glyph for r.
func has(f *sfnt.Font, r rune) bool {
	if f == nil {
		return false
	}
	var buf sfnt.Buffer
	g, err := f.GlyphIndex(&buf, r)
	return err == nil && g != 0
}

// needsCJK reports whether s has a character Liberation Sans lacks that
// the CJK font has.
func (fs *fontSet) needsCJK(s string) bool {
	if fs.cjk == nil {
		return false
	}
	for _, r := range s {
		if r >= 0x80 && !has(fs.sansFont, r) && has(fs.cjk, r) {
			return true
		}
	}
	return false
}

// canDraw reports whether the plots' fonts have a glyph for r.
func (fs *fontSet) canDraw(r rune) bool {
	if r < 0x7F {
		return r >= 0x20
	}
	return has(fs.sansFont, r) || has(fs.cjk, r)
}

// textHandler is gonum/plot's plain text handler over the plots' fonts,
// switching a text to the CJK font when Liberation lacks a character of
// it (the CJK fonts have Latin letters too).
type textHandler struct{ fs *fontSet }

var _ text.Handler = textHandler{}

func (h textHandler) plain() text.Plain { return text.Plain{Fonts: h.fs.cache} }

func (h textHandler) pick(txt string, f font.Font) font.Font {
	if h.fs.needsCJK(txt) {
		f.Typeface, f.Variant, f.Style, f.Weight = cjkTypeface, "", 0, 0
	}
	return f
}

// Cache implements text.Handler.
func (h textHandler) Cache() *font.Cache { return h.fs.cache }

// Extents implements text.Handler.
func (h textHandler) Extents(f font.Font) font.Extents { return h.plain().Extents(f) }

// Lines implements text.Handler.
func (h textHandler) Lines(txt string) []string { return h.plain().Lines(txt) }

// Box implements text.Handler.
func (h textHandler) Box(txt string, f font.Font) (width, height, depth vg.Length) {
	return h.plain().Box(txt, h.pick(txt, f))
}

// Draw implements text.Handler.
func (h textHandler) Draw(c vg.Canvas, txt string, sty text.Style, pt vg.Point) {
	sty.Font = h.pick(txt, sty.Font)
	h.plain().Draw(c, txt, sty, pt)
}
