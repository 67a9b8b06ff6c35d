package tokenizer

import (
	"slices"
	"strings"
	"testing"
	"unicode"
)

func words(s string) []string {
	var out []string
	for i := 0; i < len(s); {
		j := nextWord(s, i)
		out = append(out, s[i:j])
		i = j
	}
	return out
}

// TestPretokenize checks the splitter on the points the conformance README
// lists as commonly mishandled, each split worked out by hand from the
// regular expression.
func TestPretokenize(t *testing.T) {
	for _, c := range []struct {
		text string
		want []string
	}{
		{"", nil},
		{" ", []string{" "}},
		{"Hello world", []string{"Hello", " world"}},
		{"x" + strings.Repeat(" ", 20) + "y", []string{"x", strings.Repeat(" ", 19), " y"}},
		{"a  ", []string{"a", "  "}},           // trailing run: all of it
		{"a \n b", []string{"a", " \n", " b"}}, // the run gives up its last space
		{"a\n\nb", []string{"a", "\n", "\n", "b"}},
		{"a\tb", []string{"a", "\t", "b"}},
		{"x \t y", []string{"x", " \t", " y"}},
		{"IT'S", []string{"IT", "'", "S"}},
		{"it's", []string{"it", "'s"}},
		{"y'all'd've", []string{"y", "'", "all", "'d", "'ve"}},
		{"we're I'll he'd 'm", []string{"we", "'re", " I", "'ll", " he", "'d", " '", "m"}},
		{"''s", []string{"''", "s"}},
		{"!'s", []string{"!'", "s"}},
		{"abc123 456", []string{"abc", "123", " 456"}},
		{"x=1;", []string{"x", "=", "1", ";"}},
		{" ..!", []string{" ..!"}},
		{"日本語 テキスト", []string{"日本語", " テキスト"}},
		{"a\u00a0b", []string{"a", "\u00a0", "b"}}, // NBSP is \s
		{"a\u3000\u3000b", []string{"a", "\u3000", "\u3000", "b"}},
		{"a\u0085b", []string{"a", "\u0085", "b"}},
		{"a\u2028 b", []string{"a", "\u2028", " b"}},
		{"a\x1c\x1fb", []string{"a", "\x1c\x1f", "b"}}, // U+001C..U+001F are not \s
		{"²³ ½", []string{"²³", " ½"}},                 // \p{N} includes No
		{"ªº", []string{"ªº"}},                         // and \p{L} includes Lo
		{"e\u0301", []string{"e", "\u0301"}},           // a combining mark is neither
		{"x  \u00e9", []string{"x", " ", " \u00e9"}},
	} {
		if got := words(c.text); !slices.Equal(got, c.want) {
			t.Errorf("words(%q) = %q, want %q", c.text, got, c.want)
		}
	}
}

// TestClassOf checks classOf, with its shortcuts, against the Unicode
// tables for every code point.
func TestClassOf(t *testing.T) {
	for r := rune(0); r <= unicode.MaxRune; r++ {
		want := classOther
		switch {
		case unicode.IsLetter(r):
			want = classLetter
		case unicode.IsNumber(r):
			want = classNumber
		case unicode.Is(unicode.White_Space, r):
			want = classSpace
		}
		if got := classOf(r); got != want {
			t.Fatalf("classOf(%U) = %d, want %d", r, got, want)
		}
	}
	// The points the conformance README lists.
	for _, r := range []rune{'\u0085', '\u00a0', '\u2028', '\u3000', '\t', '\v', '\f'} {
		if classOf(r) != classSpace {
			t.Errorf("classOf(%U) is not classSpace", r)
		}
	}
	for r := rune(0x1c); r <= 0x1f; r++ {
		if classOf(r) != classOther {
			t.Errorf("classOf(%U) is not classOther", r)
		}
	}
}
