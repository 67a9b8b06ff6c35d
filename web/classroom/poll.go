package classroom

import (
	"errors"
	"fmt"
	"unicode/utf8"
)

// A Poll is a predict-before-reveal question: the teacher pauses on a
// step and the students guess among Options; the teacher sees the guesses
// as a histogram, then reveals the answer.
type Poll struct {
	// ID numbers the room's polls; the server sets it.
	ID int64 `json:"id"`
	// Kind is "key" (which key will this head attend to most from
	// query Q) or "next" (which token comes next).
	Kind string `json:"kind"`
	// Layer, Head and Q place a key question; Token is the query's
	// token, or for a next-token question the last token.
	Layer int    `json:"layer"`
	Head  int    `json:"head"`
	Q     int    `json:"q"`
	Token string `json:"token"`
	// Options are what students choose from, as they read.
	Options []string `json:"options"`
}

// A Tally is the class's guesses at a poll, for the teacher.
type Tally struct {
	Poll int64 `json:"poll"`
	// Counts holds the students who picked each option.
	Counts   []int `json:"counts"`
	Answered int   `json:"answered"`
	Students int   `json:"students"`
}

// A Reveal is a poll's answer, the option the model's numbers pick.
type Reveal struct {
	Poll   int64 `json:"poll"`
	Answer int   `json:"answer"`
	// P is the model's number behind the answer: the attention weight or
	// the probability.
	P float64 `json:"p"`
}

// Limits of a poll.
const (
	maxOptions     = 256
	maxOptionBytes = 96
)

// check returns an error saying what is wrong with p, if anything.
func (p Poll) check() error {
	switch {
	case p.Kind != "key" && p.Kind != "next":
		return fmt.Errorf("poll kind %q is neither key nor next", p.Kind)
	case len(p.Options) < 2 || len(p.Options) > maxOptions:
		return fmt.Errorf("a poll has 2 to %d options, not %d", maxOptions, len(p.Options))
	case p.Layer < 0 || p.Head < 0 || p.Head >= maxHead || p.Q < 0:
		return errors.New("a poll's layer, head and query are not negative")
	case len(p.Token) > maxOptionBytes || !utf8.ValidString(p.Token):
		return errors.New("a poll's token is too long or not UTF-8")
	}
	for _, o := range p.Options {
		if len(o) > maxOptionBytes || !utf8.ValidString(o) {
			return fmt.Errorf("poll option %.20q is too long or not UTF-8", o)
		}
	}
	return nil
}

// openPoll asks the class p (numbered by the room), replacing any poll
// still open, and tells every member.
func (r *Room) openPoll(p Poll) Poll {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.polls++
	p.ID = r.polls
	r.poll, r.reveal = &p, nil
	r.guesses = map[*client]int{}
	r.broadcastLocked(outMessage{Type: typePoll, Poll: &p}.encode(), true)
	r.tallyLocked()
	return p
}

// guess records a student's choice in the open poll (a later guess
// replaces an earlier one) and updates the teachers' tally. It reports
// false when there is no such poll or option, or the answer is out.
func (r *Room) guess(c *client, poll int64, choice int) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.poll == nil || r.poll.ID != poll || r.reveal != nil || choice < 0 || choice >= len(r.poll.Options) || c.teacher {
		return false
	}
	r.guesses[c] = choice
	r.tallyLocked()
	return true
}

// revealPoll gives the open poll's answer to everyone.
func (r *Room) revealPoll(rv Reveal) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.poll == nil || rv.Answer < 0 || rv.Answer >= len(r.poll.Options) {
		return false
	}
	rv.Poll = r.poll.ID
	r.reveal = &rv
	r.broadcastLocked(outMessage{Type: typeReveal, Reveal: &rv}.encode(), true)
	return true
}

// endPoll closes the poll for everyone.
func (r *Room) endPoll() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.poll == nil {
		return
	}
	r.poll, r.reveal, r.guesses = nil, nil, nil
	r.broadcastLocked(outMessage{Type: typeEndPoll}.encode(), true)
}

// CurrentTally returns the open poll's tally; ok is false with no poll.
func (r *Room) CurrentTally() (t Tally, ok bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.poll == nil {
		return Tally{}, false
	}
	return r.tallyOfLocked(), true
}

func (r *Room) tallyOfLocked() Tally {
	t := Tally{Poll: r.poll.ID, Counts: make([]int, len(r.poll.Options)), Students: len(r.students)}
	for c, choice := range r.guesses {
		if _, in := r.students[c]; in {
			t.Counts[choice]++
			t.Answered++
		}
	}
	return t
}

// tallyLocked sends the tally to the teachers. The caller holds r.mu.
func (r *Room) tallyLocked() {
	if r.poll == nil {
		return
	}
	t := r.tallyOfLocked()
	msg := outMessage{Type: typeTally, Tally: &t}.encode()
	for c := range r.teachers {
		r.offer(c, msg)
	}
}
