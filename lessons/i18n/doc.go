// Package i18n is the explorer's message catalogue: every word it shows to
// people, in English and Simplified Chinese, keyed by a dotted name.
//
// One catalogue serves every front end: the explorer page and its scripts
// (web serves the catalogue to them as a JavaScript module), the training
// view, the classroom pages, the lessons' own words around lesson text,
// the steps' teaching titles, and the titles and labels of exported plots
// (viz). A test fails when a key lacks a language or when a translation's
// placeholders differ from the English.
//
// # Placeholders
//
// A message names its arguments in braces, "{n} tokens · ran in {ms} ms",
// so a translation may reorder them; T fills them from name/value pairs.
// Messages under "lesson." are the lesson renderer's fmt formats ("%d",
// "%s") and are filled by the renderer with fmt.Sprintf.
package i18n
