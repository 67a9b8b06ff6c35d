package tokenizer

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"math/bits"
	"os"
	"unsafe"

	"github.com/transformer-explorer/explorer/engine/pages"
)

// A table file holds a Tokenizer's tables exactly as they lie in memory,
// so that loading one is a read and a check instead of parsing vocab.json
// and merges.txt and building the hash tables (≈ 25 ms of CPU for GPT-2's
// 50k tokens and merges, and 2,500 fresh pages). Callers keep table files
// as a cache, keyed by a hash of the files the tokenizer was loaded from
// (engine.LoadOptions): a table file is never the only copy of anything.
//
// Layout, little-endian; every section starts at a multiple of 8 bytes:
//
//	header   tableHeaderSize bytes: tableMagic, tableVersion, the counts
//	         below, a CRC-32C of everything after the header, and the
//	         32-byte key the caller filed it under
//	vocab    n+1 uint32 offsets, then the spellings (packedStrings)
//	raw      n+1 uint32 offsets, then the raw bytes (packedStrings)
//	byteIDs  256 int32
//	merges   m pairs of int32
//	ids      S uint64 slots of the string table (S a power of two)
//	ranks    R uint64 keys, then R pairs of int32 (rank, result)

const (
	tableMagic      = "TXBPETAB"
	tableVersion    = 1
	tableHeaderSize = 80
	// maxTableFile bounds the file ReadTableFile reads: GPT-2's tables are
	// 4.6 MB, and a vocabulary of a million tokens would be ≈ 100 MB.
	maxTableFile = 1 << 30
)

// ErrTable is wrapped by the errors of ReadTableFile when the file is not
// a table file for the key asked for, is damaged or is of another version.
// Such a file should be ignored (and rewritten) by a cache.
var ErrTable = errors.New("tokenizer table file is unusable")

// tableHeader is the fixed part at the start of a table file.
type tableHeader struct {
	tokens, merges     uint32
	eot                int32
	vocabText, rawText uint32
	idSlots, rankSlots uint32
	sum                uint32 // CRC-32C (Castagnoli) of the bytes after the header
	key                [32]byte
}

// tableLayout is where each section starts, in bytes from the start of the
// file, and the file's total size.
type tableLayout struct {
	vocabOffs, vocabText, rawOffs, rawText, byteIDs, merges, ids, rankKeys, rankVals, size uint64
}

