package trace

import (
	"errors"
	"fmt"
	"path"
	"strings"
)

// A Selection chooses hooks by name with glob patterns. The zero Selection
// matches nothing. A Selection is compiled once by Select and may be used
// from any goroutine.
//
// Patterns are matched one dot-separated part at a time: within a part, `*`
// matches any run of characters, `?` one character, `[...]` a class (as in
// path.Match); a part that is exactly `**` matches any number of parts. So
// "blocks.*.attn.hook_pattern" selects every layer's pattern,
// "blocks.0.**" everything in block 0, "**" everything, and "logits" just
// the logits.
//
// Matching takes time proportional to the pattern's parts times the name's
// parts (each part compared once, as in a Thompson NFA), however many `**`
// the pattern holds, and patterns are bounded in length and count (see
// MaxPatternBytes and MaxPatterns), since they may come from a web page.
type Selection struct {
	patterns []pattern
	all      bool
}

// Bounds of what Select accepts.
const (
	// MaxPatternBytes is the longest pattern: hook names are under 40
	// bytes, so no useful pattern comes near it.
	MaxPatternBytes = 256
	// MaxPatterns is the most patterns one selection holds: a model's
	// hooks are 17 per block and 10 more, and one pattern can name a point
	// of every block.
	MaxPatterns = 64
)

// ErrPattern is wrapped by the errors of patterns that break a bound.
var ErrPattern = errors.New("trace: pattern refused")

// pattern is a compiled pattern: its parts, where "**" matches any number
// of name parts and runs of "**" are merged into one.
type pattern []string

// All is a Selection matching every hook.
func All() Selection { return Selection{all: true} }

// Select compiles patterns, checking each against the hooks of an nLayer
// model: a malformed pattern or one that matches no hook is an error (wrapping
// ErrNoMatch) that lists examples of valid names, so a typo is caught rather
// than silently capturing nothing. More than MaxPatterns patterns, or one
// longer than MaxPatternBytes, is an error wrapping ErrPattern.
func Select(nLayer int, patterns ...string) (Selection, error) {
	if len(patterns) > MaxPatterns {
		return Selection{}, fmt.Errorf("%w: %d patterns, at most %d (one pattern such as \"blocks.*.attn.hook_pattern\" covers every layer)", ErrPattern, len(patterns), MaxPatterns)
	}
	names := Names(nLayer)
	var sel Selection
	for _, p := range patterns {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if len(p) > MaxPatternBytes {
			return Selection{}, fmt.Errorf("%w: a pattern of %d bytes, at most %d (hook names are much shorter)", ErrPattern, len(p), MaxPatternBytes)
		}
		pat, err := compile(p)
		if err != nil {
			return Selection{}, err
		}
		matched := false
		for _, n := range names {
			if pat.match(n) {
				matched = true
				break
			}
		}
		if !matched {
			return Selection{}, fmt.Errorf("%w: %q (hooks look like %q, %q, %q; layers are 0..%d)",
				ErrNoMatch, p, Embed, Block(0, AttnPattern), Logits, nLayer-1)
		}
		sel.patterns = append(sel.patterns, pat)
	}
	return sel, nil
}

// compile splits p into parts, checks each part's glob syntax, and merges
// runs of "**".
func compile(p string) (pattern, error) {
	var pat pattern
	for _, part := range strings.Split(p, ".") {
		if _, err := path.Match(part, ""); err != nil {
			return nil, fmt.Errorf("trace: pattern %q: %w", p, err)
		}
		if part == "**" && len(pat) > 0 && pat[len(pat)-1] == "**" {
			continue
		}
		pat = append(pat, part)
	}
	return pat, nil
}

// Match reports whether the selection includes the named hook.
func (s Selection) Match(name string) bool {
	if s.all {
		return true
	}
	for _, p := range s.patterns {
		if p.match(name) {
			return true
		}
	}
	return false
}

// IsEmpty reports whether the selection matches nothing at all.
func (s Selection) IsEmpty() bool { return !s.all && len(s.patterns) == 0 }

// match reports whether the dot-separated name matches p. It keeps the set
// of pattern positions the parts read so far can have reached (an NFA
// simulation): every name part advances each position at most once, so
// the time is bounded by len(p) × parts of name, with no backtracking.
func (p pattern) match(name string) bool {
	// at[i] reports whether position i (the parts p[:i] matched) is
	// reachable; position len(p) accepts. A small pattern, the common
	// case, keeps the sets on the stack.
	var buf [2][16]bool
	cur, next := buf[0][:0], buf[1][:0]
	if len(p)+1 > len(buf[0]) {
		cur, next = make([]bool, 0, len(p)+1), make([]bool, 0, len(p)+1)
	}
	cur, next = cur[:len(p)+1], next[:len(p)+1]
	clear(cur)
	cur[0] = true
	p.close(cur)
	for rest := name; ; {
		part, tail, more := strings.Cut(rest, ".")
		clear(next)
		alive := false
		for i, ok := range cur[:len(p)] {
			if !ok {
				continue
			}
			if p[i] == "**" {
				next[i], alive = true, true // ** takes this part and may take more
			} else if m, _ := path.Match(p[i], part); m {
				next[i+1], alive = true, true
			}
		}
		if !alive {
			return false
		}
		p.close(next)
		cur, next = next, cur
		if !more {
			break
		}
		rest = tail
	}
	return cur[len(p)]
}

// close adds to a set of positions those reached by letting a "**" match
// no part.
func (p pattern) close(at []bool) {
	for i := range p {
		if at[i] && p[i] == "**" {
			at[i+1] = true
		}
	}
}
