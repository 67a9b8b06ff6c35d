package mathml

import "testing"

// TestStyleRune checks the math alphabets against characters looked up in
// the Unicode code charts, including the letters Unicode encodes outside
// the Mathematical Alphanumeric Symbols block.
func TestStyleRune(t *testing.T) {
	tests := []struct {
		f    font
		in   rune
		want rune
	}{
		{fontDouble, 'R', 'ℝ'}, {fontDouble, 'N', 'ℕ'}, {fontDouble, 'E', '𝔼'}, {fontDouble, '1', '𝟙'},
		{fontBold, 'x', '𝐱'}, {fontBold, 'W', '𝐖'}, {fontBold, '0', '𝟎'}, {fontBold, 'θ', '𝛉'},
		{fontBold, 'Σ', '𝚺'}, {fontBold, '∇', '𝛁'},
		{fontItalic, 'h', 'ℎ'}, {fontItalic, 'a', '𝑎'},
		{fontBoldItalic, 'x', '𝒙'}, {fontBoldItalic, 'μ', '𝝁'}, {fontBoldItalic, 'Σ', '𝚺'},
		{fontBoldItalic, 'ϵ', '𝝐'},
		{fontScript, 'L', 'ℒ'}, {fontScript, 'A', '𝒜'}, {fontScript, 'e', 'ℯ'},
		{fontFraktur, 'g', '𝔤'}, {fontFraktur, 'H', 'ℌ'},
		{fontSans, 'T', '𝖳'}, {fontMono, 'a', '𝚊'}, {fontMono, '7', '𝟽'},
		{fontRoman, 'x', 'x'}, {fontDefault, 'x', 'x'}, {fontDouble, 'α', 'α'}, {fontBold, '+', '+'},
	}
	for _, tt := range tests {
		if got := styleRune(tt.f, tt.in); got != tt.want {
			t.Errorf("styleRune(%d, %q) = %q (%U), want %q (%U)", tt.f, tt.in, got, got, tt.want, tt.want)
		}
	}
}

func TestAutoItalic(t *testing.T) {
	for r, want := range map[rune]bool{'x': true, 'Q': true, 'Δ': true, 'ϕ': true, '∂': true, '∞': false, '1': false, 'ℝ': false} {
		if got := autoItalic(r); got != want {
			t.Errorf("autoItalic(%q) = %v, want %v", r, got, want)
		}
	}
}
