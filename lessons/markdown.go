package lessons

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	gmrenderer "github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// The lesson syntax is a goldmark extension. A lesson body is parsed once,
// at Load, into a Markdown tree with four kinds of node of our own:
//
//	$…$            mathNode (inline)
//	$$…$$          mathBlock (a line, or lines, of their own)
//	{{name …}}     directiveNode (inline), directiveBlock (a block
//	               directive such as {{exercise}} on a line of its own)
//	```lang live   liveCodeNode (a fenced code block whose directives are
//	               replaced by their text)
//
// Rendering walks the same tree for every trace: the node renderers read
// the render's state (the trace, the layer, …) from the writer, a
// renderWriter, so one goldmark instance serves every lesson and render.

var (
	kindMath           = ast.NewNodeKind("LessonMath")
	kindMathBlock      = ast.NewNodeKind("LessonMathBlock")
	kindDirective      = ast.NewNodeKind("LessonDirective")
	kindDirectiveBlock = ast.NewNodeKind("LessonDirectiveBlock")
	kindLiveCode       = ast.NewNodeKind("LessonLiveCode")
)

// mathNode is inline math; its item holds the TeX and directives.
type mathNode struct {
	ast.BaseInline
	item item
}

func (n *mathNode) Kind() ast.NodeKind              { return kindMath }
func (n *mathNode) Dump(source []byte, level int)   { ast.DumpHelper(n, source, level, nil, nil) }
func (n *mathBlock) Kind() ast.NodeKind             { return kindMathBlock }
func (n *mathBlock) Dump(source []byte, level int)  { ast.DumpHelper(n, source, level, nil, nil) }
func (n *mathBlock) IsRaw() bool                    { return true }
func (n *directiveNode) Kind() ast.NodeKind         { return kindDirective }
func (n *directiveNode) Dump(source []byte, l int)  { ast.DumpHelper(n, source, l, nil, nil) }
func (n *directiveBlock) Kind() ast.NodeKind        { return kindDirectiveBlock }
func (n *directiveBlock) Dump(source []byte, l int) { ast.DumpHelper(n, source, l, nil, nil) }
func (n *directiveBlock) IsRaw() bool               { return true }
func (n *liveCodeNode) Kind() ast.NodeKind          { return kindLiveCode }
func (n *liveCodeNode) Dump(source []byte, l int)   { ast.DumpHelper(n, source, l, nil, nil) }
func (n *liveCodeNode) IsRaw() bool                 { return true }

// mathBlock is display math.
type mathBlock struct {
	ast.BaseBlock
	item item
}

// directiveNode is a directive inside text.
type directiveNode struct {
	ast.BaseInline
	dir *directive
}

// directiveBlock is a block directive on a line of its own.
type directiveBlock struct {
	ast.BaseBlock
	dir *directive
}

// liveCodeNode is a live fenced code block: its language and its text and
// directives.
type liveCodeNode struct {
	ast.BaseBlock
	lang  string
	parts []item
	line  int
}

// lessonParse is what the parsers of one lesson need: the file and the
// line of each byte of the body, and the first error met.
type lessonParse struct {
	file      string
	firstLine int // the file line of the body's first line
	src       []byte
	err       error
}

var parseKey = parser.NewContextKey()

func parseState(pc parser.Context) *lessonParse { return pc.Get(parseKey).(*lessonParse) }

// lineAt is the file line of byte offset off of the body.
func (p *lessonParse) lineAt(off int) int {
	return p.firstLine + strings.Count(string(p.src[:min(off, len(p.src))]), "\n")
}

func (p *lessonParse) fail(off int, format string, args ...any) {
	if p.err == nil {
		p.err = &posError{p.file, p.lineAt(off), fmt.Errorf(format, args...)}
	}
}

// failErr records err, which may already carry a position.
func (p *lessonParse) failErr(off int, err error) {
	if p.err != nil {
		return
	}
	if _, ok := err.(*posError); ok {
		p.err = err
		return
	}
	p.err = &posError{p.file, p.lineAt(off), err}
}

// mathInline parses $…$ (one line). "$$" inside a paragraph is an error:
// display math stands on its own line.
type mathInline struct{}

func (mathInline) Trigger() []byte { return []byte{'$'} }

func (mathInline) Parse(parent ast.Node, block text.Reader, pc parser.Context) ast.Node {
	st := parseState(pc)
	line, seg := block.PeekLine()
	if len(line) > 1 && line[1] == '$' {
		st.fail(seg.Start, "display math $$…$$ must stand on its own line")
		return nil
	}
	end := strings.IndexByte(string(line[1:]), '$')
	if end < 0 {
		st.fail(seg.Start, "math opened with $ is never closed on its line (inline math $…$ stays on one line; use $$…$$ for display math)")
		return nil
	}
	it, err := parseMath(st.file, st.lineAt(seg.Start), string(line[1:1+end]), false)
	if err != nil {
		st.failErr(seg.Start, err)
		return nil
	}
	block.Advance(end + 2)
	return &mathNode{item: it}
}

