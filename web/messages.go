package web

import (
	"github.com/transformer-explorer/explorer/trace"
)

// The websocket protocol's JSON messages, one type per message (PROTOCOL.md
// is their reference). Binary tensor frames are in protocol.go.

// clientMessage is every message a page may send; Type selects the fields
// that matter.
type clientMessage struct {
	Type        string   `json:"type"`
	Seq         int      `json:"seq"`
	Prompt      *string  `json:"prompt"`
	IDs         []int    `json:"ids"`
	Name        string   `json:"name"`
	Temperature *float64 `json:"temperature"`
	TopK        int      `json:"top_k"`
	TopP        *float64 `json:"top_p"`
	Seed        *uint64  `json:"seed"`
	// Eager lists the hooks (trace.Select patterns) a run streams as they
	// are computed; the others are held. Absent, every hook up to the
	// eager limit is streamed.
	Eager []string `json:"eager"`
	// Map asks for the model map's thumbnails of the attention patterns
	// that are not streamed whole.
	Map bool `json:"map"`
	// Trace is "b" in a tensor message that asks for a tensor of the
	// trace compared with the run's ("a" or empty: the run's own).
	Trace string `json:"trace"`
}

// Types of client messages.
const (
	msgRun       = "run"
	msgGenerate  = "generate"
	msgTensor    = "tensor"
	msgCancel    = "cancel"
	msgShow      = "trace"     // show the trace the server was started with
	msgUncompare = "uncompare" // close the comparison
	msgFollow    = "follow"    // reserved for classroom rooms
	msgUnfollow  = "unfollow"  // reserved for classroom rooms
)

// Error codes sent in error messages.
const (
	codeBadMessage = "bad_message"
	codeTooLong    = "too_long"
	codeBadPrompt  = "bad_prompt"
	codeNoModel    = "no_model"
	codeNoTrace    = "no_trace"
	codeInternal   = "internal"
	// codeBusy says the server cannot take the work now (its memory for
	// traces is taken by running work); the message says what to do.
	codeBusy = "busy"
)

// helloMessage opens every session: the session id for downloads and
// lessons, and the model and its steps (or why there is no model).
type helloMessage struct {
	Type    string           `json:"type"` // "hello"
	Session string           `json:"session"`
	Model   *trace.ModelInfo `json:"model,omitempty"`
	Steps   []stepInfo       `json:"steps,omitempty"`
	// Axes names what each axis of every hook point indexes
	// (trace.Layout.Axes), keyed by block point or outside name.
	Axes       map[string][]string `json:"axes,omitempty"`
	EagerLimit int                 `json:"eager_limit,omitempty"`
	ModelError string              `json:"model_error,omitempty"`
	// Can says what the page may ask for.
	Can abilities `json:"can"`
	// Trace names the trace the server was started with, which the page
	// shows by sending "trace".
	Trace string `json:"trace,omitempty"`
	// MaxTraceBytes is the largest trace file the page may open.
	MaxTraceBytes int64 `json:"max_trace_bytes"`
}

// abilities says what a page may do with the trace it shows.
type abilities struct {
	// Run reports whether prompts can run (the server has a model).
	Run bool `json:"run"`
	// Generate reports whether the shown trace can be continued, which a
	// trace opened from a file cannot: its model's weights are not here.
	Generate bool `json:"generate"`
}

// modelMessage changes the model and steps the page shows: a trace opened
// from a file (Source names it), or the server's model again after one.
type modelMessage struct {
	Type   string          `json:"type"` // "model"
	Seq    int             `json:"seq"`
	Model  trace.ModelInfo `json:"model"`
	Steps  []stepInfo      `json:"steps"`
	Source string          `json:"source"`
	Can    abilities       `json:"can"`
}

// comparedMessage reports the comparison of the run's trace (A) with a
// trace opened to compare (B), hook by hook, with trace.CompareTraces.
type comparedMessage struct {
	Type   string        `json:"type"` // "compared"
	Seq    int           `json:"seq"`
	Source string        `json:"source"` // B's file name
	Tol    string        `json:"tol"`
	Hooks  []hookCompare `json:"hooks"`
	OnlyA  []string      `json:"only_a"`
	OnlyB  []string      `json:"only_b"`
	Notes  []string      `json:"notes"`
	Failed int           `json:"failed"`
}

// hookCompare is one hook's comparison: the largest difference |B − A|
// (scaled as the tolerance says) and where, or the problem that no
// tolerance accepts.
type hookCompare struct {
	Hook    string  `json:"hook"`
	Shape   []int   `json:"shape"`
	Max     float64 `json:"max"`
	At      []int   `json:"at"` // nil when every value is equal
	A       float64 `json:"a"`
	B       float64 `json:"b"`
	OK      bool    `json:"ok"`
	Problem string  `json:"problem,omitempty"`
}

// tokensMessage describes a run's tokens for the token strip.
type tokensMessage struct {
	Type    string   `json:"type"` // "tokens"
	Seq     int      `json:"seq"`
	Text    string   `json:"text"`
	IDs     []int    `json:"ids"`
	Tokens  []string `json:"tokens"`
	Strings []string `json:"strings"`
}

func newTokensMessage(seq int, tr *trace.Trace) tokensMessage {
	return tokensMessage{Type: "tokens", Seq: seq, Text: tr.Text, IDs: tr.IDs, Tokens: tr.Tokens, Strings: tr.TokenStrings}
}

// heldMessage announces a tensor kept on the server until the page asks.
type heldMessage struct {
	Type  string `json:"type"` // "held"
	Seq   int    `json:"seq"`
	Name  string `json:"name"`
	Shape []int  `json:"shape"`
	// Trace is "b" for a hook of the trace compared with run Seq's.
	Trace string `json:"trace,omitempty"`
}

// doneMessage ends a run.
type doneMessage struct {
	Type   string         `json:"type"` // "done"
	Seq    int            `json:"seq"`
	Labels map[int]string `json:"labels"`
	MS     int64          `json:"ms"`
	Bytes  int64          `json:"bytes"` // tensor bytes streamed
}

// sampledMessage reports a generate's choice of token.
type sampledMessage struct {
	Type   string        `json:"type"` // "sampled"
	Seq    int           `json:"seq"`
	Before []tokenChance `json:"before"`
	After  []tokenChance `json:"after"`
	Picked pickedToken   `json:"picked"`
	// Seed is the seed the choice was drawn with, to repeat it.
	Seed uint64 `json:"seed"`
}

// tokenChance is one token of a distribution's top list.
type tokenChance struct {
	ID    int     `json:"id"`
	Token string  `json:"token"`
	P     float64 `json:"p"`
}

// pickedToken is the token a generate chose.
type pickedToken struct {
	ID      int     `json:"id"`
	Token   string  `json:"token"`
	PBefore float64 `json:"p_before"`
	PAfter  float64 `json:"p_after"`
}

// errorMessage says what went wrong, for people (Message) and for code.
type errorMessage struct {
	Type    string `json:"type"` // "error"
	Seq     int    `json:"seq"`  // 0 when not about a run
	Code    string `json:"code"`
	Message string `json:"message"`
}
