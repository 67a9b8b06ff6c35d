package lessons

import (
	"html/template"
	"strings"
	"sync"
)

// fragments are the small pieces of HTML around lesson text: the article,
// a number, a token, an unavailable value, a code block. Every piece is
// built by html/template, which escapes what it is given.
var fragments = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("fragments").Parse(`
{{- define "article"}}<article class="lesson" lang="{{.Lang}}" id="lesson-{{.ID}}" data-lesson="{{.ID}}" data-step="{{.Step}}">
<h1>{{.Title}}</h1>
{{if .Summary}}<p class="lesson-summary">{{.Summary}}</p>
{{end}}<p class="lesson-params">{{.Params}}</p>
{{.Body}}<p class="lesson-jump">{{.Jump}}</p>
</article>
{{end -}}
{{- define "span"}}<span class="{{.Class}}"{{with .Title}} title="{{.}}"{{end}}>{{.Text}}</span>{{end -}}
{{- define "na"}}<p class="lesson-na">{{.}}</p>{{end -}}
{{- define "code"}}<pre><code{{with .Lang}} class="language-{{.}}"{{end}}>{{.Text}}</code></pre>
{{end -}}
{{- define "missing"}}<article class="lesson lesson-missing" lang="{{.Lang}}" id="lesson-{{.ID}}" data-lesson="{{.ID}}">
<h1>{{.Title}}</h1>
<p>{{.Text}}</p>
</article>
{{end -}}
`))
})

// fragment executes one of the fragments; their data is always of the
// right shape, so a failure is a bug.
func fragment(name string, data any) string {
	var b strings.Builder
	if err := fragments().ExecuteTemplate(&b, name, data); err != nil {
		panic("lessons: fragment " + name + ": " + err.Error())
	}
	return b.String()
}

type spanView struct{ Class, Title, Text string }

// span is <span class="class">text</span>.
func span(class, text string) string { return fragment("span", spanView{Class: class, Text: text}) }

type articleView struct {
	Lang, ID, Step, Title, Summary string
	Params, Body, Jump             template.HTML
}

type codeView struct{ Lang, Text string }

type missingView struct{ Lang, ID, Title, Text string }
