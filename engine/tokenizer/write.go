package tokenizer

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// WriteVocab writes the vocabulary in GPT-2's vocab.json format: one JSON
// object from vocabulary string to id, in id order, on one line. Load reads
// it back.
func (t *Tokenizer) WriteVocab(w io.Writer) error {
	bw := bufio.NewWriter(w)
	var key bytes.Buffer
	enc := json.NewEncoder(&key)
	enc.SetEscapeHTML(false)
	bw.WriteByte('{')
	for id := range t.vocab.len() {
		s := t.vocab.at(id)
		key.Reset()
		if err := enc.Encode(s); err != nil {
			return fmt.Errorf("tokenizer: write vocab: token %d: %w", id, err)
		}
		if id > 0 {
			bw.WriteString(", ")
		}
		bw.Write(bytes.TrimSuffix(key.Bytes(), []byte("\n")))
		bw.WriteString(": ")
		bw.WriteString(strconv.Itoa(id))
	}
	bw.WriteString("}\n")
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("tokenizer: write vocab: %w", err)
	}
	return nil
}

// WriteMerges writes the merges in GPT-2's merges.txt format: the line
// "#version: 0.2", then one merge "left right" per line, highest priority
// first. Load reads it back. It fails if a merged token contains a space or
// a line break, which that format cannot hold (tokens spelled in the byte
// alphabet never do).
func (t *Tokenizer) WriteMerges(w io.Writer) error {
	bw := bufio.NewWriter(w)
	bw.WriteString("#version: 0.2\n")
	for rank, m := range t.merges {
		left, right := t.vocab.at(int(m[0])), t.vocab.at(int(m[1]))
		if strings.ContainsAny(left+right, " \r\n") {
			return fmt.Errorf("tokenizer: write merges: merge %d (%q %q) has a space or line break, which merges.txt cannot hold", rank, left, right)
		}
		bw.WriteString(left)
		bw.WriteByte(' ')
		bw.WriteString(right)
		bw.WriteByte('\n')
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("tokenizer: write merges: %w", err)
	}
	return nil
}