// wholeBlock is the part of a goldmark block parser for a block that
// Open reads whole: it takes no further lines, closes with nothing left to
// do, may interrupt a paragraph, and is never an indented line.
type wholeBlock struct{}

func (wholeBlock) Continue(ast.Node, text.Reader, parser.Context) parser.State {
	return parser.Close
}
func (wholeBlock) Close(ast.Node, text.Reader, parser.Context) {}
func (wholeBlock) CanInterruptParagraph() bool                 { return true }
func (wholeBlock) CanAcceptIndentedLine() bool                 { return false }

// mathBlockParser parses display math: a line starting with $$, up to the
// line that closes it with $$.
type mathBlockParser struct{ wholeBlock }

func (mathBlockParser) Trigger() []byte { return []byte{'$'} }

func (mathBlockParser) Open(parent ast.Node, reader text.Reader, pc parser.Context) (ast.Node, parser.State) {
	st := parseState(pc)
	line, seg := reader.PeekLine()
	if !strings.HasPrefix(string(line), "$$") {
		return nil, parser.NoChildren
	}
	start := seg.Start
	var tex strings.Builder
	rest := strings.TrimRight(string(line[2:]), "\r\n")
	for {
		if i := strings.Index(rest, "$$"); i >= 0 {
			if strings.TrimSpace(rest[i+2:]) != "" {
				st.fail(start, "display math $$…$$ must stand on its own line (text follows the closing $$)")
				return nil, parser.NoChildren
			}
			tex.WriteString(rest[:i])
			reader.AdvanceLine()
			break
		}
		tex.WriteString(rest + "\n")
		reader.AdvanceLine()
		line, _ = reader.PeekLine()
		if line == nil {
			st.fail(start, "math opened with $$ is never closed")
			return nil, parser.NoChildren
		}
		rest = strings.TrimRight(string(line), "\r\n")
	}
	it, err := parseMath(st.file, st.lineAt(start), tex.String(), true)
	if err != nil {
		st.failErr(start, err)
		return nil, parser.NoChildren
	}
	return &mathBlock{item: it}, parser.NoChildren
}

// directiveInline parses {{…}} inside text; a block directive there is an
// error.
type directiveInline struct{}

func (directiveInline) Trigger() []byte { return []byte{'{'} }

func (directiveInline) Parse(parent ast.Node, block text.Reader, pc parser.Context) ast.Node {
	line, seg := block.PeekLine()
	if !strings.HasPrefix(string(line), "{{") {
		return nil
	}
	st := parseState(pc)
	d, n, err := (&bodyParser{file: st.file, line: st.lineAt(seg.Start)}).directiveAt(string(line))
	if err != nil {
		st.failErr(seg.Start, err)
		return nil
	}
	if directives[d.name].block {
		st.fail(seg.Start, "{{%s}} is a block: put it on a line of its own", d.name)
		return nil
	}
	block.Advance(n)
	return &directiveNode{dir: d}
}

// directiveBlockParser parses a line that is one block directive.
type directiveBlockParser struct{ wholeBlock }

func (directiveBlockParser) Trigger() []byte { return []byte{'{'} }

func (directiveBlockParser) Open(parent ast.Node, reader text.Reader, pc parser.Context) (ast.Node, parser.State) {
	line, seg := reader.PeekLine()
	s := strings.TrimRight(string(line), " \r\n")
	if !strings.HasPrefix(s, "{{") {
		return nil, parser.NoChildren
	}
	st := parseState(pc)
	d, n, err := (&bodyParser{file: st.file, line: st.lineAt(seg.Start)}).directiveAt(s)
	if err != nil || n != len(s) || !directives[d.name].block {
		return nil, parser.NoChildren // not a block directive alone on its line: the inline parser reports errors
	}
	reader.AdvanceLine()
	return &directiveBlock{dir: d}, parser.NoChildren
}

// liveCode replaces each fenced code block whose info string ends in
// " live" by a liveCodeNode with its directives parsed.
type liveCode struct{}

