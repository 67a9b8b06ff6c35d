package tokenizer

import (
	"errors"
	"fmt"
	"math"
	"unicode/utf16"
	"unicode/utf8"
)

// parseVocab reads a JSON object from vocabulary string to id (vocab.json,
// or tokenizer.json's model.vocab) and returns the strings in id order.
// Ids must be non-negative integers, exactly 0..n-1 each once, and no
// string may appear twice (encoding/json would silently keep the last).
// It also returns the table from string to id that it checks the strings
// with, for build.
//
// It is a scanner for this one shape of JSON rather than encoding/json, so
// that GPT-2's 50k entries cost no allocation each: every string is decoded
// into one arena, which becomes one string that the tokens slice. Strings
// must be valid UTF-8.
func parseVocab(data []byte, name string) (packedStrings, strTable, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s: %s", ErrBadVocab, name, fmt.Sprintf(format, args...))
	}
	s := jsonScanner{data: data}
	if s.skipSpace(); s.eof() {
		return packedStrings{}, strTable{}, bad("EOF: want a JSON object from token to id")
	}
	if s.data[s.pos] != '{' {
		return packedStrings{}, strTable{}, bad("want a JSON object from token to id, found %s", s.describe())
	}
	s.pos++
	// A vocabulary entry is about 20 bytes of vocab.json.
	type entry struct{ off, end, id int32 }
	entries := make([]entry, 0, len(data)/20+1)
	arena := make([]byte, 0, len(data)/2)
	var err error
	for first := true; ; first = false {
		s.skipSpace()
		if s.eof() {
			return packedStrings{}, strTable{}, bad("unexpected end of JSON input")
		}
		if s.data[s.pos] == '}' && first {
			s.pos++
			break
		}
		off := len(arena)
		if arena, err = s.string(arena); err != nil {
			return packedStrings{}, strTable{}, bad("%v", err)
		}
		key := arena[off:]
		s.skipSpace()
		if s.eof() || s.data[s.pos] != ':' {
			return packedStrings{}, strTable{}, bad("token %q: want ':' after it, found %s", key, s.describe())
		}
		s.pos++
		s.skipSpace()
		num, ok := s.number()
		if !ok {
			return packedStrings{}, strTable{}, bad("token %q: id is %s, want an integer", key, s.describe())
		}
		id, ok := nonNegative(num)
		if !ok {
			return packedStrings{}, strTable{}, bad("token %q: id %s is not a non-negative integer", key, num)
		}
		if id > math.MaxInt32 || len(entries) >= math.MaxInt32 || len(arena) > math.MaxInt32 {
			return packedStrings{}, strTable{}, bad("token %q: id %d is too large", key, id)
		}
		entries = append(entries, entry{int32(off), int32(len(arena)), int32(id)})
		s.skipSpace()
		if s.eof() {
			return packedStrings{}, strTable{}, bad("unexpected end of JSON input")
		}
		if c := s.data[s.pos]; c == '}' {
			s.pos++
			break
		} else if c != ',' {
			return packedStrings{}, strTable{}, bad("after token %q: want ',' or '}', found %s", key, s.describe())
		}
		s.pos++
	}
	if s.skipSpace(); !s.eof() {
		return packedStrings{}, strTable{}, bad("unexpected data after the JSON object")
	}
	if len(entries) == 0 {
		return packedStrings{}, strTable{}, bad("no tokens")
	}

	if len(arena) > maxText {
		return packedStrings{}, strTable{}, bad("the tokens are longer than %d bytes in all", uint64(maxText))
	}
	// The entries were appended to the arena one after another, so the
	// keys in the order read are the arena cut at their ends.
	offs := make([]uint32, len(entries)+1)
	for i, e := range entries {
		offs[i+1] = uint32(e.end)
	}
	keys := packedStrings{text: string(arena), offs: offs}
	seen := newStrTable(len(entries), keys)
	for i := range len(entries) {
		if _, fresh := seen.insert(i); !fresh {
			return packedStrings{}, strTable{}, bad("token %q appears twice", keys.at(i))
		}
	}
	n := len(entries)
	set := make([]bool, n)
	ids := make([]int32, n) // key i has id ids[i]
	inOrder := true
	byID := make([]int32, n) // the key that has id i
	for i, e := range entries {
		id := int(e.id)
		if id >= n {
			return packedStrings{}, strTable{}, bad("token %q has id %d, but ids must run from 0 to %d (one per token, no gaps)", keys.at(i), id, n-1)
		}
		if set[id] {
			return packedStrings{}, strTable{}, bad("id %d is given to both %q and %q", id, keys.at(int(byID[id])), keys.at(i))
		}
		set[id], ids[i], byID[id] = true, e.id, int32(i)
		inOrder = inOrder && id == i
	}
	tokens := keys
	if !inOrder {
		ss := make([]string, n)
		for i, k := range byID {
			ss[i] = keys.at(int(k))
		}
		tokens = packStrings(ss)
	}
	seen.remap(ids, tokens)
	return tokens, seen, nil
}

