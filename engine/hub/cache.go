// Package hub downloads Hugging Face Hub models into the local cache that
// the Python libraries share, and finds them there. The layout is
//
//	<cache>/models--<org>--<name>/{blobs,refs,snapshots}/
//
// where refs/<revision> holds a commit hash and snapshots/<commit>/ holds
// the files (usually symbolic links into blobs/).
package hub

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// ErrNotCached is wrapped when a model is not in the local cache.
var ErrNotCached = errors.New("hub: model not in the local Hugging Face cache")

// DefaultRevision is the branch a name without "@revision" refers to.
const DefaultRevision = "main"

// CacheDir returns the hub cache directory the Python client uses:
// $HF_HUB_CACHE, else $HF_HOME/hub, else $XDG_CACHE_HOME/huggingface/hub,
// else ~/.cache/huggingface/hub.
func CacheDir() (string, error) {
	if d := os.Getenv("HF_HUB_CACHE"); d != "" {
		return d, nil
	}
	if d := os.Getenv("HF_HOME"); d != "" {
		return filepath.Join(d, "hub"), nil
	}
	if d := os.Getenv("XDG_CACHE_HOME"); d != "" {
		return filepath.Join(d, "huggingface", "hub"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("hub: cache directory: %w", err)
	}
	return filepath.Join(home, ".cache", "huggingface", "hub"), nil
}

// aliases maps the short names of the original GPT-2 repositories to the
// organisation they moved to; either spelling may be in a cache.
var aliases = map[string]string{
	"gpt2":        "openai-community/gpt2",
	"gpt2-medium": "openai-community/gpt2-medium",
	"gpt2-large":  "openai-community/gpt2-large",
	"gpt2-xl":     "openai-community/gpt2-xl",
	"distilgpt2":  "distilbert/distilgpt2",
}

var (
	repoPart = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
	commitRe = regexp.MustCompile(`^[0-9a-f]{40}$`)
)

// Ref is a model repository and revision, parsed from "org/name@rev".
type Ref struct {
	Repo     string // "openai-community/gpt2" or "gpt2"
	Revision string // a branch, tag or commit; DefaultRevision when not given
}

// ParseRef parses a model name such as "gpt2", "openai-community/gpt2" or
// "distilgpt2@main", rejecting names that could escape the cache directory.
func ParseRef(name string) (Ref, error) {
	repo, rev, _ := strings.Cut(name, "@")
	if rev == "" {
		rev = DefaultRevision
	}
	parts := strings.Split(repo, "/")
	if len(parts) > 2 {
		return Ref{}, fmt.Errorf("hub: model name %q: want NAME or ORG/NAME", name)
	}
	for _, p := range parts {
		if !repoPart.MatchString(p) || strings.Contains(p, "..") {
			return Ref{}, fmt.Errorf("hub: model name %q: %q is not a valid repository name", name, p)
		}
	}
	if strings.ContainsAny(rev, `\`) || strings.Contains(rev, "..") || strings.HasPrefix(rev, "/") {
		return Ref{}, fmt.Errorf("hub: model name %q: bad revision %q", name, rev)
	}
	return Ref{Repo: repo, Revision: rev}, nil
}

// Candidates returns the repositories that may hold ref: itself and, for
// the original GPT-2 names, the other spelling.
func (r Ref) Candidates() []string {
	out := []string{r.Repo}
	if full, ok := aliases[r.Repo]; ok {
		out = append(out, full)
	}
	for short, full := range aliases {
		if full == r.Repo {
			out = append(out, short)
		}
	}
	return out
}

// RepoDir returns the cache folder of a repository: models--org--name.
func RepoDir(cache, repo string) string {
	return filepath.Join(cache, "models--"+strings.ReplaceAll(repo, "/", "--"))
}

// Resolve returns the snapshot directory of a cached model.
func Resolve(name string) (string, error) {
	ref, err := ParseRef(name)
	if err != nil {
		return "", err
	}
	cache, err := CacheDir()
	if err != nil {
		return "", err
	}
	return ResolveIn(cache, ref)
}

// ResolveIn finds ref's snapshot in the given cache directory.
func ResolveIn(cache string, ref Ref) (string, error) {
	var tried []string
	for _, repo := range ref.Candidates() {
		dir := RepoDir(cache, repo)
		tried = append(tried, dir)
		commit := ref.Revision
		if !commitRe.MatchString(commit) {
			b, err := os.ReadFile(filepath.Join(dir, "refs", filepath.FromSlash(ref.Revision)))
			if err != nil {
				continue
			}
			commit = strings.TrimSpace(string(b))
			if !commitRe.MatchString(commit) {
				return "", fmt.Errorf("hub: %s: refs/%s does not hold a commit hash", dir, ref.Revision)
			}
		}
		snap := filepath.Join(dir, "snapshots", commit)
		if st, err := os.Stat(snap); err == nil && st.IsDir() {
			return snap, nil
		}
	}
	return "", fmt.Errorf("%w: %s@%s (looked in %s) (HINT: run `%s`, or give --model a directory)",
		ErrNotCached, ref.Repo, ref.Revision, strings.Join(tried, ", "), ref.PullCommand())
}

// PullCommand is the explorer command that downloads ref.
func (r Ref) PullCommand() string {
	if r.Revision == "" || r.Revision == DefaultRevision {
		return "explorer models pull " + r.Repo
	}
	return "explorer models pull " + r.Repo + " --revision " + r.Revision
}