func (liveCode) Transform(doc *ast.Document, reader text.Reader, pc parser.Context) {
	st := parseState(pc)
	src := reader.Source()
	var blocks []*ast.FencedCodeBlock
	ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		fc, ok := n.(*ast.FencedCodeBlock)
		if !ok || !entering {
			return ast.WalkContinue, nil
		}
		if end, closed := fenceClosed(fc, src); !closed {
			// CommonMark would run the block to the end of the lesson.
			st.fail(end, "code block opened here is never closed")
		}
		if fc.Info != nil && strings.HasSuffix(strings.TrimSpace(string(fc.Info.Segment.Value(src))), liveInfo) {
			blocks = append(blocks, fc)
		}
		return ast.WalkContinue, nil
	})
	for _, fc := range blocks {
		info := strings.TrimSpace(string(fc.Info.Segment.Value(src)))
		var body strings.Builder
		for i := 0; i < fc.Lines().Len(); i++ {
			seg := fc.Lines().At(i)
			body.Write(seg.Value(src))
		}
		start := fc.Info.Segment.Start
		parts, err := parseLive(st.file, st.lineAt(start)+1, body.String())
		if err != nil {
			st.failErr(start, err)
			return
		}
		live := &liveCodeNode{lang: strings.TrimSpace(strings.TrimSuffix(info, liveInfo)), parts: parts, line: st.lineAt(start)}
		fc.Parent().ReplaceChild(fc.Parent(), fc, live)
	}
}

// fenceClosed reports whether a fenced code block ends with a closing
// fence, and the offset where its opening line starts.
func fenceClosed(fc *ast.FencedCodeBlock, src []byte) (open int, closed bool) {
	end := 0
	if fc.Info != nil {
		open = fc.Info.Segment.Start
		end = fc.Info.Segment.Stop
	}
	if n := fc.Lines().Len(); n > 0 {
		if fc.Info == nil {
			open = fc.Lines().At(0).Start
		}
		end = fc.Lines().At(n - 1).Stop
	}
	for open > 0 && src[open-1] != '\n' {
		open--
	}
	rest := string(src[end:])
	if fc.Lines().Len() == 0 || fc.Info != nil && end == fc.Info.Segment.Stop {
		_, rest, _ = strings.Cut(rest, "\n") // past the opening line
	}
	rest = strings.TrimLeft(rest, " ")
	return open, strings.HasPrefix(rest, "```") || strings.HasPrefix(rest, "~~~")
}

// lessonMarkdown returns the goldmark instance of every lesson: tables,
// CJK line breaking, typographic quotes and the lesson syntax. It is built
// on first use, once, as are the package's templates: a command that
// renders no lesson (explorer trace) skips them at start-up.
var lessonMarkdown = sync.OnceValue(func() goldmark.Markdown {
	return goldmark.New(
		goldmark.WithExtensions(extension.Table, extension.CJK, extension.Typographer),
		goldmark.WithParserOptions(
			parser.WithInlineParsers(util.Prioritized(mathInline{}, 150), util.Prioritized(directiveInline{}, 150)),
			parser.WithBlockParsers(util.Prioritized(mathBlockParser{}, 150), util.Prioritized(directiveBlockParser{}, 150)),
			parser.WithASTTransformers(util.Prioritized(liveCode{}, 100)),
		),
		goldmark.WithRendererOptions(gmrenderer.WithNodeRenderers(util.Prioritized(lessonNodes{}, 100))),
	)
})

// parseMarkdown parses a lesson body; firstLine is the file line of its
// first line.
func parseMarkdown(file, body string, firstLine int) (ast.Node, []byte, error) {
	src := []byte(body)
	st := &lessonParse{file: file, firstLine: firstLine, src: src}
	pc := parser.NewContext()
	pc.Set(parseKey, st)
	doc := lessonMarkdown().Parser().Parse(text.NewReader(src), parser.WithContext(pc))
	return doc, src, st.err
}

// renderWriter carries one render's state to the node renderers.
type renderWriter struct {
	*bufio.Writer
	r *renderer
}

// lessonNodes renders the lesson nodes with the state of the writer.
type lessonNodes struct{}

func (lessonNodes) RegisterFuncs(reg gmrenderer.NodeRendererFuncRegisterer) {
	reg.Register(kindMath, renderNode)
	reg.Register(kindMathBlock, renderNode)
	reg.Register(kindDirective, renderNode)
	reg.Register(kindDirectiveBlock, renderNode)
	reg.Register(kindLiveCode, renderNode)
}

func renderNode(w util.BufWriter, _ []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkContinue, nil
	}
	rw, ok := w.(*renderWriter)
	if !ok {
		return ast.WalkStop, fmt.Errorf("lessons: a lesson node rendered without its render state")
	}
	var s string
	var err error
	switch n := n.(type) {
	case *mathNode:
		s, err = rw.r.math(n.item)
	case *mathBlock:
		s, err = rw.r.math(n.item)
		s += "\n"
	case *directiveNode:
		s, err = rw.r.directive(n.dir)
	case *directiveBlock:
		s, err = rw.r.directive(n.dir)
		s += "\n"
	case *liveCodeNode:
		s, err = rw.r.liveCode(n)
	}
	if err != nil {
		return ast.WalkStop, err
	}
	_, err = io.WriteString(w, s)
	return ast.WalkSkipChildren, err
}
