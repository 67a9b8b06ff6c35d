package mathml

import "sync"

// sym describes what a character or a symbol command turns into.
type sym struct {
	tag     string // mi or mo
	text    string
	attrs   []attr
	upright bool // an <mi> drawn upright (capital Greek, ∂, ∇)
	letter  bool // a Greek letter: takes the current font
}

var noStretch = []attr{{"stretchy", "false"}}

// A plain | is an ordinary symbol in TeX; without explicit spacing the
// browser would space an infix | like a relation.
var barAttrs = []attr{{"stretchy", "false"}, {"lspace", "0em"}, {"rspace", "0em"}}

func op(text string) sym             { return sym{tag: "mo", text: text} }
func fence(text string) sym          { return sym{tag: "mo", text: text, attrs: noStretch} }
func ord(text string) sym            { return sym{tag: "mi", text: text} }
func bar(text string) sym            { return sym{tag: "mo", text: text, attrs: barAttrs} }
func greek(text string, up bool) sym { return sym{tag: "mi", text: text, upright: up, letter: true} }

// node builds the element for s.
func (s sym) node() *node {
	return &node{tag: s.tag, text: s.text, attrs: s.attrs, upright: s.upright}
}

// charSymbols maps the ASCII characters that stand for themselves in math
// mode. Plain delimiters do not stretch, as in TeX; \left and \right make
// stretchy ones.
var charSymbols = sync.OnceValue(func() map[rune]sym {
	return map[rune]sym{
		'+': op("+"), '-': op("−"), '*': op("∗"), '=': op("="), '<': op("<"), '>': op(">"),
		',': op(","), ';': op(";"), ':': op(":"), '!': op("!"), '?': op("?"), '.': op("."),
		'@': op("@"),
		'/': {tag: "mo", text: "/", attrs: []attr{{"lspace", "0em"}, {"rspace", "0em"}}},
		'(': fence("("), ')': fence(")"), '[': fence("["), ']': fence("]"), '|': bar("|"),
	}
})

// commandSymbols maps symbol commands (without the backslash).
var commandSymbols = sync.OnceValue(func() map[string]sym {
	return map[string]sym{
		// Lower-case Greek (math italic) and upper-case Greek (upright).
		"alpha": greek("α", false), "beta": greek("β", false), "gamma": greek("γ", false),
		"delta": greek("δ", false), "epsilon": greek("ϵ", false), "varepsilon": greek("ε", false),
		"zeta": greek("ζ", false), "eta": greek("η", false), "theta": greek("θ", false),
		"vartheta": greek("ϑ", false), "iota": greek("ι", false), "kappa": greek("κ", false),
		"varkappa": greek("ϰ", false), "lambda": greek("λ", false), "mu": greek("μ", false),
		"nu": greek("ν", false), "xi": greek("ξ", false), "pi": greek("π", false),
		"varpi": greek("ϖ", false), "rho": greek("ρ", false), "varrho": greek("ϱ", false),
		"sigma": greek("σ", false), "varsigma": greek("ς", false), "tau": greek("τ", false),
		"upsilon": greek("υ", false), "phi": greek("ϕ", false), "varphi": greek("φ", false),
		"chi": greek("χ", false), "psi": greek("ψ", false), "omega": greek("ω", false),
		"Gamma": greek("Γ", true), "Delta": greek("Δ", true), "Theta": greek("Θ", true),
		"Lambda": greek("Λ", true), "Xi": greek("Ξ", true), "Pi": greek("Π", true),
		"Sigma": greek("Σ", true), "Upsilon": greek("Υ", true), "Phi": greek("Φ", true),
		"Psi": greek("Ψ", true), "Omega": greek("Ω", true),

		// Ordinary symbols.
		"infty": ord("∞"), "ell": ord("ℓ"), "emptyset": ord("∅"), "varnothing": ord("∅"),
		"forall": ord("∀"), "exists": ord("∃"), "nexists": ord("∄"), "top": ord("⊤"),
		"bot": ord("⊥"), "intercal": ord("⊺"), "hbar": ord("ℏ"), "aleph": ord("ℵ"),
		"Re": ord("ℜ"), "Im": ord("ℑ"), "angle": ord("∠"), "imath": ord("ı"), "jmath": ord("ȷ"),
		"partial": {tag: "mi", text: "∂", upright: true, letter: true},
		"nabla":   {tag: "mi", text: "∇", upright: true, letter: true},
		"prime":   op("′"),

		// Binary operators.
		"pm": op("±"), "mp": op("∓"), "times": op("×"), "div": op("÷"), "cdot": op("⋅"),
		"ast": op("∗"), "star": op("⋆"), "circ": op("∘"), "bullet": op("∙"), "odot": op("⊙"),
		"otimes": op("⊗"), "oplus": op("⊕"), "ominus": op("⊖"), "cup": op("∪"), "cap": op("∩"),
		"setminus": op("∖"), "wedge": op("∧"), "land": op("∧"), "vee": op("∨"), "lor": op("∨"),
		"neg": op("¬"), "lnot": op("¬"), "dagger": op("†"),

		// Relations.
		"le": op("≤"), "leq": op("≤"), "ge": op("≥"), "geq": op("≥"), "ne": op("≠"), "neq": op("≠"),
		"leqslant": op("⩽"), "geqslant": op("⩾"), "ll": op("≪"), "gg": op("≫"),
		"approx": op("≈"), "sim": op("∼"), "simeq": op("≃"), "cong": op("≅"), "equiv": op("≡"),
		"propto": op("∝"), "doteq": op("≐"), "triangleq": op("≜"), "coloneqq": op("≔"),
		"prec": op("≺"), "succ": op("≻"), "in": op("∈"), "notin": op("∉"), "ni": op("∋"),
		"subset": op("⊂"), "subseteq": op("⊆"), "supset": op("⊃"), "supseteq": op("⊇"),
		"perp": op("⊥"), "mid": fence("∣"), "parallel": fence("∥"),
		"colon": {tag: "mo", text: ":", attrs: []attr{{"lspace", "0em"}, {"rspace", "0.1667em"}}},

		// Arrows.
		"to": op("→"), "rightarrow": op("→"), "leftarrow": op("←"), "gets": op("←"),
		"leftrightarrow": op("↔"), "mapsto": op("↦"), "Rightarrow": op("⇒"), "Leftarrow": op("⇐"),
		"Leftrightarrow": op("⇔"), "implies": op("⟹"), "impliedby": op("⟸"), "iff": op("⟺"),
		"longrightarrow": op("⟶"), "longleftarrow": op("⟵"), "longmapsto": op("⟼"),
		"hookrightarrow": op("↪"), "uparrow": fence("↑"), "downarrow": fence("↓"),
		"Uparrow": fence("⇑"), "Downarrow": fence("⇓"),

		// Dots.
		"ldots": op("…"), "dots": op("…"), "cdots": op("⋯"), "vdots": op("⋮"), "ddots": op("⋱"),

		// Delimiters used without \left or \right.
		"langle": fence("⟨"), "rangle": fence("⟩"), "lvert": bar("|"), "rvert": bar("|"),
		"vert": bar("|"), "lVert": bar("‖"), "rVert": bar("‖"), "Vert": bar("‖"),
		"lfloor": fence("⌊"), "rfloor": fence("⌋"), "lceil": fence("⌈"), "rceil": fence("⌉"),

		// Escaped characters.
		"{": fence("{"), "}": fence("}"), "|": bar("‖"), "%": ord("%"), "_": ord("_"),
		"&": op("&"), "$": ord("$"), "#": ord("#"),
	}
})

