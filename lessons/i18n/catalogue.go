package i18n

import "sync"

// A message is one key's words: English, then Simplified Chinese.
type message [2]string

// catalogue returns every message, merged from the parts below; the parts
// are split by the front end that shows them, and a test checks that no
// key is in two parts. It is built on first use, once: a command that
// shows no words (explorer trace) does not pay 0.5 ms at start-up.
var catalogue = sync.OnceValue(func() map[string]message {
	return merge(parts()...)
})

// parts returns the parts of the catalogue, in the order merge takes them.
func parts() []map[string]message {
	return []map[string]message{pageMessages(), stepMessages(), figureMessages(), errorMessages(),
		trainMessages(), roomMessages(), modelMessages(), explainMessages(), plotMessages(), lessonMessages(), traceMessages()}
}

// merge joins the parts; a key in two parts keeps its first message (the
// test reports it).
func merge(parts ...map[string]message) map[string]message {
	all := map[string]message{}
	for _, p := range parts {
		for k, m := range p {
			if _, dup := all[k]; !dup {
				all[k] = m
			}
		}
	}
	return all
}
