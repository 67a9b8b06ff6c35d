package lessons

import (
	"errors"
	"fmt"
	"html"
	"html/template"
	"io"

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
	words := handoutText[lang]
	r := &renderer{env: e, lang: lang, static: true}
	var body []byte
	toc := ""
	for _, l := range ls {
		h, err := lib.Render(l.ID, lang, ctx)
		var missing *MissingHookError
		if errors.As(err, &missing) {
			h = missingLesson(l, lang, missing.Hook)
		} else if err != nil {
			return err
		}
		body = append(body, h...)
		toc += fmt.Sprintf(`<li><a href="#lesson-%s">%s</a></li>`, html.EscapeString(l.ID), html.EscapeString(l.Title))
	}
	_, err = fmt.Fprintf(w, `<!doctype html>
<html lang="%s">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>%s</title>
<style>
%s
body { margin: 2rem auto; max-width: 48rem; padding: 0 1rem; font-family: Georgia, "Noto Serif", serif; }
body:lang(zh) { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", "WenQuanYi Micro Hei", sans-serif; }
.handout-head { border-bottom: 1px solid #ccc; margin-bottom: 1.5rem; }
.handout-head pre { white-space: pre-wrap; background: #f6f8fa; padding: .5rem .7rem; }
article.lesson { border-top: 1px solid #ddd; padding-top: 1rem; margin-top: 2rem; }
@media print { article.lesson { break-before: page; } details.lesson-answer { display: none; } }
</style>
</head>
<body>
<header class="handout-head">
<h1>%s</h1>
<p>%s</p>
<pre>%s</pre>
%s<nav><ol>%s</ol></nav>
</header>
%s
</body>
</html>
`, langTag(lang), html.EscapeString(words["title"]), CSS(), html.EscapeString(words["title"]),
		html.EscapeString(words["prompt"]), html.EscapeString(e.data.Text), r.paramsLine(), toc, body)
	return err
}

var handoutText = map[string]map[string]string{
	"en": {"title": "Transformer Explorer: how GPT-2 reads your prompt", "prompt": "Every number below comes from this prompt:"},
	"zh": {"title": "Transformer Explorer：GPT-2 如何读你的提示词", "prompt": "下面所有的数都来自这个提示词："},
}

// missingLesson is a lesson's place in a handout whose trace lacks a hook
// the lesson reads: its title and a sentence naming the hook.
func missingLesson(l *Lesson, lang, hook string) template.HTML {
	return template.HTML(fmt.Sprintf(`<article class="lesson lesson-missing" lang="%s" id="lesson-%s" data-lesson="%s">
<h1>%s</h1>
<p>%s</p>
</article>
`, html.EscapeString(langTag(lang)), html.EscapeString(l.ID), html.EscapeString(l.ID), html.EscapeString(l.Title),
		html.EscapeString(fmt.Sprintf(i18n.Text(lang, "lesson.missingHook"), hook))))
}
