package mathml

import (
	"errors"
	"strings"
	"testing"
)

var errorTests = []struct {
	tex    string
	offset int
	msg    string // a substring of Error.Msg
}{
	{`\foo`, 0, `unknown command \foo`},
	{`x + \softmax(z)`, 4, `unknown command \softmax`},
	{`{x`, 0, "unclosed {"},
	{`a + {b + {c}`, 4, "unclosed {"},
	{`x}`, 1, "unmatched }"},
	{`\left( x`, 0, `\left without matching \right`},
	{`x \right)`, 2, `\right without matching \left`},
	{`\left x \right)`, 6, `delimiter after \left`},
	{`\left( x \right`, 15, `delimiter after \right`},
	{`\middle|`, 0, `\middle outside`},
	{`\begin{matrix} a`, 0, `\begin{matrix} without matching \end{matrix}`},
	{`\begin{pmatrix} a \end{bmatrix}`, 18, `\end{bmatrix} does not match \begin{pmatrix}`},
	{`\begin{foo}x\end{foo}`, 0, "unknown environment foo"},
	{`\begin x`, 0, `missing {name} after \begin`},
	{`\end{matrix}`, 0, `\end without matching \begin`},
	{`a & b`, 2, "& outside"},
	{`a \\ b`, 2, `\\ outside`},
	{`x^`, 1, "missing superscript"},
	{`x_}`, 1, "missing subscript"},
	{`x^2^3`, 3, "double superscript"},
	{`x^2'`, 3, "double superscript"},
	{`x_1_2`, 3, "double subscript"},
	{`\frac{a}`, 0, `missing argument for \frac`},
	{`\sqrt`, 0, `missing argument for \sqrt`},
	{`\sqrt[3{x}`, 5, "unclosed ["},
	{`\mathbf`, 0, `missing argument for \mathbf`},
	{`50%`, 2, `write \%`},
	{`a # b`, 2, `unescaped #`},
	{`\text{a $b$}`, 8, `math inside \text`},
	{`\text{a \alpha}`, 8, `unsupported command in \text`},
	{`\text{a`, 5, `unclosed { after \text`},
	{`\text`, 0, `missing argument for \text`},
	{"a\xffb", 1, "invalid UTF-8"},
	{"a\x01", 1, "not allowed"},
	{`x\`, 1, "backslash at end of input"},
	{`\limits`, 0, `\limits`},
	{`x\limits_2`, 1, `\limits must follow an operator`},
	{`\not x`, 5, `\not must be followed by a relation`},
	{`\sqrt{\right)}`, 6, `\right without matching \left`},
	{`\begin{array}{lx} a \end{array}`, 15, "unsupported column specification"},
	{`"quoted"`, 0, "unexpected character"},
}

func TestErrors(t *testing.T) {
	for _, tt := range errorTests {
		out, err := Convert(tt.tex, false)
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("Convert(%q) = %q, %v, want *Error", tt.tex, out, err)
			continue
		}
		if out != "" {
			t.Errorf("Convert(%q) returned output %q with error", tt.tex, out)
		}
		if e.Offset != tt.offset || !strings.Contains(e.Msg, tt.msg) {
			t.Errorf("Convert(%q) error = offset %d %q, want offset %d containing %q", tt.tex, e.Offset, e.Msg, tt.offset, tt.msg)
		}
		if want := "mathml: offset "; !strings.HasPrefix(err.Error(), want) {
			t.Errorf("Convert(%q) error text %q, want prefix %q", tt.tex, err.Error(), want)
		}
	}
}

func TestErrorString(t *testing.T) {
	err := &Error{Offset: 7, Msg: `unknown command \foo`}
	if got, want := err.Error(), `mathml: offset 7: unknown command \foo`; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

// TestDepth checks that nesting is bounded: 200 levels convert, deeper
// input is an error, and very deep input neither panics nor overflows.
func TestDepth(t *testing.T) {
	nest := func(open, close string, n int) string {
		return strings.Repeat(open, n) + "x" + strings.Repeat(close, n)
	}
	for _, tt := range []struct {
		name string
		tex  string
		ok   bool
	}{
		{"braces 200", nest("{", "}", 200), true},
		{"braces 201", nest("{", "}", 201), false},
		{"fractions 200", nest(`\frac{1}{`, "}", 200), true},
		{"fractions 201", nest(`\frac{1}{`, "}", 201), false},
		{"scripts 200", nest("x^{", "}", 200), true},
		{"scripts 201", nest("x^{", "}", 201), false},
		{"unbraced roots", strings.Repeat(`\sqrt`, 100000) + "x", false},
		{"unbraced accents", strings.Repeat(`\hat`, 100000) + " x", false},
		{"left", nest(`\left(`, `\right)`, 100000), false},
		{"environments", nest(`\begin{matrix}`, `\end{matrix}`, 100000), false},
		{"braces 1e6", nest("{", "}", 1000000), false},
		{"displaystyle", strings.Repeat(`\displaystyle `, 100000), false},
	} {
		_, err := Convert(tt.tex, true)
		if tt.ok && err != nil {
			t.Errorf("%s: unexpected error %v", tt.name, err)
		}
		if !tt.ok {
			var e *Error
			if !errors.As(err, &e) || !strings.Contains(e.Msg, "nesting deeper than 200") {
				t.Errorf("%s: error = %v, want nesting error", tt.name, err)
			}
		}
	}
}
