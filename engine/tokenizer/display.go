package tokenizer

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// DisplayBytes returns a readable form of a token's raw bytes, for user
// interfaces and plots. It is the one place the display rule lives:
//
//   - valid UTF-8 text is shown as it is, except for the cases below;
//   - a space is shown as '␣' (U+2423), wherever it is in the token;
//   - a newline as '↵' (U+21B5), a tab as '⇥' (U+21E5) and a carriage
//     return as '␍' (U+240D);
//   - any other control character (Unicode category Cc: C0 controls, DEL,
//     C1 controls) is shown byte by byte as <0xHH>, uppercase hex, for
//     example "\x00" as "<0x00>" and U+0085 as "<0xC2><0x85>";
//   - a byte that does not begin a valid UTF-8 sequence on its own (such as
//     part of a character that GPT-2 split over two tokens) is also shown as
//     <0xHH>, for example "<0xE8>";
//   - any other invisible character (not graphic in Go's sense: format
//     characters such as the zero width joiner, line and paragraph
//     separators, private use and unassigned code points) is shown as its
//     code point, for example "<U+200D>".
//
// The result is deterministic. It is not injective (the token "␣" and the
// token " " look alike), but distinct tokens rarely collide.
func DisplayBytes(b []byte) string { return displayText(b) }

// displayText is DisplayBytes for bytes held in a string or a slice.
func displayText[T string | []byte](b T) string {
	var sb strings.Builder
	sb.Grow(len(b) + 8)
	for i := 0; i < len(b); {
		r, n := decodeRune(b[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&sb, "<0x%02X>", b[i])
		case r == ' ':
			sb.WriteRune('␣')
		case r == '\n':
			sb.WriteRune('↵')
		case r == '\t':
			sb.WriteRune('⇥')
		case r == '\r':
			sb.WriteRune('␍')
		case unicode.IsControl(r):
			for j := i; j < i+n; j++ {
				fmt.Fprintf(&sb, "<0x%02X>", b[j])
			}
		case !unicode.IsGraphic(r):
			fmt.Fprintf(&sb, "<U+%04X>", r)
		default:
			sb.WriteString(string(b[i : i+n]))
		}
		i += n
	}
	return sb.String()
}

// decodeRune is utf8.DecodeRune for a string or a slice.
func decodeRune[T string | []byte](b T) (rune, int) {
	switch b := any(b).(type) {
	case string:
		return utf8.DecodeRuneInString(b)
	default:
		return utf8.DecodeRune(b.([]byte))
	}
}
