package tokenizer

import (
	"math"
	"math/bits"
	"strings"
)

// This file holds the two hash tables behind a Tokenizer: vocabulary
// string to id, and merged pair to rank. Both are open-addressed arrays
// built once at load and only read afterwards, so loading GPT-2's 50k
// tokens and 50k merges allocates a few slices instead of a map entry
// each, and an encode's pair lookups probe one flat array.

// packedStrings is a list of strings stored back to back in one string:
// string i is text[offs[i]:offs[i+1]]. A vocabulary of 50k tokens is then
// two allocations, with no pointer per token for the garbage collector to
// follow, and it is written to a table file and read back as it is.
type packedStrings struct {
	text string
	offs []uint32 // n+1 offsets: offs[0] = 0, non-decreasing, offs[n] = len(text)
}

// packStrings packs ss. The total length must fit in a uint32 (callers
// check maxText).
func packStrings(ss []string) packedStrings {
	n := 0
	for _, s := range ss {
		n += len(s)
	}
	var sb strings.Builder
	sb.Grow(n)
	offs := make([]uint32, len(ss)+1)
	for i, s := range ss {
		sb.WriteString(s)
		offs[i+1] = uint32(sb.Len())
	}
	return packedStrings{text: sb.String(), offs: offs}
}

// maxText is the most bytes a packedStrings may hold.
const maxText = math.MaxUint32

func (p packedStrings) len() int {
	if len(p.offs) == 0 {
		return 0
	}
	return len(p.offs) - 1
}

func (p packedStrings) at(i int) string { return p.text[p.offs[i]:p.offs[i+1]] }

// list returns the strings as a slice (substrings of p.text).
func (p packedStrings) list() []string {
	ss := make([]string, p.len())
	for i := range ss {
		ss[i] = p.at(i)
	}
	return ss
}

// strTable maps strings to small integers. Its keys are not stored in the
// table: slot values index keys, which the caller owns and must not
// change. A slot also keeps 32 bits of its key's hash, so that a probe
// reads a key only when the hashes agree.
type strTable struct {
	slots []uint64 // hash>>32<<32 | value+1 of the key hashed there; 0 is empty
	shift uint     // 64 − log2(len(slots))
	keys  packedStrings
}

// newStrTable returns a table with room for n keys at load factor ≤ ½,
// looking keys up in keys.
func newStrTable(n int, keys packedStrings) strTable {
	size := tableSize(n)
	return strTable{slots: make([]uint64, size), shift: shiftFor(size), keys: keys}
}

// tableSize is the number of slots for n keys at load factor ≤ ½: the
// least power of two ≥ 2n, and at least 2, so a probe always reaches an
// empty slot.
func tableSize(n int) int {
	size := 2
	for size < 2*n {
		size *= 2
	}
	return size
}

// shiftFor is the shift that turns a 64-bit hash into a slot index of a
// table of size slots (a power of two).
func shiftFor(size int) uint { return uint(64 - bits.TrailingZeros(uint(size))) }

// fnv hashes s after h, the state of FNV-1a (start with fnvOffset); two
// calls hash a concatenation without building it.
func fnv(h uint64, s string) uint64 {
	for i := range len(s) {
		h = (h ^ uint64(s[i])) * 1099511628211
	}
	return h
}

const fnvOffset = 14695981039346656037

// mix spreads FNV's low bits, which short keys leave poorly mixed, over
// all 64: the top bits pick the slot, the bits under them are the tag.
func mix(h uint64) uint64 { return h * 0x9E3779B97F4A7C15 }

// insert adds value v for keys[v] and returns v, or, when an equal key is
// in the table already, that key's value and false.
func (t *strTable) insert(v int) (int, bool) {
	key := t.keys.at(v)
	h := mix(fnv(fnvOffset, key))
	tag := h << 32 >> 32 << 32 // bits 0..31 of h, moved up
	mask := len(t.slots) - 1
	for i := int(h >> t.shift); ; i = (i + 1) & mask {
		s := t.slots[i]
		if s == 0 {
			t.slots[i] = tag | uint64(v+1)
			return v, true
		}
		if s&^0xFFFFFFFF == tag && t.keys.at(int(uint32(s)-1)) == key {
			return int(uint32(s) - 1), false
		}
	}
}

// find returns the value of key a+b (b may be empty) and reports whether
// it is in the table; the concatenation is never built.
func (t *strTable) find(a, b string) (int, bool) {
	h := mix(fnv(fnv(fnvOffset, a), b))
	tag := h << 32 >> 32 << 32
	mask := len(t.slots) - 1
	for i := int(h >> t.shift); ; i = (i + 1) & mask {
		s := t.slots[i]
		if s == 0 {
			return 0, false
		}
		if s&^0xFFFFFFFF != tag {
			continue
		}
		v := int(uint32(s) - 1)
		if k := t.keys.at(v); len(k) == len(a)+len(b) && k[:len(a)] == a && k[len(a):] == b {
			return v, true
		}
	}
}

// remap replaces every value v in the table by to[v] and looks keys up in
// keys from then on; keys[to[v]] must be the old keys[v].
func (t *strTable) remap(to []int32, keys packedStrings) {
	for i, s := range t.slots {
		if s != 0 {
			t.slots[i] = s&^0xFFFFFFFF | uint64(to[uint32(s)-1]+1)
		}
	}
	t.keys = keys
}

// pairTable maps a pair of token ids (pairKey) to its merge.
type pairTable struct {
	keys  []uint64 // pairKey | occupied, 0 when empty
	vals  []merge
	shift uint
}

// occupied marks a used slot: pair keys never have the top bit set, since
// ids are below 2³¹.
const occupied = 1 << 63

func newPairTable(n int) pairTable {
	size := tableSize(n)
	return pairTable{keys: make([]uint64, size), vals: make([]merge, size), shift: shiftFor(size)}
}

func (t *pairTable) slot(key uint64) int { return int(mix(key) >> t.shift) }

// insert adds key's merge and reports false if key was there already.
func (t *pairTable) insert(key uint64, m merge) bool {
	mask := len(t.keys) - 1
	for i := t.slot(key); ; i = (i + 1) & mask {
		switch t.keys[i] {
		case 0:
			t.keys[i], t.vals[i] = key|occupied, m
			return true
		case key | occupied:
			return false
		}
	}
}

// get returns the merge of the pair key and reports whether it is listed.
func (t *pairTable) get(key uint64) (merge, bool) {
	if len(t.keys) == 0 {
		return merge{}, false
	}
	mask := len(t.keys) - 1
	for i := t.slot(key); ; i = (i + 1) & mask {
		switch t.keys[i] {
		case 0:
			return merge{}, false
		case key | occupied:
			return t.vals[i], true
		}
	}
}