// layout computes where the sections of h lie. Counts are at most 2³², so
// every size fits a uint64 without overflow.
func (h tableHeader) layout() tableLayout {
	var l tableLayout
	at := uint64(tableHeaderSize)
	next := func(size uint64) uint64 {
		start := at
		at = (at + size + 7) &^ 7
		return start
	}
	n := uint64(h.tokens)
	l.vocabOffs = next(4 * (n + 1))
	l.vocabText = next(uint64(h.vocabText))
	l.rawOffs = next(4 * (n + 1))
	l.rawText = next(uint64(h.rawText))
	l.byteIDs = next(4 * 256)
	l.merges = next(8 * uint64(h.merges))
	l.ids = next(8 * uint64(h.idSlots))
	l.rankKeys = next(8 * uint64(h.rankSlots))
	l.rankVals = next(8 * uint64(h.rankSlots))
	l.size = at
	return l
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// littleEndian reports whether this machine stores integers as table
// files do. Elsewhere (s390x, big-endian ppc64 and mips) table files are
// neither written nor read, and tokenizers load from their text files.
var littleEndian = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

// WriteTable writes t as a table file filed under key.
func (t *Tokenizer) WriteTable(w io.Writer, key [32]byte) error {
	if !littleEndian {
		return fmt.Errorf("tokenizer: write table: %w: this machine is big-endian", ErrTable)
	}
	h := tableHeader{
		tokens: uint32(t.vocab.len()), merges: uint32(len(t.merges)), eot: int32(t.eot),
		vocabText: uint32(len(t.vocab.text)), rawText: uint32(len(t.raw.text)),
		idSlots: uint32(len(t.ids.slots)), rankSlots: uint32(len(t.ranks.keys)),
		key: key,
	}
	l := h.layout()
	buf := pages.HugeBytes(int(l.size)) // written at once: see ReadTableFile
	body := buf[tableHeaderSize:]
	put := func(at uint64, b []byte) { copy(buf[at:], b) }
	put(l.vocabOffs, asBytes(t.vocab.offs))
	put(l.vocabText, []byte(t.vocab.text))
	put(l.rawOffs, asBytes(t.raw.offs))
	put(l.rawText, []byte(t.raw.text))
	put(l.byteIDs, asBytes(t.byteIDs[:]))
	put(l.merges, asBytes(t.merges))
	put(l.ids, asBytes(t.ids.slots))
	put(l.rankKeys, asBytes(t.ranks.keys))
	put(l.rankVals, asBytes(t.ranks.vals))
	h.sum = crc32.Checksum(body, castagnoli)
	h.put(buf[:tableHeaderSize])
	if _, err := w.Write(buf); err != nil {
		return fmt.Errorf("tokenizer: write table: %w", err)
	}
	return nil
}

func (h tableHeader) put(b []byte) {
	copy(b, tableMagic)
	le := binary.LittleEndian
	le.PutUint32(b[8:], tableVersion)
	le.PutUint32(b[12:], h.tokens)
	le.PutUint32(b[16:], h.merges)
	le.PutUint32(b[20:], uint32(h.eot))
	le.PutUint32(b[24:], h.vocabText)
	le.PutUint32(b[28:], h.rawText)
	le.PutUint32(b[32:], h.idSlots)
	le.PutUint32(b[36:], h.rankSlots)
	le.PutUint32(b[40:], h.sum)
	le.PutUint32(b[44:], 0)
	copy(b[48:], h.key[:])
}

// ReadTableFile reads the table file at path, which must have been written
// by WriteTable under key. Any mismatch (another key or version, a wrong
// size or checksum, a table that could not have come from a Tokenizer) is
// an error wrapping ErrTable; a missing file wraps fs.ErrNotExist.
//
// The file is read into memory the process owns (huge pages on Linux: 4.6
// MB of GPT-2 tables then cost three page faults rather than 1,100), and
// the Tokenizer's tables are that memory.
func ReadTableFile(path string, key [32]byte) (*Tokenizer, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("tokenizer: read table: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("tokenizer: read table: %w", err)
	}
	if st.Size() < tableHeaderSize || st.Size() > maxTableFile {
		return nil, fmt.Errorf("%w: %s: %d bytes", ErrTable, path, st.Size())
	}
	buf := pages.HugeBytes(int(st.Size()))
	if _, err := io.ReadFull(f, buf); err != nil {
		return nil, fmt.Errorf("tokenizer: read table %s: %w", path, err)
	}
	t, err := decodeTable(buf, key)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

// readHeader reads the header at the start of buf.
func readHeader(buf []byte) (tableHeader, error) {
	if len(buf) < tableHeaderSize || string(buf[:8]) != tableMagic {
		return tableHeader{}, fmt.Errorf("%w: not a table file", ErrTable)
	}
	le := binary.LittleEndian
	if v := le.Uint32(buf[8:]); v != tableVersion {
		return tableHeader{}, fmt.Errorf("%w: version %d, want %d", ErrTable, v, tableVersion)
	}
	h := tableHeader{
		tokens: le.Uint32(buf[12:]), merges: le.Uint32(buf[16:]), eot: int32(le.Uint32(buf[20:])),
		vocabText: le.Uint32(buf[24:]), rawText: le.Uint32(buf[28:]),
		idSlots: le.Uint32(buf[32:]), rankSlots: le.Uint32(buf[36:]),
		sum: le.Uint32(buf[40:]),
	}
	copy(h.key[:], buf[48:80])
	return h, nil
}

// decodeTable makes a Tokenizer whose tables alias buf, after checking
// that buf is a whole table file filed under key and that every id, offset
// and slot in it is in range, so that no lookup can index out of bounds or
// probe forever. buf must be 8-byte aligned and must not change afterwards.
func decodeTable(buf []byte, key [32]byte) (*Tokenizer, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrTable, fmt.Sprintf(format, args...))
	}
	h, err := readHeader(buf)
	if err != nil {
		return nil, err
	}
	if h.key != key {
		return nil, bad("filed under another key")
	}
	if l := h.layout(); l.size != uint64(len(buf)) {
		return nil, bad("%d bytes, but its header describes %d", len(buf), l.size)
	}
	if crc32.Checksum(buf[tableHeaderSize:], castagnoli) != h.sum {
		return nil, bad("checksum mismatch")
	}
	if !littleEndian {
		return nil, bad("this machine is big-endian")
	}
	if uintptr(unsafe.Pointer(unsafe.SliceData(buf)))%8 != 0 {
		return nil, bad("buffer not 8-byte aligned") // a caller's mistake, not the file's
	}
	n, m := int(h.tokens), int(h.merges)
	switch {
	case n == 0 || n > math.MaxInt32 || m > math.MaxInt32:
		return nil, bad("%d tokens and %d merges", n, m)
	case !tableSized(int(h.idSlots), n) || !tableSized(int(h.rankSlots), m):
		return nil, bad("hash tables of %d and %d slots for %d tokens and %d merges", h.idSlots, h.rankSlots, n, m)
	case h.eot < -1 || int(h.eot) >= n:
		return nil, bad("end-of-text id %d", h.eot)
	}
	l := h.layout()
	vocab, err := packedAt(buf, l.vocabOffs, l.vocabText, n, int(h.vocabText))
	if err != nil {
		return nil, bad("vocabulary: %v", err)
	}
	raw, err := packedAt(buf, l.rawOffs, l.rawText, n, int(h.rawText))
	if err != nil {
		return nil, bad("raw bytes: %v", err)
	}
	t := &Tokenizer{
		vocab:  vocab,
		raw:    raw,
		ids:    strTable{slots: sliceAt[uint64](buf, l.ids, int(h.idSlots)), shift: shiftFor(int(h.idSlots)), keys: vocab},
		merges: sliceAt[[2]int32](buf, l.merges, m),
		ranks: pairTable{keys: sliceAt[uint64](buf, l.rankKeys, int(h.rankSlots)),
			vals: sliceAt[merge](buf, l.rankVals, int(h.rankSlots)), shift: shiftFor(int(h.rankSlots))},
		eot:   int(h.eot),
		cache: newWordCache(),
	}
	copy(t.byteIDs[:], sliceAt[int32](buf, l.byteIDs, 256))
	for b, id := range t.byteIDs {
		if id < 0 || int(id) >= n {
			return nil, bad("byte 0x%02X has id %d", b, id)
		}
	}
	for r, p := range t.merges {
		if p[0] < 0 || int(p[0]) >= n || p[1] < 0 || int(p[1]) >= n {
			return nil, bad("merge %d joins ids %d and %d", r, p[0], p[1])
		}
	}
	used := 0
	for _, s := range t.ids.slots {
		if s == 0 {
			continue
		}
		if v := uint32(s); v == 0 || int(v-1) >= n {
			return nil, bad("a vocabulary slot holds id %d", int64(v)-1)
		}
		used++
	}
	if used != n {
		return nil, bad("the vocabulary table holds %d tokens, not %d", used, n)
	}
	used = 0
	for i, k := range t.ranks.keys {
		if k == 0 {
			continue
		}
		v := t.ranks.vals[i]
		if k&occupied == 0 || v.rank < 0 || int(v.rank) >= m || v.result < 0 || int(v.result) >= n {
			return nil, bad("a merge slot holds rank %d, result %d", v.rank, v.result)
		}
		used++
	}
	if used != m {
		return nil, bad("the merge table holds %d merges, not %d", used, m)
	}
	return t, nil
}

