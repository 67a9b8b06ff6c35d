// Package web serves the explorer: one page, rendered on the server with
// templ, that a learner uses to type a prompt and step through GPT-2's
// computation, and a websocket (/ws) that streams the recorded tensors to
// the page's canvas heatmaps as the engine produces them.
//
// Data flows one way: the engine runs a prompt, a trace records it, and a
// session streams the trace to one browser tab. The page's scripts and
// styles are our own, embedded with the binary, so the app works offline.
// PROTOCOL.md describes the websocket messages.
//
// A Server holds no global state: each websocket connection is a session
// that cancels its work when the tab closes or sends a new prompt, and a
// semaphore bounds the forward passes running at once. A prompt's run is
// computed once for every tab that runs it meanwhile (a class following
// its teacher) and its trace shared, read-only (shared.go); what a
// session adds (generated tokens, a trace opened from a file) is its own.
package web
