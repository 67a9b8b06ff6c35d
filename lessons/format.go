package lessons

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// formatNumber formats x by a directive's fmt= argument: a Go format verb
// without the % (".3f", ".4g", "d"), "int" for an integer with thousands
// separators, or "pct" for a percentage with one decimal. The default is
// ".4g". tex selects TeX output (10^{n} for exponents) over HTML.
func formatNumber(x float64, spec string, tex bool) (string, error) {
	switch {
	case math.IsInf(x, -1):
		if tex {
			return `-\infty`, nil
		}
		return "−∞", nil
	case math.IsInf(x, 1):
		if tex {
			return `\infty`, nil
		}
		return "∞", nil
	case math.IsNaN(x):
		return "NaN", nil
	}
	var s string
	switch spec {
	case "", ".4g":
		s = strconv.FormatFloat(x, 'g', 4, 64)
	case "int":
		s = groupThousands(int64(math.Round(x)))
		if tex {
			return strings.ReplaceAll(s, ",", "{,}"), nil // one number, no space after the commas
		}
	case "pct":
		s = strconv.FormatFloat(100*x, 'f', 1, 64)
		if tex {
			return s + `\%`, nil
		}
		return s + "%", nil
	case "d":
		s = strconv.FormatInt(int64(math.Round(x)), 10)
	default:
		if !validFormat(spec) {
			return "", fmt.Errorf("fmt=%q: want a verb like .3f or .4g, or int or pct", spec)
		}
		s = fmt.Sprintf("%"+spec, x)
	}
	mant, exp, ok := strings.Cut(s, "e")
	if !ok {
		return s, nil
	}
	n, err := strconv.Atoi(exp)
	if err != nil {
		return s, nil
	}
	if tex {
		return fmt.Sprintf(`%s \times 10^{%d}`, mant, n), nil
	}
	return mant + "×10" + superscript(n), nil
}

// validFormat reports whether spec is a float verb with optional precision.
func validFormat(spec string) bool {
	if spec == "" {
		return false
	}
	verb := spec[len(spec)-1]
	if verb != 'f' && verb != 'g' && verb != 'e' {
		return false
	}
	rest := spec[:len(spec)-1]
	if rest == "" {
		return true
	}
	if rest[0] != '.' {
		return false
	}
	_, err := strconv.Atoi(rest[1:])
	return err == nil
}

func groupThousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func superscript(n int) string {
	const digits = "⁰¹²³⁴⁵⁶⁷⁸⁹"
	sup := []rune(digits)
	var b strings.Builder
	if n < 0 {
		b.WriteString("⁻")
		n = -n
	}
	for _, c := range strconv.Itoa(n) {
		b.WriteRune(sup[c-'0'])
	}
	return b.String()
}

// texText escapes s for use inside \text{…}.
func texText(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '\\':
			b.WriteString(`\backslash `)
		case '{', '}', '%', '_', '&', '$', '#':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '\n':
			b.WriteString(`\n`)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// tokenHTML shows a token's display form in a span that keeps its spaces.
func tokenHTML(s string) string {
	return span("tok", visible(s))
}

// visible makes leading/trailing spaces and newlines of a token visible.
func visible(s string) string {
	s = strings.ReplaceAll(s, "\n", "↵")
	s = strings.ReplaceAll(s, "\t", "⇥")
	return strings.ReplaceAll(s, " ", "␣")
}
