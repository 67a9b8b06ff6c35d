package lessons

import (
	"errors"
	"fmt"
	"html/template"
	"io"
	"sync"

	"github.com/transformer-explorer/explorer/lessons/i18n"
)

// Handout writes every lesson of a language, with the numbers of ctx's
// trace, as one standalone HTML page: the stylesheet is inlined, the math
// is MathML and each exercise shows its answer, so the page opens from
// disk with no server and prints well. Images come from ctx.Plot, if set.
func (lib *Library) Handout(w io.Writer, lang string, ctx Context) error {
	ls, err := lib.List(lang)
	if err != nil {
		return err
	}
	e, err := ctx.resolve()
	if err != nil {
		return err
	}
	ctx.Static = true
	r := &renderer{env: e, lang: lang, static: true}
	v := handoutView{Lang: i18n.HTMLTag(lang), Title: handoutText[lang]["title"], PromptLabel: handoutText[lang]["prompt"],
		Prompt: e.data.Text, CSS: template.CSS(CSS()), Params: template.HTML(r.paramsLine())}
	if v.About, err = aboutHTML(e.data.Model, lang); err != nil {
		return err
	}
	for _, l := range ls {
		h, err := lib.Render(l.ID, lang, ctx)
		var missing *MissingHookError
		if errors.As(err, &missing) {
			h = MissingNote(l, lang, missing.Hook)
		} else if err != nil {
			return err
		}
		v.Lessons = append(v.Lessons, h)
		v.TOC = append(v.TOC, tocEntry{ID: "lesson-" + l.ID, Title: l.Title})
	}
	return handoutTemplate().Execute(w, v)
}

type tocEntry struct{ ID, Title string }

type handoutView struct {
	Lang, Title, PromptLabel, Prompt string
	CSS                              template.CSS
	Params, About                    template.HTML
	TOC                              []tocEntry
	Lessons                          []template.HTML
}

var handoutTemplate = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("handout").Parse(`<!doctype html>
<html lang="{{.Lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
{{.CSS}}
body { margin: 2rem auto; max-width: 48rem; padding: 0 1rem; font-family: Georgia, "Noto Serif", serif; }
body:lang(zh) { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", "WenQuanYi Micro Hei", sans-serif; }
.handout-head { border-bottom: 1px solid #ccc; margin-bottom: 1.5rem; }
.handout-head pre, .lesson-about pre { white-space: pre-wrap; background: #f6f8fa; padding: .5rem .7rem; }
.lesson-about { border: 1px solid #c9d6f2; background: #f7f9ff; border-radius: 4px; padding: .2rem .9rem .6rem; margin: 1rem 0; }
.lesson-about h2 { font-size: 1.1rem; }
.lesson-about th { text-align: left; vertical-align: top; }
.lesson-about td { text-align: left; }
article.lesson { border-top: 1px solid #ddd; padding-top: 1rem; margin-top: 2rem; }
@media print { article.lesson { break-before: page; } details.lesson-answer { display: none; } }
</style>
</head>
<body>
<header class="handout-head">
<h1>{{.Title}}</h1>
<p>{{.PromptLabel}}</p>
<pre>{{.Prompt}}</pre>
{{.Params}}{{.About}}<nav><ol>{{range .TOC}}<li><a href="#{{.ID}}">{{.Title}}</a></li>{{end}}</ol></nav>
</header>
{{range .Lessons}}{{.}}{{end}}
</body>
</html>
`))
})

var handoutText = map[string]map[string]string{
	"en": {"title": "Transformer Explorer: how a GPT-2 model reads your prompt", "prompt": "Every number below comes from this prompt:"},
	"zh": {"title": "Transformer Explorer：GPT-2 式模型如何读你的提示词", "prompt": "下面所有的数都来自这个提示词："},
}

// MissingNote is what stands for a lesson whose trace lacks a hook the
// lesson reads (see MissingHookError): its title and a sentence naming
// the hook, in lang.
func MissingNote(l *Lesson, lang, hook string) template.HTML {
	return template.HTML(fragment("missing", missingView{Lang: i18n.HTMLTag(lang), ID: l.ID, Title: l.Title,
		Text: fmt.Sprintf(i18n.Text(lang, "lesson.missingHook"), hook)}))
}
