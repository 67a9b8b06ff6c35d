package classroom

import (
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/transformer-explorer/explorer/web/internal/wsconn"
)

// A View is what the teacher's page shows, and so what the class follows.
type View struct {
	// Prompt is the text of the run on screen.
	Prompt string `json:"prompt"`
	// Step is the ID of a trace step, such as "L0.softmax".
	Step string `json:"step"`
	// Head is the attention head picked, from 0.
	Head int `json:"head"`
	// Lang is the lesson language, "en" or "zh"; empty leaves each
	// student's own.
	Lang string `json:"lang,omitempty"`
}

// Limits of a view. The prompt box of the page holds 20000 characters,
// up to 4 bytes each in UTF-8.
const (
	maxPromptBytes  = 80 << 10
	maxStepBytes    = 64
	maxHead         = 4096
	maxMessageBytes = maxPromptBytes + 4<<10
)

// check returns an error saying what is wrong with v, if anything.
func (v View) check() error {
	switch {
	case len(v.Prompt) > maxPromptBytes:
		return fmt.Errorf("the prompt is %d bytes; a room carries at most %d", len(v.Prompt), maxPromptBytes)
	case !utf8.ValidString(v.Prompt):
		return errors.New("the prompt is not valid UTF-8")
	case len(v.Step) > maxStepBytes || !isStepID(v.Step):
		return fmt.Errorf("%q is not a step ID", v.Step)
	case v.Head < 0 || v.Head >= maxHead:
		return fmt.Errorf("head %d is out of range", v.Head)
	case v.Lang != "" && v.Lang != "en" && v.Lang != "zh":
		return fmt.Errorf("language %q is neither en nor zh", v.Lang)
	}
	return nil
}

// isStepID reports whether s looks like a trace step ID: letters, digits,
// dots and underscores.
func isStepID(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_') {
			return false
		}
	}
	return true
}

// Message types.
const (
	typeJoin     = "join"     // client → server, first
	typeView     = "view"     // teacher → server, and server → students
	typeWelcome  = "welcome"  // server → client, after a join
	typeStudents = "students" // server → teachers: how many students
	typeError    = "error"    // server → client
	typeTake     = "take"     // a teacher tab → server: drive from here
	typeTaken    = "taken"    // server → a teacher tab: another tab drives now
	typeDriving  = "driving"  // server → a teacher tab: you drive
	typePoll     = "poll"     // driver → server, and server → everyone
	typeGuess    = "guess"    // student → server
	typeTally    = "tally"    // server → teachers
	typeReveal   = "reveal"   // driver → server, and server → everyone
	typeEndPoll  = "endpoll"  // driver → server, and server → everyone
)

// Error codes of error messages.
const (
	errBadMessage = "bad_message"
	errNoRoom     = "no_room"
	errBadKey     = "bad_key"
	errFull       = "room_full"
	errNotTeacher = "not_teacher"
	errTooMany    = "too_many" // too many wrong codes, or room pages, from one computer
	errNotDriver  = "not_driver"
	errBadGuess   = "bad_guess"
)

// inMessage is a message from a client.
type inMessage struct {
	Type string `json:"type"`
	Code string `json:"code,omitempty"` // join
	Key  string `json:"key,omitempty"`  // join, teacher only
	View *View  `json:"view,omitempty"` // view
	// Poll is the question of a poll message.
	Poll *Poll `json:"poll,omitempty"`
	// PollID and Choice are a guess.
	PollID int64 `json:"poll_id,omitempty"`
	Choice int   `json:"choice"`
	// Reveal is the answer of a reveal message.
	Reveal *Reveal `json:"reveal,omitempty"`
}

// parseMessage decodes and checks a client's message.
func parseMessage(b []byte) (inMessage, error) {
	var m inMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return m, fmt.Errorf("classroom: bad message: %w", err)
	}
	switch m.Type {
	case typeJoin:
		if m.Code == "" {
			return m, errors.New("classroom: a join needs a room code")
		}
	case typeView:
		if m.View == nil {
			return m, errors.New("classroom: a view message needs a view")
		}
		if err := m.View.check(); err != nil {
			return m, fmt.Errorf("classroom: %w", err)
		}
	case typePoll:
		if m.Poll == nil {
			return m, errors.New("classroom: a poll message needs a poll")
		}
		if err := m.Poll.check(); err != nil {
			return m, fmt.Errorf("classroom: %w", err)
		}
	case typeReveal:
		if m.Reveal == nil {
			return m, errors.New("classroom: a reveal message needs its answer")
		}
	case typeGuess, typeTake, typeEndPoll:
	default:
		return m, fmt.Errorf("classroom: unknown message type %q", m.Type)
	}
	return m, nil
}

// outMessage is a message to a client; the fields used depend on Type.
type outMessage struct {
	Type     string  `json:"type"`
	Role     string  `json:"role,omitempty"`
	Code     string  `json:"code,omitempty"`
	Seq      int64   `json:"seq,omitempty"`
	View     *View   `json:"view,omitempty"`
	Students *int    `json:"n,omitempty"`
	Poll     *Poll   `json:"poll,omitempty"`
	Tally    *Tally  `json:"tally,omitempty"`
	Reveal   *Reveal `json:"reveal,omitempty"`
	// Error is an error message's code; Key, Args and Message its words
	// (wsconn.Reason): a catalogue key the page shows in its language,
	// the key's arguments, and the English for other clients.
	Error   string         `json:"error,omitempty"`
	Key     string         `json:"key,omitempty"`
	Args    map[string]any `json:"args,omitempty"`
	Message string         `json:"message,omitempty"`
}

// encode marshals m; the types here always marshal.
func (m outMessage) encode() []byte {
	b, err := json.Marshal(m)
	if err != nil {
		panic("classroom: encode message: " + err.Error())
	}
	return b
}

// errorMessage is an error message: its code and why.
func errorMessage(code string, why wsconn.Reason) []byte {
	return outMessage{Type: typeError, Error: code, Key: why.Key, Args: why.Args, Message: why.Text}.encode()
}