// jsonScanner reads the few JSON forms parseVocab and tokenizer.json's
// merges need, from data[pos:].
type jsonScanner struct {
	data []byte
	pos  int
}

func (s *jsonScanner) eof() bool { return s.pos >= len(s.data) }

// skipSpace skips JSON whitespace.
func (s *jsonScanner) skipSpace() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// describe names what is at pos, for error messages.
func (s *jsonScanner) describe() string {
	if s.eof() {
		return "the end of the input"
	}
	end := min(s.pos+16, len(s.data))
	return fmt.Sprintf("%q at byte %d", s.data[s.pos:end], s.pos)
}

var errUnterminated = errors.New("unterminated string")

// string decodes the JSON string at pos, appending its bytes to dst.
func (s *jsonScanner) string(dst []byte) ([]byte, error) {
	if s.eof() || s.data[s.pos] != '"' {
		return dst, fmt.Errorf("want a string, found %s", s.describe())
	}
	start := s.pos
	s.pos++
	for {
		// Copy the run up to the next quote, backslash or control byte.
		run := s.pos
		for s.pos < len(s.data) {
			c := s.data[s.pos]
			if c == '"' || c == '\\' || c < 0x20 {
				break
			}
			s.pos++
		}
		if !utf8.Valid(s.data[run:s.pos]) {
			return dst, fmt.Errorf("string at byte %d is not valid UTF-8", start)
		}
		dst = append(dst, s.data[run:s.pos]...)
		if s.eof() {
			return dst, errUnterminated
		}
		switch c := s.data[s.pos]; {
		case c == '"':
			s.pos++
			return dst, nil
		case c < 0x20:
			return dst, fmt.Errorf("control character %#02x in the string at byte %d", c, start)
		}
		// A backslash escape.
		if s.pos+1 >= len(s.data) {
			return dst, errUnterminated
		}
		e := s.data[s.pos+1]
		s.pos += 2
		switch e {
		case '"', '\\', '/':
			dst = append(dst, e)
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			r, ok := s.hex4()
			if !ok {
				return dst, fmt.Errorf("bad \\u escape in the string at byte %d", start)
			}
			if utf16.IsSurrogate(r) {
				// A pair makes one rune; a lone half is U+FFFD, as
				// encoding/json decodes it.
				lo := rune(-1)
				if s.pos+1 < len(s.data) && s.data[s.pos] == '\\' && s.data[s.pos+1] == 'u' {
					save := s.pos
					s.pos += 2
					if lo, ok = s.hex4(); !ok {
						return dst, fmt.Errorf("bad \\u escape in the string at byte %d", start)
					}
					if utf16.DecodeRune(r, lo) == utf8.RuneError {
						s.pos, lo = save, -1
					}
				}
				r = utf16.DecodeRune(r, lo)
			}
			dst = utf8.AppendRune(dst, r)
		default:
			return dst, fmt.Errorf("bad escape \\%c in the string at byte %d", e, start)
		}
	}
}

// hex4 reads four hex digits.
func (s *jsonScanner) hex4() (rune, bool) {
	if s.pos+4 > len(s.data) {
		return 0, false
	}
	var r rune
	for _, c := range s.data[s.pos : s.pos+4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	s.pos += 4
	return r, true
}

// nonNegative returns the value of a JSON number literal that is an
// integer from 0 to math.MaxInt64 written without fraction or exponent
// ("-0" is 0), and reports whether it is one.
func nonNegative(lit []byte) (int64, bool) {
	neg := len(lit) > 0 && lit[0] == '-'
	if neg {
		lit = lit[1:]
	}
	var v uint64
	for _, c := range lit {
		if c < '0' || c > '9' {
			return 0, false
		}
		if v > (math.MaxInt64-uint64(c-'0'))/10 {
			return 0, false
		}
		v = 10*v + uint64(c-'0')
	}
	if len(lit) == 0 || neg && v != 0 {
		return 0, false
	}
	return int64(v), true
}

// number returns the JSON number literal at pos, as written, and reports
// whether there is one: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?.
func (s *jsonScanner) number() ([]byte, bool) {
	d, i := s.data, s.pos
	digits := func() bool {
		j := i
		for i < len(d) && '0' <= d[i] && d[i] <= '9' {
			i++
		}
		return i > j
	}
	if i < len(d) && d[i] == '-' {
		i++
	}
	if i < len(d) && d[i] == '0' {
		i++
	} else if !digits() {
		return nil, false
	}
	if i < len(d) && d[i] == '.' {
		i++
		if !digits() {
			return nil, false
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if !digits() {
			return nil, false
		}
	}
	num := d[s.pos:i]
	s.pos = i
	return num, true
}
