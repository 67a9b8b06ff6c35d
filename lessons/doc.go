// Package lessons holds the explorer's lessons, one per concept of GPT-2,
// in English and Simplified Chinese, and renders them to HTML with the
// numbers of the learner's own prompt.
//
// # Lesson files
//
// Lessons are Markdown files embedded from content/LANG/NN-slug.md, the
// same file name in every language. Each starts with a front matter block:
//
//	---
//	id: self-attention
//	title: Self-attention in six steps
//	summary: One sentence on what the lesson is for.
//	steps: scores qkv mask softmax weighted_sum
//	order: 6
//	---
//
// steps are kinds of trace step (trace.StepKinds); the first is the target
// of the lesson's "jump to step" link, and ForStep finds the lesson from
// any of them. Math is LaTeX between $…$ (inline, one line) or $$…$$
// (display), converted to MathML by lessons/mathml; \$ is a dollar sign.
// Code spans and fenced code blocks are left alone.
//
// # Directives
//
// {{name arg=value arg="quoted value" word}} binds a value from the trace.
// Expressions (see below) are allowed where noted; a hook name may contain
// {expr}, e.g. "blocks.{layer}.attn.hook_pattern". Directives marked (math)
// may also be used inside $…$, where they produce TeX.
//
//	{{value expr=E fmt=F}}                  a number (math)
//	{{value hook=H at="i,j,…" fmt=F}}       one entry of a hook (math)
//	{{vector hook=H at="…" max=6 fmt=F}}    the leading entries of a row (math)
//	{{config NAME}}                         n_layer n_head n_embd n_inner n_ctx
//	                                        vocab_size d_head epsilon name params (math)
//	{{token pos=E}} {{token id=E}}          a token's display form (math)
//	{{tokens}}                              the prompt as a table
//	{{matrix hook=H at="…" rows=tokens cols=tokens max=8 fmt=F}}
//	                                        a 2-D (or 1-D) slice as a table
//	{{topk pos=E n=5}}                      the most likely next tokens
//	{{lens pos=E}}                          the logit lens, layer by layer
//	{{losses}}                              the per-token loss (next.loss)
//	{{heads}}                               every head's favourite key
//	{{step kind=K text="…"}}                a link to a step of this layer
//	{{prompt text="…"}}                     a preset prompt to run
//	{{plot kind=K}}                         a plot from Context.Plot (PlotKinds)
//	{{exercise id=ID answer=E tol=T how="…"}}            a number to enter
//	{{exercise id=ID answer=E options="a|b|c" how="…"}}  a choice; E is its index
//	{{exercise id=ID answer=E options=keys}}             choose a key position
//
// fmt is a float verb without % (".3f", ".4g", the default), "d", "int"
// (thousands separators) or "pct". tol is absolute ("0.001") or relative
// ("1%"); it defaults to 0.001 for a number and is stated next to the
// input. Exercise IDs must match between languages.
//
// # Expressions
//
// The expression language is package lessons/expr. Numbers, + - * / ^, parentheses, and the variables layer, head, q and k
// (the Context), T (tokens), L, H, C, D (head size), F (MLP width), V,
// N_ctx, eps, P (parameter count), n_chars and n_bytes (of the prompt).
// t("hook", i, j, …) reads a hook; with one index fewer than its axes it
// gives the last axis as a vector; an index outside the hook shows as
// unavailable.
// Vectors combine element by element. Functions: sqrt exp log abs gelu
// (element-wise), dot sum mean var std norm len max min argmax, at(v, i),
// softmax(v), id(pos).
//
// # Using the package
//
// FromTrace gives the lessons' view of a recorded forward pass:
//
//	d := lessons.FromTrace(tr)
//	lib, err := lessons.Load()
//	ctx := lessons.NewContext(d) // layer 0, head 0, last token, its top key
//	ctx.Layer, ctx.Head = 3, 5
//	page, err := lib.Render("self-attention", "zh", ctx) // template.HTML
//	ok, why, err := lib.Check("self-attention", "scaled", "zh", "3.64", ctx)
//
// For the web app: List(lang) gives the lessons in teaching order,
// ForStep(stepID, lang) the lessons beside a step ("L3.scores"),
// Lesson.StepID(layer) a lesson's jump target, and CSS() the stylesheet.
// A rendered exercise is a <form class="lesson-exercise"
// data-lesson=… data-exercise=… data-lang=…> whose input is named
// "answer" (for a choice, the option's index); post it to a handler that
// calls Check. A jump link is <a class="lesson-step" href="#step=ID"
// data-step=ID>, and a preset prompt is <a class="lesson-run"
// data-prompt=…>. Set Context.Plot to serve {{plot}} images (the web app
// returns a URL of its plot endpoint, a handout a file it wrote with viz).
// Handout writes all lessons as one standalone page.
//
// Errors in a lesson name its file and line: Load rejects bad syntax, an
// unknown directive, argument, variable, function or step kind, a lesson
// missing from a language, and languages that disagree on steps or
// exercises; Render rejects a hook the trace lacks. A value the prompt
// cannot have (the loss of a one-token prompt) renders as unavailable.
package lessons
