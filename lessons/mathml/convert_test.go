package mathml

import (
	"strings"
	"testing"
)

// The expectations in this file are golden outputs: each was written down
// when the case was added, from the converter's output after reading it
// against the MathML Core element definitions (mi/mn/mo, msub/msup,
// mfrac, munder/mover, mtable). They pin the converter's behaviour so that
// a change is seen; they are not an independent derivation of MathML from
// TeX. The independent checks are TestStyleRune (code points from the
// Unicode charts) and the browser test in lessons/render_browser_test.go,
// which measures what Chromium draws.

// wrap builds the full <math> element expected around the presentation
// markup inner: the MathML namespace, display="block" for display math,
// and the TeX kept as an annotation.
func wrap(tex, inner string, display bool) string {
	open := `<math xmlns="http://www.w3.org/1998/Math/MathML">`
	if display {
		open = `<math xmlns="http://www.w3.org/1998/Math/MathML" display="block">`
	}
	texEsc := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(tex)
	return open + "<semantics><mrow>" + inner + "</mrow>" +
		`<annotation encoding="application/x-tex">` + texEsc + "</annotation></semantics></math>"
}

const (
	fnApply   = "<mo>&#x2061;</mo>"
	thinSpace = `<mspace width="0.1667em"></mspace>`
	lparen    = `<mo stretchy="false">(</mo>`
	rparen    = `<mo stretchy="false">)</mo>`
)

type convertTest struct {
	tex     string
	display bool
	want    string // the children of the top-level <mrow>
}