// negations maps the symbols that \not combines with to their negated
// characters; other operators get U+0338 COMBINING LONG SOLIDUS OVERLAY.
var negations = sync.OnceValue(func() map[string]string {
	return map[string]string{
		"=": "≠", "<": "≮", ">": "≯", "\\in": "∉", "\\ni": "∌", "\\equiv": "≢", "\\sim": "≁",
		"\\simeq": "≄", "\\approx": "≉", "\\cong": "≇", "\\le": "≰", "\\leq": "≰", "\\ge": "≱",
		"\\geq": "≱", "\\subset": "⊄", "\\supset": "⊅", "\\subseteq": "⊈", "\\supseteq": "⊉",
		"\\mid": "∤", "\\parallel": "∦", "\\exists": "∄",
	}
})

// function is a named operator such as \log or \max.
type function struct {
	name   string
	limits bool // takes limits under it in display style
}

var functions = sync.OnceValue(func() map[string]function {
	return map[string]function{
		"arg": {"arg", false}, "cos": {"cos", false}, "cosh": {"cosh", false}, "cot": {"cot", false},
		"coth": {"coth", false}, "csc": {"csc", false}, "deg": {"deg", false}, "dim": {"dim", false},
		"exp": {"exp", false}, "hom": {"hom", false}, "ker": {"ker", false}, "lg": {"lg", false},
		"ln": {"ln", false}, "log": {"log", false}, "sec": {"sec", false}, "sin": {"sin", false},
		"sinh": {"sinh", false}, "tan": {"tan", false}, "tanh": {"tanh", false},
		"arcsin": {"arcsin", false}, "arccos": {"arccos", false}, "arctan": {"arctan", false},
		"det": {"det", true}, "gcd": {"gcd", true}, "inf": {"inf", true}, "sup": {"sup", true},
		"lim": {"lim", true}, "liminf": {"lim inf", true}, "limsup": {"lim sup", true},
		"max": {"max", true}, "min": {"min", true}, "Pr": {"Pr", true},
		"argmax": {"arg max", true}, "argmin": {"arg min", true},
	}
})

// largeOp is a big operator: sums and products take limits, integrals don't.
type largeOp struct {
	text   string
	limits bool
}

