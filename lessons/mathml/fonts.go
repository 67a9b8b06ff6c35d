package mathml

import "sync"

// Math alphabets are rendered with the Unicode Mathematical Alphanumeric
// Symbols block (U+1D400–U+1D7FF) rather than the mathvariant attribute,
// because MathML Core (and so Chromium) only honours mathvariant="normal".

// font is a math alphabet selected by \mathbf, \mathbb, \textit and friends.
type font int

const (
	fontDefault    font = iota // math italic for single letters, as TeX
	fontRoman                  // \mathrm, \operatorname, \text: upright
	fontBold                   // \mathbf
	fontItalic                 // \mathit
	fontBoldItalic             // \boldsymbol, \bm
	fontSans                   // \mathsf
	fontDouble                 // \mathbb
	fontScript                 // \mathcal, \mathscr
	fontFraktur                // \mathfrak
	fontMono                   // \mathtt
)

// alphabet gives the first code point of the capital letters (small
// letters follow 26 later), the digits and the Greek block of one font;
// 0 means the font has no such letters and leaves them unchanged.
type alphabet struct {
	latin, digits, greek rune
	holes                map[rune]rune // letters that Unicode encodes elsewhere
}

var alphabets = sync.OnceValue(func() map[font]alphabet {
	return map[font]alphabet{
		fontBold:       {latin: 0x1D400, digits: 0x1D7CE, greek: 0x1D6A8},
		fontItalic:     {latin: 0x1D434, greek: 0x1D6E2, holes: map[rune]rune{'h': 'ℎ'}},
		fontBoldItalic: {latin: 0x1D468, digits: 0x1D7CE, greek: 0x1D71C},
		fontSans:       {latin: 0x1D5A0, digits: 0x1D7E2},
		fontDouble: {latin: 0x1D538, digits: 0x1D7D8, holes: map[rune]rune{
			'C': 'ℂ', 'H': 'ℍ', 'N': 'ℕ', 'P': 'ℙ', 'Q': 'ℚ', 'R': 'ℝ', 'Z': 'ℤ'}},
		fontScript: {latin: 0x1D49C, holes: map[rune]rune{
			'B': 'ℬ', 'E': 'ℰ', 'F': 'ℱ', 'H': 'ℋ', 'I': 'ℐ', 'L': 'ℒ', 'M': 'ℳ', 'R': 'ℛ',
			'e': 'ℯ', 'g': 'ℊ', 'o': 'ℴ'}},
		fontFraktur: {latin: 0x1D504, holes: map[rune]rune{
			'C': 'ℭ', 'H': 'ℌ', 'I': 'ℑ', 'R': 'ℜ', 'Z': 'ℨ'}},
		fontMono: {latin: 0x1D670, digits: 0x1D7F6},
	}
})

// greekIndex gives the position of a Greek letter (or ∇, ∂ and the variant
// forms) inside a 58-character math Greek block: 25 capitals, ∇, 25 small
// letters, ∂, then ϵ ϑ ϰ ϕ ϱ ϖ.
func greekIndex(r rune) (int, bool) {
	switch {
	case r >= 'Α' && r <= 'Ω' && r != 0x3A2:
		return int(r - 'Α'), true
	case r == 'ϴ':
		return 17, true
	case r == '∇':
		return 25, true
	case r >= 'α' && r <= 'ω':
		return 26 + int(r-'α'), true
	}
	for i, v := range []rune{'∂', 'ϵ', 'ϑ', 'ϰ', 'ϕ', 'ϱ', 'ϖ'} {
		if r == v {
			return 51 + i, true
		}
	}
	return 0, false
}

// styleRune returns r drawn in font f, or r itself when f has no form of it.
func styleRune(f font, r rune) rune {
	a, ok := alphabets()[f]
	if !ok {
		return r
	}
	if h, ok := a.holes[r]; ok {
		return h
	}
	switch {
	case a.latin != 0 && r >= 'A' && r <= 'Z':
		return a.latin + (r - 'A')
	case a.latin != 0 && r >= 'a' && r <= 'z':
		return a.latin + 26 + (r - 'a')
	case a.digits != 0 && r >= '0' && r <= '9':
		return a.digits + (r - '0')
	}
	if i, ok := greekIndex(r); ok && a.greek != 0 {
		// \boldsymbol keeps capital Greek upright, as TeX does.
		if f == fontBoldItalic && i < 26 {
			return alphabets()[fontBold].greek + rune(i)
		}
		return a.greek + rune(i)
	}
	return r
}

// styleString applies styleRune to every rune of s.
func styleString(f font, s string) string {
	if _, ok := alphabets()[f]; !ok {
		return s
	}
	out := make([]rune, 0, len(s))
	for _, r := range s {
		out = append(out, styleRune(f, r))
	}
	return string(out)
}

// autoItalic reports whether a browser would draw r in italic when it is
// the only character of an <mi> (the MathML Core italic mapping), so that
// upright letters need mathvariant="normal".
func autoItalic(r rune) bool {
	if r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r == 'ı' || r == 'ȷ' {
		return true
	}
	_, ok := greekIndex(r)
	return ok
}