var convertTests = []convertTest{
	// Identifiers and numbers.
	{`x`, false, `<mi>x</mi>`},
	{`xy`, false, `<mi>x</mi><mi>y</mi>`},
	{`3.14 + 0.5`, false, `<mn>3.14</mn><mo>+</mo><mn>0.5</mn>`},
	// A braced comma between digit groups is part of the number (TeX sets
	// {,} as an ordinary); a bare comma is punctuation.
	{`50{,}257`, false, `<mn>50,257</mn>`},
	{`1{,}024.5`, false, `<mn>1,024.5</mn>`},
	{`50,257`, false, `<mn>50</mn><mo>,</mo><mn>257</mn>`},
	{`1{,}23`, false, `<mn>1</mn><mo>,</mo><mn>23</mn>`},
	{`1.5\times10^{-5}`, false, `<mn>1.5</mn><mo>×</mo><msup><mn>10</mn><mrow><mo form="prefix">−</mo><mn>5</mn></mrow></msup>`},
	{`12\cdot L\cdot d^2`, false, `<mn>12</mn><mo>⋅</mo><mi>L</mi><mo>⋅</mo><msup><mi>d</mi><mn>2</mn></msup>`},
	{`\alpha\Delta\epsilon\varepsilon`, false, `<mi>α</mi><mi mathvariant="normal">Δ</mi><mi>ϵ</mi><mi>ε</mi>`},
	{`α ≤ β`, false, `<mi>α</mi><mo>≤</mo><mi>β</mi>`},
	{`\mathrm{softmax}(z)`, false, `<mi>softmax</mi>` + lparen + `<mi>z</mi>` + rparen},
	{`\mathrm{d}x`, false, `<mi mathvariant="normal">d</mi><mi>x</mi>`},
	{`\text{if } x > 0`, false, `<mtext>if&#xA0;</mtext><mi>x</mi><mo>&gt;</mo><mn>0</mn>`},
	{`\text{ a  b }`, false, `<mtext>&#xA0;a b&#xA0;</mtext>`},
	{`d_{\text{model}}`, false, `<msub><mi>d</mi><mtext>model</mtext></msub>`},

	// Fonts.
	{`\mathbb{R}^{d}`, false, `<msup><mi>ℝ</mi><mi>d</mi></msup>`},
	{`\mathbf{W}_Q`, false, `<msub><mi>𝐖</mi><mi>Q</mi></msub>`},
	{`\boldsymbol{\mu}`, false, `<mi>𝝁</mi>`},
	{`\mathcal{L}`, false, `<mi>ℒ</mi>`},
	{`\mathsf{T}`, false, `<mi>𝖳</mi>`},
	{`\mathit{xy}`, false, `<mi>𝑥𝑦</mi>`},

	// Scripts and primes.
	{`x_i^2`, false, `<msubsup><mi>x</mi><mi>i</mi><mn>2</mn></msubsup>`},
	{`x^{2}_{i}`, false, `<msubsup><mi>x</mi><mi>i</mi><mn>2</mn></msubsup>`},
	{`x^12`, false, `<msup><mi>x</mi><mn>1</mn></msup><mn>2</mn>`},
	{`p_\theta`, false, `<msub><mi>p</mi><mi>θ</mi></msub>`},
	{`K^\top`, false, `<msup><mi>K</mi><mi>⊤</mi></msup>`},
	{`QK^{\intercal}`, false, `<mi>Q</mi><msup><mi>K</mi><mi>⊺</mi></msup>`},
	{`x'`, false, `<mrow><mi>x</mi><mo>′</mo></mrow>`},
	{`f''(x)`, false, `<mrow><mi>f</mi><mo>″</mo></mrow>` + lparen + `<mi>x</mi>` + rparen},
	{`x'^2`, false, `<msup><mrow><mi>x</mi><mo>′</mo></mrow><mn>2</mn></msup>`},
	{`x_i'`, false, `<msub><mrow><mi>x</mi><mo>′</mo></mrow><mi>i</mi></msub>`},
	{`{}^{T}A`, false, `<msup><mrow></mrow><mi>T</mi></msup><mi>A</mi>`},

	// Fractions and roots.
	{`\frac{a}{b}`, false, `<mfrac><mi>a</mi><mi>b</mi></mfrac>`},
	{`\frac12`, false, `<mfrac><mn>1</mn><mn>2</mn></mfrac>`},
	{`\dfrac{1}{n}`, false, `<mstyle displaystyle="true"><mfrac><mn>1</mn><mi>n</mi></mfrac></mstyle>`},
	{`\tfrac{1}{2}x`, true, `<mstyle displaystyle="false"><mfrac><mn>1</mn><mn>2</mn></mfrac></mstyle><mi>x</mi>`},
	{`\sqrt{d_k}`, false, `<msqrt><msub><mi>d</mi><mi>k</mi></msub></msqrt>`},
	{`\sqrt{x+1}`, false, `<msqrt><mi>x</mi><mo>+</mo><mn>1</mn></msqrt>`},
	{`\sqrt[3]{x}`, false, `<mroot><mi>x</mi><mn>3</mn></mroot>`},
	{`\binom{n}{k}`, false, `<mrow><mo form="prefix" stretchy="true">(</mo><mfrac linethickness="0"><mi>n</mi><mi>k</mi></mfrac><mo form="postfix" stretchy="true">)</mo></mrow>`},

	// Delimiters.
	{`\left(\frac{a}{b}\right)`, false, `<mrow><mo form="prefix" stretchy="true">(</mo><mfrac><mi>a</mi><mi>b</mi></mfrac><mo form="postfix" stretchy="true">)</mo></mrow>`},
	{`\left.\frac{a}{b}\right|`, false, `<mrow><mfrac><mi>a</mi><mi>b</mi></mfrac><mo form="postfix" stretchy="true">|</mo></mrow>`},
	{`\left\langle x \right\rangle`, false, `<mrow><mo form="prefix" stretchy="true">⟨</mo><mi>x</mi><mo form="postfix" stretchy="true">⟩</mo></mrow>`},
	{`\left\{ x \middle| y \right\}`, false, `<mrow><mo form="prefix" stretchy="true">{</mo><mi>x</mi><mo stretchy="true">|</mo><mi>y</mi><mo form="postfix" stretchy="true">}</mo></mrow>`},
	{`\left\| x \right\|`, false, `<mrow><mo form="prefix" stretchy="true">‖</mo><mi>x</mi><mo form="postfix" stretchy="true">‖</mo></mrow>`},
	{`\big( x \Bigr]`, false, `<mo minsize="1.2em" maxsize="1.2em" stretchy="true">(</mo><mi>x</mi><mo minsize="1.623em" maxsize="1.623em" stretchy="true">]</mo>`},
	{`|x| + \|y\|`, false, `<mo stretchy="false" lspace="0em" rspace="0em">|</mo><mi>x</mi><mo stretchy="false" lspace="0em" rspace="0em">|</mo><mo>+</mo>` +
		`<mo stretchy="false" lspace="0em" rspace="0em">‖</mo><mi>y</mi><mo stretchy="false" lspace="0em" rspace="0em">‖</mo>`},
	{`\{ x \}`, false, `<mo stretchy="false">{</mo><mi>x</mi><mo stretchy="false">}</mo>`},

	// Large operators and functions: limits in display style only.
	{`\sum_{i=1}^{n} x_i`, true, `<munderover><mo>∑</mo><mrow><mi>i</mi><mo>=</mo><mn>1</mn></mrow><mi>n</mi></munderover><msub><mi>x</mi><mi>i</mi></msub>`},
	{`\sum_{i=1}^{n} x_i`, false, `<msubsup><mo>∑</mo><mrow><mi>i</mi><mo>=</mo><mn>1</mn></mrow><mi>n</mi></msubsup><msub><mi>x</mi><mi>i</mi></msub>`},
	{`\frac{1}{\sum_j e}`, true, `<mfrac><mn>1</mn><mrow><msub><mo>∑</mo><mi>j</mi></msub><mi>e</mi></mrow></mfrac>`},
	{`\sum\limits_i`, false, `<munder><mo movablelimits="false">∑</mo><mi>i</mi></munder>`},
	{`\int_0^1 f`, true, `<msubsup><mo>∫</mo><mn>0</mn><mn>1</mn></msubsup><mi>f</mi>`},
	{`\max_{j} z_j`, true, `<munder><mi>max</mi><mi>j</mi></munder>` + fnApply + thinSpace + `<msub><mi>z</mi><mi>j</mi></msub>`},
	{`\max_{j} z_j`, false, `<msub><mi>max</mi><mi>j</mi></msub>` + fnApply + thinSpace + `<msub><mi>z</mi><mi>j</mi></msub>`},
	{`\argmax_k p_k`, true, `<munder><mi>arg max</mi><mi>k</mi></munder>` + fnApply + thinSpace + `<msub><mi>p</mi><mi>k</mi></msub>`},
	{`\log x`, false, `<mi>log</mi>` + fnApply + thinSpace + `<mi>x</mi>`},
	{`\exp(z)`, false, `<mi>exp</mi>` + fnApply + lparen + `<mi>z</mi>` + rparen},
	{`\tanh\left[x\right]`, false, `<mi>tanh</mi>` + fnApply + `<mrow><mo form="prefix" stretchy="true">[</mo><mi>x</mi><mo form="postfix" stretchy="true">]</mo></mrow>`},
	{`\operatorname{softmax}(z)`, false, `<mi>softmax</mi>` + fnApply + lparen + `<mi>z</mi>` + rparen},
	{`\operatorname*{top-k}_k x`, true, `<munder><mi>top-k</mi><mi>k</mi></munder>` + fnApply + thinSpace + `<mi>x</mi>`},
	{`\displaystyle\sum_i x`, false, `<mstyle displaystyle="true"><munder><mo>∑</mo><mi>i</mi></munder><mi>x</mi></mstyle>`},

	// Accents.
	{`\hat{y}`, false, `<mover accent="true"><mi>y</mi><mo stretchy="false">ˆ</mo></mover>`},
	{`\bar{x}`, false, `<mover accent="true"><mi>x</mi><mo stretchy="false">¯</mo></mover>`},
	{`\tilde{x}`, false, `<mover accent="true"><mi>x</mi><mo stretchy="false">˜</mo></mover>`},
	{`\vec{v}`, false, `<mover><mi>v</mi><mo stretchy="false">→</mo></mover>`},
	{`\dot{x}`, false, `<mover accent="true"><mi>x</mi><mo stretchy="false">˙</mo></mover>`},
	{`\overline{x+y}`, false, `<mover><mrow><mi>x</mi><mo>+</mo><mi>y</mi></mrow><mo stretchy="true">&#x332;</mo></mover>`},
	{`\underbrace{a+b}_{n}`, false, `<munder><munder><mrow><mi>a</mi><mo>+</mo><mi>b</mi></mrow><mo stretchy="true">⏟</mo></munder><mi>n</mi></munder>`},

	// Operators and relations.
	{`a \le b \ne c \approx d \ge e`, false, `<mi>a</mi><mo>≤</mo><mi>b</mi><mo>≠</mo><mi>c</mi><mo>≈</mo><mi>d</mi><mo>≥</mo><mi>e</mi>`},
	{`x < y`, false, `<mi>x</mi><mo>&lt;</mo><mi>y</mi>`},
	{`a \not= b \not\in C`, false, `<mi>a</mi><mo>≠</mo><mi>b</mi><mo>∉</mo><mi>C</mi>`},
	{`\gamma\odot x \otimes y \circ f`, false, `<mi>γ</mi><mo>⊙</mo><mi>x</mi><mo>⊗</mo><mi>y</mi><mo>∘</mo><mi>f</mi>`},
	{`p(x \mid y)`, false, `<mi>p</mi>` + lparen + `<mi>x</mi><mo stretchy="false">∣</mo><mi>y</mi>` + rparen},
	{`f\colon X \to Y`, false, `<mi>f</mi><mo lspace="0em" rspace="0.1667em">:</mo><mi>X</mi><mo>→</mo><mi>Y</mi>`},
	{`z / \tau`, false, `<mi>z</mi><mo lspace="0em" rspace="0em">/</mo><mi>τ</mi>`},
	{`\partial L / \partial w`, false, `<mi mathvariant="normal">∂</mi><mi>L</mi><mo lspace="0em" rspace="0em">/</mo><mi mathvariant="normal">∂</mi><mi>w</mi>`},
	{`\nabla_\theta \infty`, false, `<msub><mi mathvariant="normal">∇</mi><mi>θ</mi></msub><mi>∞</mi>`},
	{`x_1, \ldots, x_n`, false, `<msub><mi>x</mi><mn>1</mn></msub><mo>,</mo><mo>…</mo><mo>,</mo><msub><mi>x</mi><mi>n</mi></msub>`},
	{`50\% \; a \& b`, false, `<mn>50</mn><mi>%</mi><mspace width="0.2778em"></mspace><mi>a</mi><mo>&amp;</mo><mi>b</mi>`},

	// Unary and binary signs.
	{`a = -b`, false, `<mi>a</mi><mo>=</mo><mo form="prefix">−</mo><mi>b</mi>`},
	{`-x + y`, false, `<mo form="prefix">−</mo><mi>x</mi><mo>+</mo><mi>y</mi>`},
	{`(a) - b`, false, lparen + `<mi>a</mi>` + rparen + `<mo>−</mo><mi>b</mi>`},
	{`x^2 - 1`, false, `<msup><mi>x</mi><mn>2</mn></msup><mo>−</mo><mn>1</mn>`},
	{`\left(-x\right)`, false, `<mrow><mo form="prefix" stretchy="true">(</mo><mo form="prefix">−</mo><mi>x</mi><mo form="postfix" stretchy="true">)</mo></mrow>`},
	{`a \le \quad -b`, false, `<mi>a</mi><mo>≤</mo><mspace width="1em"></mspace><mo form="prefix">−</mo><mi>b</mi>`},
	{`\sum_i -x`, false, `<msub><mo>∑</mo><mi>i</mi></msub><mo form="prefix">−</mo><mi>x</mi>`},

	// Function names at the end of a group.
	{`\log`, false, `<mi>log</mi>`},
	{`\underset{i}{\operatorname{mean}} x`, false, `<munder><mi>mean</mi><mi>i</mi></munder>` + fnApply + thinSpace + `<mi>x</mi>`},
	{`{\mathrm{d}\log} x`, false, `<mrow><mi mathvariant="normal">d</mi><mi>log</mi></mrow>` + fnApply + thinSpace + `<mi>x</mi>`},

	// Spacing.
	{`a\,b\:c\;d\quad e\qquad f\!g~h`, false, `<mi>a</mi>` + thinSpace + `<mi>b</mi><mspace width="0.2222em"></mspace><mi>c</mi><mspace width="0.2778em"></mspace><mi>d</mi><mspace width="1em"></mspace><mi>e</mi><mspace width="2em"></mspace><mi>f</mi><mspace width="-0.1667em"></mspace><mi>g</mi><mtext>&#xA0;</mtext><mi>h</mi>`},

	// Environments.
	{`\begin{bmatrix} 1 & 0 \\ 0 & 1 \end{bmatrix}`, false, `<mrow><mo form="prefix" stretchy="true">[</mo><mtable displaystyle="false"><mtr><mtd><mn>1</mn></mtd><mtd><mn>0</mn></mtd></mtr><mtr><mtd><mn>0</mn></mtd><mtd><mn>1</mn></mtd></mtr></mtable><mo form="postfix" stretchy="true">]</mo></mrow>`},
	{`\begin{matrix} a & b \\ \end{matrix}`, false, `<mtable displaystyle="false"><mtr><mtd><mi>a</mi></mtd><mtd><mi>b</mi></mtd></mtr></mtable>`},
	{`\begin{vmatrix} a \end{vmatrix}`, false, `<mrow><mo form="prefix" stretchy="true">|</mo><mtable displaystyle="false"><mtr><mtd><mi>a</mi></mtd></mtr></mtable><mo form="postfix" stretchy="true">|</mo></mrow>`},
	{`\begin{cases} 0 & x<0 \\ x & \text{otherwise} \end{cases}`, true,
		`<mrow><mo form="prefix" stretchy="true">{</mo><mtable displaystyle="false">` +
			`<mtr><mtd columnalign="left" style="text-align: -webkit-left; justify-items: start"><mn>0</mn></mtd><mtd columnalign="left" style="text-align: -webkit-left; justify-items: start"><mi>x</mi><mo>&lt;</mo><mn>0</mn></mtd></mtr>` +
			`<mtr><mtd columnalign="left" style="text-align: -webkit-left; justify-items: start"><mi>x</mi></mtd><mtd columnalign="left" style="text-align: -webkit-left; justify-items: start"><mtext>otherwise</mtext></mtd></mtr>` +
			`</mtable></mrow>`},
	{`\begin{aligned} a &= b \\ &= c \end{aligned}`, true,
		`<mtable displaystyle="true">` +
			`<mtr><mtd columnalign="right" style="text-align: -webkit-right; justify-items: end; padding-right: 0"><mi>a</mi></mtd><mtd columnalign="left" style="text-align: -webkit-left; justify-items: start; padding-left: 0"><mi></mi><mo>=</mo><mi>b</mi></mtd></mtr>` +
			`<mtr><mtd columnalign="right" style="text-align: -webkit-right; justify-items: end; padding-right: 0"></mtd><mtd columnalign="left" style="text-align: -webkit-left; justify-items: start; padding-left: 0"><mi></mi><mo>=</mo><mi>c</mi></mtd></mtr>` +
			`</mtable>`},
	{`\begin{array}{lr} a & b \end{array}`, false, `<mtable displaystyle="false"><mtr><mtd columnalign="left" style="text-align: -webkit-left; justify-items: start"><mi>a</mi></mtd><mtd columnalign="right" style="text-align: -webkit-right; justify-items: end"><mi>b</mi></mtd></mtr></mtable>`},
}

