package mathml

import (
	"unicode"
	"unicode/utf8"
)

// tokenKind separates characters from commands.
type tokenKind int

const (
	tokEOF  tokenKind = iota
	tokChar           // one character, r
	tokCmd            // a backslash command, name without the backslash
)

// token is one lexical unit of the input; pos and end are byte offsets.
type token struct {
	kind     tokenKind
	r        rune
	name     string
	pos, end int
}

// is reports whether t is the character r.
func (t token) is(r rune) bool { return t.kind == tokChar && t.r == r }

// isCmd reports whether t is the command \name.
func (t token) isCmd(name string) bool { return t.kind == tokCmd && t.name == name }

// key spells t as it is keyed in the symbol tables: a character as itself
// and a command with its backslash.
func (t token) key() string {
	if t.kind == tokCmd {
		return "\\" + t.name
	}
	return string(t.r)
}

// terminates reports whether t ends a row of math: the end of input, a
// closing brace, a column or row separator, \end or \right.
func (t token) terminates() bool {
	switch t.kind {
	case tokEOF:
		return true
	case tokChar:
		return t.r == '}' || t.r == '&'
	}
	return t.name == "\\" || t.name == "end" || t.name == "right"
}

// validate checks that src is UTF-8 made of characters XML allows, so that
// the annotation and every token can be written out as they are.
func validate(src string) error {
	for i, r := range src {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(src[i:]); size == 1 {
				return errorf(i, "invalid UTF-8")
			}
		}
		if !xmlChar(r) {
			return errorf(i, "character %U is not allowed", r)
		}
	}
	return nil
}

// xmlChar reports whether r may appear in an XML 1.0 document.
func xmlChar(r rune) bool {
	switch {
	case r == '\t' || r == '\n' || r == '\r':
		return true
	case r < 0x20:
		return false
	case r >= 0xD800 && r <= 0xDFFF, r == 0xFFFE, r == 0xFFFF:
		return false
	}
	return r <= unicode.MaxRune
}

// skipSpace returns the offset of the first non-space byte at or after i.
func skipSpace(src string, i int) int {
	for i < len(src) {
		r, size := utf8.DecodeRuneInString(src[i:])
		if !unicode.IsSpace(r) {
			break
		}
		i += size
	}
	return i
}

// scan reads the token that starts at or after offset i, skipping spaces.
func scan(src string, i int) token {
	i = skipSpace(src, i)
	if i >= len(src) {
		return token{kind: tokEOF, pos: len(src), end: len(src)}
	}
	r, size := utf8.DecodeRuneInString(src[i:])
	if r != '\\' {
		return token{kind: tokChar, r: r, pos: i, end: i + size}
	}
	j := i + 1
	for j < len(src) && isASCIILetter(rune(src[j])) {
		j++
	}
	if j > i+1 {
		return token{kind: tokCmd, name: src[i+1 : j], pos: i, end: j}
	}
	if j >= len(src) {
		return token{kind: tokCmd, name: "", pos: i, end: j}
	}
	_, size = utf8.DecodeRuneInString(src[j:])
	return token{kind: tokCmd, name: src[j : j+size], pos: i, end: j + size}
}

func isASCIILetter(r rune) bool { return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' }

func isDigit(r rune) bool { return r >= '0' && r <= '9' }
