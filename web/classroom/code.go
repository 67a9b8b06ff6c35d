package classroom

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"strings"
)

// codeAlphabet holds the letters of room codes: capitals that cannot be
// mistaken for a digit or for each other when read off a projector
// (no B/8, I/1/L, O/0/Q, S/5, Z/2, U/V).
const codeAlphabet = "ACDEFGHJKMNPRTWXY"

// codeLen is the length of a room code: 17⁵ ≈ 1.4 million codes.
const codeLen = 5

// newCode returns a random room code.
func newCode() string {
	var b [codeLen]byte
	rand.Read(b[:])
	for i := range b {
		b[i] = codeAlphabet[int(b[i])%len(codeAlphabet)]
	}
	return string(b[:])
}

// newKey returns a random teacher secret of 128 bits, URL-safe.
func newKey() string {
	var b [16]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// normalizeCode turns what a student typed into a room code: capitals,
// without spaces or dashes. It reports false when the result cannot be a
// code.
func normalizeCode(s string) (string, bool) {
	s = strings.ToUpper(strings.NewReplacer(" ", "", "-", "", "\t", "").Replace(s))
	if len(s) != codeLen {
		return "", false
	}
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(codeAlphabet, s[i]) < 0 {
			return "", false
		}
	}
	return s, true
}

// sameKey reports whether got is the key want, in constant time.
func sameKey(got, want string) bool {
	return subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}
