package mathml

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// attr is one XML attribute; values are escaped when written.
type attr struct{ name, value string }

// node is one MathML element. Token elements (mi, mn, mo, mtext) carry
// text; the others carry kids. The flag fields record TeX facts that the
// parser needs after the element is built.
type node struct {
	tag   string
	text  string
	attrs []attr
	kids  []*node

	upright bool // an <mi> that must not be auto-italicized
	fn      bool // a function name such as \log: followed by U+2061
	limits  bool // scripts go under and over in display style (∑, max)
	under   bool // scripts always go under and over (\underbrace)
	merge   bool // a letter set in an explicit font: joins its neighbours
	fenced  bool // a \left…\right row or a delimited matrix
}

func leaf(tag, text string, attrs ...attr) *node {
	return &node{tag: tag, text: text, attrs: attrs}
}

func elem(tag string, kids ...*node) *node {
	return &node{tag: tag, kids: kids}
}

// space returns an <mspace> of the given width in em.
func space(width string) *node {
	return leaf("mspace", "", attr{"width", width})
}

// row returns the single node of kids, or an <mrow> holding them all, so
// that elements with a fixed number of children get exactly one per slot.
func row(kids []*node) *node {
	if len(kids) == 1 {
		return kids[0]
	}
	return elem("mrow", kids...)
}

// group is row for a TeX brace group: like TeX, a group turns an operator
// into an ordinary atom, so its limits flag is dropped. A group that ends
// with a function name is itself a function name (see finishRow).
func group(kids []*node) *node {
	n := row(kids)
	if len(kids) > 1 && kids[len(kids)-1].fn {
		n.fn = true
	}
	if n.limits || n.under {
		c := *n
		c.limits, c.under = false, false
		return &c
	}
	return n
}

// isToken reports whether the node is a token element holding text.
func (n *node) isToken() bool {
	switch n.tag {
	case "mi", "mn", "mo", "mtext":
		return true
	}
	return false
}

// write appends the XML form of n to b.
func (n *node) write(b *strings.Builder) {
	b.WriteByte('<')
	b.WriteString(n.tag)
	if n.tag == "mi" && n.upright {
		if r, size := utf8.DecodeRuneInString(n.text); size == len(n.text) && autoItalic(r) {
			b.WriteString(` mathvariant="normal"`)
		}
	}
	for _, a := range n.attrs {
		b.WriteByte(' ')
		b.WriteString(a.name)
		b.WriteString(`="`)
		escape(b, a.value)
		b.WriteByte('"')
	}
	b.WriteByte('>')
	if n.isToken() {
		escape(b, n.text)
	}
	for _, k := range n.kids {
		k.write(b)
	}
	b.WriteString("</")
	b.WriteString(n.tag)
	b.WriteByte('>')
}

// escape writes s as XML character data. Besides the markup characters it
// writes invisible characters (no-break space, function application,
// combining marks, carriage return) as character references so that the
// output stays readable and survives XML line-end normalization.
func escape(b *strings.Builder, s string) {
	for _, r := range s {
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '"':
			b.WriteString("&quot;")
		case '\r':
			b.WriteString("&#xD;")
		default:
			if r > unicode.MaxASCII && (unicode.In(r, unicode.Mn, unicode.Cf, unicode.Zs)) {
				fmt.Fprintf(b, "&#x%X;", r)
				continue
			}
			b.WriteRune(r)
		}
	}
}