// tableSized reports whether size slots is the size tableSize gives for n
// keys, so that the table has room and a probe ends at an empty slot.
func tableSized(size, n int) bool {
	return size > 0 && bits.OnesCount(uint(size)) == 1 && size == tableSize(n)
}

// packedAt returns the packedStrings of n strings whose offsets start at
// offs and whose text of size bytes starts at text, checking the offsets.
func packedAt(buf []byte, offs, text uint64, n, size int) (packedStrings, error) {
	p := packedStrings{offs: sliceAt[uint32](buf, offs, n+1)}
	if size > 0 {
		p.text = unsafe.String(&buf[text], size)
	}
	if p.offs[0] != 0 || int(p.offs[n]) != size {
		return packedStrings{}, fmt.Errorf("offsets run from %d to %d over %d bytes", p.offs[0], p.offs[n], size)
	}
	for i := range n {
		if p.offs[i] > p.offs[i+1] {
			return packedStrings{}, fmt.Errorf("offset %d decreases", i+1)
		}
	}
	return p, nil
}

// sliceAt returns the n values of type E that start at byte at of buf,
// which layout placed in bounds and 8-byte aligned.
func sliceAt[E any](buf []byte, at uint64, n int) []E {
	if n == 0 {
		return nil
	}
	return unsafe.Slice((*E)(unsafe.Pointer(&buf[at])), n)
}

// asBytes returns the memory of s as bytes, for writing it as it lies
// (little-endian: see littleEndian).
func asBytes[E any](s []E) []byte {
	if len(s) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(s))), len(s)*int(unsafe.Sizeof(s[0])))
}
