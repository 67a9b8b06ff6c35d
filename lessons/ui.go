package lessons

import (
	"github.com/transformer-explorer/explorer/lessons/i18n"
	"github.com/transformer-explorer/explorer/trace"
)

// ui returns the renderer's words around lesson text (catalogue key
// "lesson.KEY", a fmt format) in the lesson's language.
func (r *renderer) ui(key string) string { return i18n.Text(r.lang, "lesson."+key) }

// kindName names a step kind in the layer being shown, e.g. "Layer 0 ·
// Attention scores" (StepTitle).
func (r *renderer) kindName(kind string) string {
	return StepTitle(trace.StepKind(kind), r.env.layer, r.lang)
}

// kindNameIn names a step kind in a given layer (StepTitle).
func (r *renderer) kindNameIn(kind string, layer int) string {
	return StepTitle(trace.StepKind(kind), layer, r.lang)
}
