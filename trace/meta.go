package trace

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// The metadata of a trace file: its keys, what Write stores under them,
// and how a file's metadata, the explorer's or a foreign one's, is read.

// FormatName is the value of the "format" metadata key of a trace file.
const FormatName = "transformer-explorer-trace/1"

// formatPrefix starts the format metadata of every version of the
// explorer's trace files.
const formatPrefix = "transformer-explorer-trace/"

// Metadata keys of a trace file. Every value is a string (the safetensors
// rule); the structured ones hold JSON.
const (
	metaFormat       = "format"
	metaModel        = "model"         // JSON ModelInfo
	metaText         = "text"          // the prompt
	metaTokens       = "tokens"        // JSON array of display strings
	metaTokenStrings = "token_strings" // JSON array of vocabulary strings
	metaLabels       = "labels"        // JSON object: token id -> display string
	metaHooks        = "hooks"         // JSON array of hook names, in forward order
)

// fileMetadata returns the metadata of a trace file (see the keys above).
func fileMetadata(model ModelInfo, text string, tokens, tokenStrings []string, labels map[int]string, hooks []string) (map[string]string, error) {
	meta := map[string]string{metaFormat: FormatName, metaText: text}
	byID := make(map[string]string, len(labels))
	for id, s := range labels {
		byID[strconv.Itoa(id)] = s
	}
	for key, v := range map[string]any{
		metaModel: model, metaTokens: nonNil(tokens), metaTokenStrings: nonNil(tokenStrings),
		metaLabels: byID, metaHooks: nonNil(hooks),
	} {
		js, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("trace: write %s: %w", key, err)
		}
		meta[key] = string(js)
	}
	return meta, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// fileMeta is what the explorer's metadata says.
type fileMeta struct {
	model                ModelInfo
	text                 string
	tokens, tokenStrings []string
	labels               map[int]string
	hooks                []string
}

// readMetadata returns the explorer's metadata, or nil for a file without
// it. A foreign file may still name its tokens with a "tokens" key holding
// a JSON list of strings.
func readMetadata(md map[string]string) (*fileMeta, error) {
	format, ok := md[metaFormat]
	if !ok || !strings.HasPrefix(format, formatPrefix) {
		return nil, nil
	}
	if format != FormatName {
		return nil, fmt.Errorf("%w: format %q is a version this explorer does not read (it reads %q): update the explorer", ErrFormat, format, FormatName)
	}
	m := &fileMeta{text: md[metaText]}
	var labels map[string]string
	for key, dst := range map[string]any{
		metaModel: &m.model, metaTokens: &m.tokens, metaTokenStrings: &m.tokenStrings,
		metaHooks: &m.hooks, metaLabels: &labels,
	} {
		if err := json.Unmarshal([]byte(md[key]), dst); err != nil {
			return nil, fmt.Errorf("%w: metadata %q: %v", ErrFormat, key, err)
		}
	}
	m.labels = make(map[int]string, len(labels))
	for k, v := range labels {
		id, err := strconv.Atoi(k)
		if err != nil {
			return nil, fmt.Errorf("%w: label key %q is not a token id", ErrFormat, k)
		}
		m.labels[id] = v
	}
	if m.model.NLayer > MaxLayers {
		return nil, fmt.Errorf("%w: metadata %q says %d layers; a trace has at most %d", ErrFormat, metaModel, m.model.NLayer, MaxLayers)
	}
	if m.model.NLayer < 0 || m.model.NHead < 0 || m.model.NEmbd < 0 || m.model.NInner < 0 || m.model.VocabSize < 0 {
		return nil, fmt.Errorf("%w: metadata %q has a negative size", ErrFormat, metaModel)
	}
	if m.tokenStrings != nil && m.tokens != nil && len(m.tokenStrings) != len(m.tokens) {
		return nil, fmt.Errorf("%w: metadata names %d tokens but %d vocabulary strings", ErrFormat, len(m.tokens), len(m.tokenStrings))
	}
	return m, nil
}

// foreignTokens returns the display strings the file's metadata gives: the
// explorer's, or a foreign file's "tokens" key holding a JSON list of
// strings (or a list of such lists, one per batch row), as
// json.dumps(model.to_str_tokens(tokens)) writes it. It returns nil when
// the file gives none.
func foreignTokens(md map[string]string, meta *fileMeta, row int) ([]string, error) {
	if meta != nil {
		return meta.tokens, nil
	}
	js, ok := md[metaTokens]
	if !ok {
		return nil, nil
	}
	var flat []string
	if err := json.Unmarshal([]byte(js), &flat); err == nil {
		return flat, nil
	}
	var rows [][]string
	if err := json.Unmarshal([]byte(js), &rows); err != nil {
		return nil, fmt.Errorf("%w: metadata %q is not a JSON list of strings: %v", ErrTokens, metaTokens, err)
	}
	if row < 0 || row >= len(rows) {
		return nil, fmt.Errorf("%w: metadata %q has %d rows, no row %d", ErrTokens, metaTokens, len(rows), row)
	}
	return rows[row], nil
}
