// Package lessons holds the explorer's lessons, one per concept of GPT-2
// and its history, in English and Simplified Chinese, and renders them to
// HTML with the numbers of the learner's own prompt and model.
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
// Code spans and fenced code blocks are left alone, except a block whose
// info string ends in " live" ("```python live"): its {{config}},
// {{value}} and {{run}} directives are replaced by their plain text, so
// that code names the loaded model.
//
// A sentence that quotes a setting of the model reads it with {{config}};
// a fact about real GPT-2 or GPT-3 is written as that model's, beside the
// loaded model's (TestNumbersFollowConfig renders every lesson on two
// models and checks this).
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
//	{{run NAME.KEY fmt=F}}                  a field of a recorded run (math; see Runs)
//	{{token pos=E}} {{token id=E}}          a token's display form (math)
//	{{tokens}}                              the prompt as a table
//	{{matrix hook=H at="…" rows=tokens cols=tokens max=8 fmt=F hidden=sum}}
//	                                        a 2-D (or 1-D) slice as a table; token
//	                                        columns always include the worked key
//	                                        and the row's largest entry, and
//	                                        hidden=sum states the sum of the
//	                                        entries not shown
//	{{topk pos=E n=5}}                      the most likely next tokens
//	{{lens pos=E}}                          the logit lens, layer by layer
//	{{losses}}                              the per-token loss (next.loss)
//	{{heads}}                               every head's favourite key
//	{{positions max=4}}                     sinusoidal and learned position
//	                                        encodings of the prompt: table and plot
//	{{step kind=K text="…" layer=E head=E}} a link to a step (of this layer
//	                                        unless layer= is given)
//	{{prompt text="…" model=NAME}}          a preset prompt to run; model= marks
//	                                        one made for another model (gpt2)
//	{{plot kind=K}}                         a plot from Context.Plot (PlotKinds)
//	{{exercise id=ID answer=E tol=T how="…"}}            a number to enter
//	{{exercise id=ID answer=E options="a|b|c" how="…"}}  a choice; E is its index
//	{{exercise id=ID answer=E options=keys}}             choose a key position
//
// fmt is a float verb without % (".3f", ".4g", the default), "d", "int"
// (thousands separators) or "pct". tol is an expression, absolute
// ("0.001") or relative ("1%"), in which ans is the right answer, so that
// it can follow the precision of the shown numbers; it defaults to 0.001
// for a number and is stated next to the input. An exercise must be
// solvable from exactly what the page shows: name=N on a {{value}},
// {{vector}} or {{config}} labels a shown number, and
// TestExercisesIndependently solves every exercise from the labelled
// numbers and tables. Exercise IDs must match between languages.
//
// # Runs
//
// Figures that come from a recorded run rather than the learner's trace,
// such as the fine-tuning lesson's one-minute explorer train --init, are
// JSON objects in content/runs/NAME.json, written by the script beside
// them (content/runs/NAME.py), and quoted with {{run NAME.KEY}}.
//
// # Expressions
//
// The expression language is package lessons/expr: numbers, + - * / ^,
// parentheses, comparisons (< <= > >= == != give 1 or 0), and the
// variables layer, head, q and k (the Context), T (tokens), L, H, C, D
// (head size), F (MLP width), V, N_ctx, eps, P (parameter count), n_chars
// and n_bytes (of the prompt), mid (a position halfway through the
// prompt), and ans (the right answer, in tol= only). t("hook", i, j, …)
// reads a hook; with one index fewer than its axes it gives the last axis
// as a vector; an index outside the hook shows as unavailable. Vectors
// combine element by element. Functions: sqrt exp log abs gelu sin cos
// floor (element-wise), dot sum mean var std norm len max min argmax
// entropy, at(v, i), slice(v, a, b), softmax(v), id(pos), if(c, a, b)
// (only the chosen branch is evaluated) and na() (a value the prompt does
// not have).
//
// Measurements of the why lessons (measure.go), on the context's layer
// and head: dots(i) (q_i·k_j for every key, unscaled and unmasked),
// alldots() (q_i·k_j for every pair j ≤ i), qvals() and kvals() (every
// entry of the head's queries and keys), prevscore(l, h) and
// indscore(l, h) (a head's previous-token and induction scores), and the
// variables prev_l prev_h prev_s prev_q prev_k and ind_l ind_h ind_s
// ind_q ind_k: the best previous-token and induction heads of the prompt,
// their scores, and the query and key where each shows its behaviour best
// (unavailable when the prompt repeats no token).
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
// Handout writes all lessons as one standalone page, with a "which model
// is this" box (About gives what the explorer knows of a model by name).
//
// Errors in a lesson name its file and line: Load rejects bad syntax, an
// unknown directive, argument, variable, function or step kind, a lesson
// missing from a language, and languages that disagree on steps or
// exercises; Render rejects a hook the trace lacks. A value the prompt
// cannot have (the loss of a one-token prompt) renders as unavailable.
package lessons
