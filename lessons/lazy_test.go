package lessons

import (
	"html/template"
	"testing"
)

// TestLazyValuesBuild builds each template, regexp and goldmark instance
// the package makes on first use. Built at start-up, a broken one stopped
// every command; built lazily, it would otherwise wait for a learner's
// first render to panic.
func TestLazyValuesBuild(t *testing.T) {
	templates := map[string]func() *template.Template{
		"about": aboutTemplate, "jump": jumpTemplate, "prompt": promptTemplate,
		"exercise": exerciseTemplate, "fragments": fragments, "handout": handoutTemplate,
		"matrix": matrixTemplate, "positions": positionsTemplate, "table": tableTemplate,
		"plot": plotTemplate,
	}
	for name, build := range templates {
		if tmpl := build(); tmpl == nil || tmpl.Tree == nil {
			t.Errorf("template %s: built empty", name)
		}
	}
	if !afterOperator().MatchString(`a \cdot `) || afterOperator().MatchString("a = ") {
		t.Error("afterOperator: matches the wrong TeX")
	}
	if lessonMarkdown() == nil {
		t.Error("lessonMarkdown: nil")
	}
}
