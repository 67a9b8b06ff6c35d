package tokenizer

import (
	"unicode"
	"unicode/utf8"
)

// This file is GPT-2's pre-tokenizer, the regular expression
//
//	's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
//
// written out as a scanner over runes. Like the regexp engine, at each
// position it takes the first alternative that matches, each as long as it
// can. Go's regexp has no lookahead, which \s+(?!\S) needs: a run of
// whitespace followed by a non-space gives up its last character, so that
// the following word can take it (only a plain space can be taken, by
// " ?\p{L}+" and the like; any other whitespace character is then a word of
// its own through the final \s+).

// class is the character class of a rune as the pattern sees it.
type class uint8

const (
	classOther  class = iota // [^\s\p{L}\p{N}]: punctuation, symbols, marks, controls
	classLetter              // \p{L}
	classNumber              // \p{N}
	classSpace               // \s, Unicode White_Space
)

// asciiClass is the class of each ASCII rune; it is built once and only
// read afterwards.
var asciiClass = func() (t [utf8.RuneSelf]class) {
	for r := range rune(utf8.RuneSelf) {
		switch {
		case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z':
			t[r] = classLetter
		case '0' <= r && r <= '9':
			t[r] = classNumber
		case r == ' ', '\t' <= r && r <= '\r':
			t[r] = classSpace
		default:
			t[r] = classOther
		}
	}
	return t
}()

// classOf gives the class of r. \s is the White_Space property, as in
// Python's regex module: it includes U+0085, U+00A0, U+2028 and U+3000, and
// not the separators U+001C..U+001F, which are classOther.
func classOf(r rune) class {
	if r < utf8.RuneSelf {
		return asciiClass[r]
	}
	switch {
	case 0x4E00 <= r && r <= 0x9FFF, 0xAC00 <= r && r <= 0xD7A3, 0x3041 <= r && r <= 0x3096, 0x30A1 <= r && r <= 0x30FA:
		// Shortcut for the large blocks of CJK ideographs, Hangul
		// syllables, hiragana and katakana: all letters (Lo) in
		// Unicode 15.0, as TestClassOf checks.
		return classLetter
	case unicode.IsLetter(r):
		return classLetter
	case unicode.IsNumber(r):
		return classNumber
	case unicode.Is(unicode.White_Space, r):
		return classSpace
	}
	return classOther
}

// runeAt decodes the rune at s[i:] with its class and size.
func runeAt(s string, i int) (rune, class, int) {
	if c := s[i]; c < utf8.RuneSelf {
		return rune(c), asciiClass[c], 1
	}
	r, n := utf8.DecodeRuneInString(s[i:])
	return r, classOf(r), n
}

// contraction returns the length of the contraction ('s 't 're 've 'm 'll
// 'd, case-sensitive) at s[i:], which starts with an apostrophe, or 0.
func contraction(s string, i int) int {
	if i+1 >= len(s) {
		return 0
	}
	switch s[i+1] {
	case 's', 't', 'm', 'd':
		return 2
	case 'r', 'v':
		if i+2 < len(s) && s[i+2] == 'e' {
			return 3
		}
	case 'l':
		if i+2 < len(s) && s[i+2] == 'l' {
			return 3
		}
	}
	return 0
}

// span returns the end of the run of runes of class c that starts at s[i:].
func span(s string, i int, c class) int {
	for i < len(s) {
		if b := s[i]; b < utf8.RuneSelf {
			if asciiClass[b] != c {
				break
			}
			i++
			continue
		}
		_, rc, n := runeAt(s, i)
		if rc != c {
			break
		}
		i += n
	}
	return i
}

// nextWord returns the end of the pre-tokenized word that starts at s[i:],
// for i < len(s). s must be valid UTF-8.
func nextWord(s string, i int) int {
	if s[i] == '\'' {
		if n := contraction(s, i); n > 0 {
			return i + n
		}
	}
	r, c, n := runeAt(s, i)
	if r == ' ' && i+1 < len(s) {
		// " ?\p{L}+", " ?\p{N}+" and " ?[^\s\p{L}\p{N}]+" may start with one space.
		if _, c2, _ := runeAt(s, i+1); c2 != classSpace {
			return span(s, i+1, c2)
		}
	}
	if c != classSpace {
		return span(s, i, c)
	}
	// A whitespace run: "\s+(?!\S)" takes all of it at the end of the text,
	// or all but its last character before a non-space; otherwise (a single
	// whitespace character before a non-space) "\s+" takes that character.
	end, last := i+n, i
	for end < len(s) {
		_, c2, n2 := runeAt(s, end)
		if c2 != classSpace {
			break
		}
		last = end
		end += n2
	}
	if end < len(s) && last > i {
		return last
	}
	return end
}
