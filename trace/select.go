package trace

import (
	"fmt"
	"path"
	"strings"
)

// A Selection chooses hooks by name with glob patterns. The zero Selection
// matches nothing.
//
// Patterns are matched one dot-separated part at a time: within a part, `*`
// matches any run of characters, `?` one character, `[...]` a class (as in
// path.Match); a part that is exactly `**` matches any number of parts. So
// "blocks.*.attn.hook_pattern" selects every layer's pattern,
// "blocks.0.**" everything in block 0, "**" everything, and "logits" just
// the logits.
type Selection struct {
	patterns [][]string
	all      bool
}

// All is a Selection matching every hook.
func All() Selection { return Selection{all: true} }

// Select compiles patterns, checking each against the hooks of an nLayer
// model: a malformed pattern or one that matches no hook is an error (wrapping
// ErrNoMatch) that lists examples of valid names, so a typo is caught rather
// than silently capturing nothing.
func Select(nLayer int, patterns ...string) (Selection, error) {
	names := Names(nLayer)
	var sel Selection
	for _, p := range patterns {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		parts := strings.Split(p, ".")
		for _, part := range parts {
			if _, err := path.Match(part, ""); err != nil {
				return Selection{}, fmt.Errorf("trace: pattern %q: %w", p, err)
			}
		}
		matched := false
		for _, n := range names {
			if matchParts(parts, strings.Split(n, ".")) {
				matched = true
				break
			}
		}
		if !matched {
			return Selection{}, fmt.Errorf("%w: %q (hooks look like %q, %q, %q; layers are 0..%d)",
				ErrNoMatch, p, Embed, Block(0, AttnPattern), Logits, nLayer-1)
		}
		sel.patterns = append(sel.patterns, parts)
	}
	return sel, nil
}

// Match reports whether the selection includes the named hook.
func (s Selection) Match(name string) bool {
	if s.all {
		return true
	}
	if len(s.patterns) == 0 {
		return false
	}
	parts := strings.Split(name, ".")
	for _, p := range s.patterns {
		if matchParts(p, parts) {
			return true
		}
	}
	return false
}

// IsEmpty reports whether the selection matches nothing at all.
func (s Selection) IsEmpty() bool { return !s.all && len(s.patterns) == 0 }

func matchParts(pattern, name []string) bool {
	for len(pattern) > 0 {
		if pattern[0] == "**" {
			rest := pattern[1:]
			for skip := 0; skip <= len(name); skip++ {
				if matchParts(rest, name[skip:]) {
					return true
				}
			}
			return false
		}
		if len(name) == 0 {
			return false
		}
		if ok, _ := path.Match(pattern[0], name[0]); !ok {
			return false
		}
		pattern, name = pattern[1:], name[1:]
	}
	return len(name) == 0
}