func TestConvert(t *testing.T) {
	for _, tt := range convertTests {
		got, err := Convert(tt.tex, tt.display)
		if err != nil {
			t.Errorf("Convert(%q, %v) error: %v", tt.tex, tt.display, err)
			continue
		}
		if want := wrap(tt.tex, tt.want, tt.display); got != want {
			t.Errorf("Convert(%q, %v)\n got %s\nwant %s", tt.tex, tt.display, got, want)
		}
	}
}

func TestConvertEnvelope(t *testing.T) {
	const tex = "a<b\r"
	want := `<math xmlns="http://www.w3.org/1998/Math/MathML"><semantics><mrow><mi>a</mi><mo>&lt;</mo><mi>b</mi></mrow>` +
		`<annotation encoding="application/x-tex">a&lt;b&#xD;</annotation></semantics></math>`
	if got, err := Convert(tex, false); err != nil || got != want {
		t.Errorf("Convert(%q, false) = %s, %v\nwant %s", tex, got, err, want)
	}
	want = `<math xmlns="http://www.w3.org/1998/Math/MathML" display="block"><semantics><mrow></mrow>` +
		`<annotation encoding="application/x-tex"></annotation></semantics></math>`
	if got, err := Convert("", true); err != nil || got != want {
		t.Errorf(`Convert("", true) = %s, %v, want %s`, got, err, want)
	}
}
