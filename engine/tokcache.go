package engine

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/transformer-explorer/explorer/engine/atomicfile"
	"github.com/transformer-explorer/explorer/engine/tokenizer"
)

// The tokenizer cache. Parsing GPT-2's vocab.json and merges.txt and
// building its hash tables takes ≈ 25 ms of CPU and 10 MB of fresh memory
// (on a VM that charges ≈ 12 µs a page, another 30 ms); reading the same
// tables from a table file takes a few milliseconds. A cached table is
// named by the SHA-256 of the text files, which every load reads and
// hashes again (≈ 1 ms for GPT-2's 1.5 MB), so an edited vocabulary can
// never be answered from a stale table; the table file also carries the
// hash and a checksum of its own (tokenizer.ReadTableFile). The cache is
// only ever a copy: a table that is missing, damaged or of another version
// is parsed again and rewritten, and a cache that cannot be written only
// makes loads slower.

const (
	// tableSuffix ends the names of table files in a cache directory.
	tableSuffix = ".tokens"
	// maxCachedTables bounds the cache: the least recently used tables
	// beyond it are removed (GPT-2's is 4.6 MB).
	maxCachedTables = 8
)

// loadTokenizer loads the tokenizer of src, through the table cache in the
// directory cache unless cache is empty.
func loadTokenizer(src checkpoint, cache string) (*tokenizer.Tokenizer, error) {
	if cache == "" {
		return parseTokenizer(src)
	}
	key, err := tokenizerKey(src)
	if err != nil {
		return parseTokenizer(src) // which says what is missing
	}
	path := filepath.Join(cache, hex.EncodeToString(key[:])+tableSuffix)
	if tok, err := tokenizer.ReadTableFile(path, key); err == nil {
		now := time.Now()
		os.Chtimes(path, now, now) // most recently used
		return tok, nil
	}
	tok, err := parseTokenizer(src)
	if err != nil {
		return nil, err
	}
	saveTable(cache, path, tok, key)
	return tok, nil
}

// tokenizerSources returns the files parseTokenizer reads the tokenizer of
// src from, opened.
func tokenizerSources(src checkpoint) ([]string, []io.ReadCloser, error) {
	v, verr := src.open(vocabFile)
	m, merr := src.open(mergesFile)
	if verr == nil && merr == nil {
		return []string{vocabFile, mergesFile}, []io.ReadCloser{v, m}, nil
	}
	for _, f := range []io.Closer{v, m} {
		if f != nil {
			f.Close()
		}
	}
	j, err := src.open(tokenizerFile)
	if err != nil {
		return nil, nil, err
	}
	return []string{tokenizerFile}, []io.ReadCloser{j}, nil
}

// tokenizerKey hashes the files the tokenizer of src is read from, each
// with its name and length, after a tag that names this use.
func tokenizerKey(src checkpoint) ([32]byte, error) {
	names, files, err := tokenizerSources(src)
	if err != nil {
		return [32]byte{}, err
	}
	defer func() {
		for _, f := range files {
			f.Close()
		}
	}()
	h := sha256.New()
	io.WriteString(h, "transformer-explorer tokenizer sources\n")
	var buf [32 << 10]byte
	for i, f := range files {
		io.WriteString(h, names[i]+"\n")
		// The length goes after the contents (it is known only then), so
		// that no two sequences of files hash alike.
		n, err := io.CopyBuffer(h, f, buf[:])
		if err != nil {
			return [32]byte{}, err
		}
		h.Write(binary.LittleEndian.AppendUint64(nil, uint64(n)))
	}
	var key [32]byte
	h.Sum(key[:0])
	return key, nil
}

// saveTable writes tok's table file to path in the directory cache, as a
// whole (atomicfile: a reader never sees half a table), then trims the
// cache. It reports nothing: a cache that
// cannot be written only makes the next load as slow as this one.
func saveTable(cache, path string, tok *tokenizer.Tokenizer, key [32]byte) {
	if err := os.MkdirAll(cache, 0o755); err != nil {
		return
	}
	f, err := atomicfile.Create(path)
	if err != nil {
		return
	}
	defer f.Abort()
	if tok.WriteTable(f, key) != nil || f.Commit() != nil {
		return
	}
	trimCache(cache, tableSuffix, maxCachedTables)
}
