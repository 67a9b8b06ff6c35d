package tokenizer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// hfTokenizer is the part of a Hugging Face tokenizer.json that matters
// here.
type hfTokenizer struct {
	AddedTokens []struct {
		ID      *int   `json:"id"`
		Content string `json:"content"`
	} `json:"added_tokens"`
	PreTokenizer *struct {
		Type           string `json:"type"`
		AddPrefixSpace bool   `json:"add_prefix_space"`
	} `json:"pre_tokenizer"`
	Model struct {
		Type                    string            `json:"type"`
		Vocab                   json.RawMessage   `json:"vocab"`
		Merges                  []json.RawMessage `json:"merges"`
		ContinuingSubwordPrefix *string           `json:"continuing_subword_prefix"`
		EndOfWordSuffix         *string           `json:"end_of_word_suffix"`
	} `json:"model"`
}

// LoadTokenizerJSON makes a Tokenizer from a Hugging Face tokenizer.json of
// a byte-level BPE model such as GPT-2's: model.type "BPE", model.vocab (an
// object from token to id), model.merges (either "left right" strings or
// [left, right] pairs) and added_tokens. An added token that is already in
// model.vocab must have the same id there; one that is not is added with its
// id, and its content is taken as its text. Ids must end up exactly 0..n-1.
//
// The checks of Load apply as well. A model other than BPE, a byte-level
// pre-tokenizer with add_prefix_space, or a continuing_subword_prefix or
// end_of_word_suffix is rejected with an error wrapping ErrUnsupported, since
// this package would not encode as that tokenizer does. Other settings
// (normalizer, post_processor, decoder) are ignored.
func LoadTokenizerJSON(data []byte) (*Tokenizer, error) {
	var doc hfTokenizer
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("tokenizer: tokenizer.json: %w", err)
	}
	m := doc.Model
	if m.Type != "" && m.Type != "BPE" {
		return nil, fmt.Errorf("%w: tokenizer.json: model.type is %q, want \"BPE\"", ErrUnsupported, m.Type)
	}
	if p := doc.PreTokenizer; p != nil && p.Type == "ByteLevel" && p.AddPrefixSpace {
		return nil, fmt.Errorf("%w: tokenizer.json: pre_tokenizer ByteLevel with add_prefix_space true (GPT-2 adds no prefix space)", ErrUnsupported)
	}
	if (m.ContinuingSubwordPrefix != nil && *m.ContinuingSubwordPrefix != "") || (m.EndOfWordSuffix != nil && *m.EndOfWordSuffix != "") {
		return nil, fmt.Errorf("%w: tokenizer.json: model has a continuing_subword_prefix or end_of_word_suffix", ErrUnsupported)
	}
	if len(m.Vocab) == 0 || string(m.Vocab) == "null" {
		return nil, fmt.Errorf("%w: tokenizer.json: model.vocab is missing", ErrBadVocab)
	}
	packed, _, err := parseVocab(m.Vocab, "tokenizer.json model.vocab")
	if err != nil {
		return nil, err
	}
	tokens, err := addTokens(packed.list(), doc)
	if err != nil {
		return nil, err
	}
	merges := make([]mergeSpec, len(m.Merges))
	for i, raw := range m.Merges {
		left, right, err := parseHFMerge(raw)
		if err != nil {
			return nil, fmt.Errorf("%w: tokenizer.json model.merges[%d]: %v", ErrBadMerges, i, err)
		}
		merges[i] = mergeSpec{left: left, right: right, pos: i}
	}
	return build(tokens, merges, "tokenizer.json model.merges[%d]")
}

// addTokens merges the added_tokens of doc into the vocabulary tokens.
func addTokens(tokens []string, doc hfTokenizer) ([]string, error) {
	if len(doc.AddedTokens) == 0 {
		return tokens, nil
	}
	byName := make(map[string]int, len(tokens)+len(doc.AddedTokens))
	order := make([]string, 0, len(tokens)+len(doc.AddedTokens))
	for id, s := range tokens {
		byName[s] = id
		order = append(order, s)
	}
	for i, a := range doc.AddedTokens {
		if a.ID == nil || *a.ID < 0 || a.Content == "" {
			return nil, fmt.Errorf("%w: tokenizer.json added_tokens[%d]: want a non-negative id and a non-empty content", ErrBadVocab, i)
		}
		if id, ok := byName[a.Content]; ok {
			if id != *a.ID {
				return nil, fmt.Errorf("%w: tokenizer.json added_tokens[%d]: %q has id %d, but %d in model.vocab", ErrBadVocab, i, a.Content, *a.ID, id)
			}
			continue
		}
		byName[a.Content] = *a.ID
		order = append(order, a.Content)
	}
	return denseTokens(byName, order, func(format string, args ...any) error {
		return fmt.Errorf("%w: tokenizer.json model.vocab with added_tokens: %s", ErrBadVocab, fmt.Sprintf(format, args...))
	})
}

// parseHFMerge reads one entry of model.merges: "left right" (the older
// format) or ["left", "right"].
func parseHFMerge(raw json.RawMessage) (left, right string, err error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", "", err
		}
		left, right, ok := strings.Cut(s, " ")
		if !ok || left == "" || right == "" || strings.Contains(right, " ") {
			return "", "", fmt.Errorf("%q is not two tokens separated by one space", s)
		}
		return left, right, nil
	}
	var pair []string
	if err := json.Unmarshal(raw, &pair); err != nil || len(pair) != 2 || pair[0] == "" || pair[1] == "" {
		return "", "", fmt.Errorf("%s is not a \"left right\" string or a pair of two tokens", raw)
	}
	return pair[0], pair[1], nil
}
