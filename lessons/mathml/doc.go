// Package mathml converts a subset of LaTeX math to presentation MathML, so
// that lesson formulas render in the browser without a JavaScript library.
//
// [Convert] returns one <math> element. The presentation markup sits in a
// <semantics> element next to the original TeX, kept as an
// <annotation encoding="application/x-tex"> for copy and paste and for
// assistive technology. Output is well-formed XML and follows MathML Core
// as Chromium implements it: math alphabets (\mathbf, \mathbb, …) use the
// Unicode Mathematical Alphanumeric Symbols rather than mathvariant, and
// table columns are aligned with CSS as well as columnalign.
//
// # Supported TeX
//
// Letters are italic identifiers, digits and decimals (0.044715) are
// numbers. Subscripts and superscripts take a braced group or one token
// (x_i^2, x^{-5}, K^\top, x'); in display style \sum, \prod, \max, \min,
// \lim, \argmax and \operatorname* put their limits under and over, and
// \limits or \nolimits override this.
//
//   - Structures: \frac \dfrac \tfrac \binom \sqrt \sqrt[n] \left \middle
//     \right (with ( ) [ ] \{ \} | \| \langle \rangle \lvert \rvert \lVert
//     \rVert \lfloor \rfloor \lceil \rceil / and .), \big \Big \bigg \Bigg
//     and their l, r, m forms, \overset \underset \stackrel \overbrace
//     \underbrace, and the environments matrix pmatrix bmatrix Bmatrix
//     vmatrix Vmatrix cases aligned align align* split gathered and
//     array{lcr}, with & and \\ (an optional \\[4pt] is skipped).
//   - Alphabets: \mathrm \mathit \mathbf \boldsymbol \bm \mathsf \mathtt
//     \mathbb \mathcal \mathscr \mathfrak, \operatorname and
//     \operatorname*; text with \text \textrm \textbf \textit \textsf
//     \texttt \mbox, whose spaces are kept.
//   - Accents: \hat \widehat \tilde \widetilde \bar \vec \dot \ddot \check
//     \breve \acute \grave \mathring \overline \underline
//     \overrightarrow \overleftarrow.
//   - Functions: \exp \log \ln \lg \sin \cos \tan \sec \csc \cot \arcsin
//     \arccos \arctan \sinh \cosh \tanh \coth \arg \deg \dim \hom \ker,
//     and with limits \max \min \sup \inf \lim \liminf \limsup \det \gcd
//     \Pr \argmax \argmin.
//   - Greek letters, lower case (with \varepsilon \vartheta \varphi
//     \varrho \varsigma \varpi \varkappa) and upper case.
//   - Symbols: + - * = < > , ; : ! ? / | ' and \pm \mp \times \div \cdot
//     \ast \star \circ \bullet \odot \otimes \oplus \ominus \cup \cap
//     \setminus \wedge \vee \land \lor \neg \le \ge \ne \leqslant
//     \geqslant \ll \gg \approx \sim \simeq \cong \equiv \propto \doteq
//     \triangleq \coloneqq \prec \succ \in \notin \ni \subset \subseteq
//     \supset \supseteq \perp \mid \parallel \colon \to \rightarrow
//     \leftarrow \gets \leftrightarrow \mapsto \Rightarrow \Leftarrow
//     \Leftrightarrow \implies \impliedby \iff \longrightarrow
//     \longleftarrow \longmapsto \hookrightarrow \uparrow \downarrow
//     \Uparrow \Downarrow \ldots \dots \cdots \vdots \ddots \infty \partial
//     \nabla \ell \emptyset \varnothing \forall \exists \nexists \top \bot
//     \intercal \hbar \aleph \Re \Im \angle \imath \jmath \prime \dagger,
//     the large operators \sum \prod \coprod \bigcup \bigcap \bigoplus
//     \bigotimes \bigodot \bigvee \bigwedge \int \iint \iiint \oint, and
//     \not before a relation (\not=, \not\in).
//   - Spacing: \, \: \> \; \! \quad \qquad \thinspace \medspace
//     \thickspace \negthinspace \enspace, ~ and "\ ".
//   - Escapes: \{ \} \% \_ \& \$ \# (and the same inside \text).
//   - Styles: \displaystyle \textstyle \scriptstyle \scriptscriptstyle.
//
// Unicode letters, digits and symbols may also be typed directly (α ≤ β).
//
// Anything else is an *[Error] with the byte offset of the problem: an
// unknown command or environment, unbalanced braces, \left without \right,
// \begin without a matching \end, a bare %, # or $, double scripts, or
// nesting deeper than 200 levels. Convert never panics.
//
// The tables of symbols, commands, fonts and environments are built on
// the first conversion (sync.OnceValue), not when the package loads: every
// command of the explorer links this package, and most convert no math.
package mathml
