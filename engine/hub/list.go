package hub

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// A CachedModel is one model repository in the cache.
type CachedModel struct {
	Repo string // "openai-community/gpt2"
	Dir  string
	// Refs maps branch or tag names to the commit they point at.
	Refs map[string]string
	// Snapshots are the cached commits.
	Snapshots []string
	// Size is the bytes of its blobs, counted once each.
	Size int64
	// Usable reports whether a snapshot has what the engine needs.
	Usable bool
}

// List returns the model repositories in a cache directory, by name.
func List(cache string) ([]CachedModel, error) {
	entries, err := os.ReadDir(cache)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []CachedModel
	for _, e := range entries {
		name, ok := strings.CutPrefix(e.Name(), "models--")
		if !ok || !e.IsDir() {
			continue
		}
		m := CachedModel{Repo: strings.ReplaceAll(name, "--", "/"), Dir: filepath.Join(cache, e.Name()), Refs: map[string]string{}}
		refs := filepath.Join(m.Dir, "refs")
		filepath.WalkDir(refs, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return nil
			}
			if b, err := os.ReadFile(path); err == nil {
				rel, _ := filepath.Rel(refs, path)
				m.Refs[filepath.ToSlash(rel)] = strings.TrimSpace(string(b))
			}
			return nil
		})
		snaps, _ := os.ReadDir(filepath.Join(m.Dir, "snapshots"))
		for _, s := range snaps {
			m.Snapshots = append(m.Snapshots, s.Name())
			m.Usable = m.Usable || usable(filepath.Join(m.Dir, "snapshots", s.Name()))
		}
		blobs, _ := os.ReadDir(filepath.Join(m.Dir, "blobs"))
		for _, b := range blobs {
			if info, err := b.Info(); err == nil && !strings.HasSuffix(b.Name(), ".incomplete") {
				m.Size += info.Size()
			}
		}
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Repo < out[j].Repo })
	return out, nil
}

// usable reports whether a snapshot holds a config, a tokenizer and
// safetensors weights.
func usable(dir string) bool {
	exists := func(name string) bool {
		_, err := os.Stat(filepath.Join(dir, name))
		return err == nil
	}
	tokenizer := (exists("vocab.json") && exists("merges.txt")) || exists("tokenizer.json")
	return exists("config.json") && tokenizer && (exists(weightsFile) || exists(weightsIndex))
}