var largeOps = sync.OnceValue(func() map[string]largeOp {
	return map[string]largeOp{
		"sum": {"∑", true}, "prod": {"∏", true}, "coprod": {"∐", true}, "bigcup": {"⋃", true},
		"bigcap": {"⋂", true}, "bigoplus": {"⨁", true}, "bigotimes": {"⨂", true},
		"bigodot": {"⨀", true}, "bigvee": {"⋁", true}, "bigwedge": {"⋀", true},
		"int": {"∫", false}, "iint": {"∬", false}, "iiint": {"∭", false}, "oint": {"∮", false},
	}
})

// delimiters maps what may follow \left, \right, \middle and \big: a
// character or a command spelled with its backslash. "." is the empty
// delimiter.
var delimiters = sync.OnceValue(func() map[string]string {
	return map[string]string{
		"(": "(", ")": ")", "[": "[", "]": "]", "|": "|", "/": "/", ".": "", "<": "⟨", ">": "⟩",
		"\\{": "{", "\\}": "}", "\\|": "‖", "\\langle": "⟨", "\\rangle": "⟩", "\\lvert": "|",
		"\\rvert": "|", "\\vert": "|", "\\lVert": "‖", "\\rVert": "‖", "\\Vert": "‖",
		"\\lfloor": "⌊", "\\rfloor": "⌋", "\\lceil": "⌈", "\\rceil": "⌉", "\\backslash": "\\",
		"\\uparrow": "↑", "\\downarrow": "↓",
	}
})

// bigSizes gives the height of \big-style delimiters.
var bigSizes = sync.OnceValue(func() map[string]string {
	return map[string]string{
		"big": "1.2em", "bigl": "1.2em", "bigr": "1.2em", "bigm": "1.2em",
		"Big": "1.623em", "Bigl": "1.623em", "Bigr": "1.623em", "Bigm": "1.623em",
		"bigg": "2.047em", "biggl": "2.047em", "biggr": "2.047em", "biggm": "2.047em",
		"Bigg": "2.470em", "Biggl": "2.470em", "Biggr": "2.470em", "Biggm": "2.470em",
	}
})

// spaces gives the width of the spacing commands.
var spaces = sync.OnceValue(func() map[string]string {
	return map[string]string{
		",": "0.1667em", ":": "0.2222em", ">": "0.2222em", ";": "0.2778em", "!": "-0.1667em",
		"thinspace": "0.1667em", "medspace": "0.2222em", "thickspace": "0.2778em",
		"negthinspace": "-0.1667em", "enspace": "0.5em", "quad": "1em", "qquad": "2em",
	}
})

// fontCommands maps the math alphabet commands.
var fontCommands = sync.OnceValue(func() map[string]font {
	return map[string]font{
		"mathrm": fontRoman, "mathup": fontRoman, "mathnormal": fontDefault, "mathbf": fontBold,
		"mathit": fontItalic, "boldsymbol": fontBoldItalic, "bm": fontBoldItalic,
		"mathsf": fontSans, "mathbb": fontDouble, "mathcal": fontScript, "mathscr": fontScript,
		"mathfrak": fontFraktur, "mathtt": fontMono,
	}
})

// textCommands maps the text-mode commands to the font of their text.
var textCommands = sync.OnceValue(func() map[string]font {
	return map[string]font{
		"text": fontRoman, "textrm": fontRoman, "textnormal": fontRoman, "mbox": fontRoman,
		"textup": fontRoman, "textbf": fontBold, "textit": fontItalic, "textsf": fontSans,
		"texttt": fontMono,
	}
})

// accent is a mark put over (or under) its argument.
type accent struct {
	mark    string
	stretch bool // the mark stretches to the width of the base
	under   bool // the mark goes under the base
	isMark  bool // an accent: drawn close to the base
}

// \vec is a plain (not accent) over-script so that the arrow is drawn at
// script size. Horizontal lines use U+0332, the only line character that
// Chromium stretches with every common math font (Latin Modern, STIX, TeX
// Gyre).
var accents = sync.OnceValue(func() map[string]accent {
	return map[string]accent{
		"hat": {"ˆ", false, false, true}, "widehat": {"ˆ", true, false, true},
		"tilde": {"˜", false, false, true}, "widetilde": {"˜", true, false, true},
		"bar": {"¯", false, false, true}, "vec": {"→", false, false, false},
		"dot": {"˙", false, false, true}, "ddot": {"¨", false, false, true},
		"check": {"ˇ", false, false, true}, "breve": {"˘", false, false, true},
		"acute": {"´", false, false, true}, "grave": {"`", false, false, true},
		"mathring": {"˚", false, false, true},
		"overline": {"\u0332", true, false, false}, "underline": {"\u0332", true, true, false},
		"overrightarrow": {"→", true, false, false}, "overleftarrow": {"←", true, false, false},
	}
})
