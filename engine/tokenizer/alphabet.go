package tokenizer

import (
	"strings"
	"unicode/utf8"
)

// alphabet is GPT-2's byte-to-unicode table: the printable stand-in rune for
// every byte value, and the inverse.
//
// Bytes that are printable Latin-1 ('!'..'~', '¡'..'¬', '®'..'ÿ') stand for
// themselves. The other 68 bytes (controls, space, DEL, NBSP, soft hyphen)
// are given the runes U+0100, U+0101, ... in increasing byte order, so that
// the space 0x20 becomes 'Ġ' (U+0120) and the newline 0x0A becomes 'Ċ'.
//
// order lists the bytes in the order GPT-2 assigns them ids 0..255: the
// printable bytes first, in increasing order, then the remapped ones.
type alphabet struct {
	runeOf [256]rune
	byteOf [alphabetEnd]int16 // byte of each stand-in rune, or -1
	order  [256]byte
}

// alphabetEnd is one past the largest stand-in rune, U+0143.
const alphabetEnd = 256 + 68

// gpt2Alphabet is built once and only read afterwards.
var gpt2Alphabet = newAlphabet()

// printableLatin1 reports whether GPT-2 lets byte b stand for itself.
func printableLatin1(b int) bool {
	return ('!' <= b && b <= '~') || (0xA1 <= b && b <= 0xAC) || (0xAE <= b && b <= 0xFF)
}

func newAlphabet() *alphabet {
	a := &alphabet{}
	for r := range a.byteOf {
		a.byteOf[r] = -1
	}
	n := 0
	for b := range 256 {
		if printableLatin1(b) {
			a.runeOf[b] = rune(b)
			a.order[n] = byte(b)
			n++
		}
	}
	shifted := 0
	for b := range 256 {
		if !printableLatin1(b) {
			a.runeOf[b] = rune(256 + shifted)
			a.order[n] = byte(b)
			shifted++
			n++
		}
	}
	for b, r := range a.runeOf {
		a.byteOf[r] = int16(b)
	}
	return a
}

// encode spells raw bytes in the alphabet, as vocab.json does.
func (a *alphabet) encode(b []byte) string {
	var sb strings.Builder
	sb.Grow(2 * len(b))
	for _, c := range b {
		sb.WriteRune(a.runeOf[c])
	}
	return sb.String()
}

// decode turns a string spelled in the alphabet back into raw bytes. It
// reports false if s contains a rune outside the alphabet.
func (a *alphabet) decode(s string) ([]byte, bool) {
	return a.decodeAppend(make([]byte, 0, utf8.RuneCountInString(s)), s)
}

// decodeAppend is decode appending to dst; when s is not in the alphabet
// it returns dst unchanged.
func (a *alphabet) decodeAppend(dst []byte, s string) ([]byte, bool) {
	n := len(dst)
	for _, r := range s {
		if r < 0 || r >= alphabetEnd || a.byteOf[r] < 0 {
			return dst[:n], false
		}
		dst = append(dst, byte(a.byteOf[r]))
	}
	return dst, true
}
