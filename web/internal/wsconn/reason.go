package wsconn

import (
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
)

// A Reason says to people why the server refused or closed a connection:
// a key of the explorer's message catalogue (lessons/i18n), which a page
// shows in its own language, the key's arguments, and the English for
// any other client.
//
// In a close frame (String) it reads
//
//	[close.tabsPerComputer max=16] this computer has reached its limit of 16 explorer tabs; close one and reload
//
// the key and its arguments (names sorted, values escaped as in a URL path) in
// brackets, then the English, the whole cut to the 123 bytes a close
// frame holds; a page parses the brackets (reason() in
// web/static/i18n.js). In a JSON message it is the fields key, args and
// message.
type Reason struct {
	Key  string         `json:"key"`
	Args map[string]any `json:"args,omitempty"`
	Text string         `json:"message"`
}

// String returns the reason as a close frame carries it.
func (r Reason) String() string {
	var b strings.Builder
	b.WriteString("[")
	b.WriteString(r.Key)
	for _, name := range slices.Sorted(maps.Keys(r.Args)) {
		fmt.Fprintf(&b, " %s=%s", name, url.PathEscape(fmt.Sprint(r.Args[name])))
	}
	b.WriteString("] ")
	b.WriteString(r.Text)
	return CloseReason(b.String())
}

// CloseWith closes the connection as Close does, with r as its reason.
func (c *Conn) CloseWith(code int, r Reason) { c.Close(code, r.String()) }
