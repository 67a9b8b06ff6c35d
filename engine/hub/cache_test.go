package hub

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseRef(t *testing.T) {
	tests := []struct {
		in      string
		repo    string
		rev     string
		wantErr bool
	}{
		{"gpt2", "gpt2", "main", false},
		{"openai-community/gpt2@v1.0", "openai-community/gpt2", "v1.0", false},
		{"distilgpt2@refs/pr/1", "distilgpt2", "refs/pr/1", false},
		{"../etc", "", "", true},
		{"a/b/c", "", "", true},
		{"gpt2@../../x", "", "", true},
		{"", "", "", true},
		{"org/..", "", "", true},
	}
	for _, tt := range tests {
		got, err := ParseRef(tt.in)
		if (err != nil) != tt.wantErr || (err == nil && (got.Repo != tt.repo || got.Revision != tt.rev)) {
			t.Errorf("ParseRef(%q) = %+v, %v; want %s@%s, error %v", tt.in, got, err, tt.repo, tt.rev, tt.wantErr)
		}
	}
}

func TestResolveFindsEitherSpelling(t *testing.T) {
	cache := t.TempDir()
	commit := "0123456789abcdef0123456789abcdef01234567"
	repo := RepoDir(cache, "openai-community/gpt2")
	if err := os.MkdirAll(filepath.Join(repo, "snapshots", commit), 0o755); err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(repo, "refs"), 0o755)
	os.WriteFile(filepath.Join(repo, "refs", "main"), []byte(commit+"\n"), 0o644)

	for _, name := range []string{"gpt2", "openai-community/gpt2", "gpt2@" + commit} {
		ref, _ := ParseRef(name)
		dir, err := ResolveIn(cache, ref)
		if err != nil || dir != filepath.Join(repo, "snapshots", commit) {
			t.Errorf("ResolveIn(%q) = %q, %v", name, dir, err)
		}
	}
	ref, _ := ParseRef("distilgpt2")
	if _, err := ResolveIn(cache, ref); !errors.Is(err, ErrNotCached) {
		t.Errorf("ResolveIn(distilgpt2) error = %v, want ErrNotCached", err)
	}
	ref, _ = ParseRef("distilgpt2@v2")
	if _, err := ResolveIn(cache, ref); err == nil || !strings.Contains(err.Error(), "explorer models pull distilgpt2 --revision v2") {
		t.Errorf("ResolveIn(distilgpt2@v2) error = %v, want a pull hint with the revision", err)
	}
}

func TestPullCommand(t *testing.T) {
	tests := []struct{ name, want string }{
		{"gpt2", "explorer models pull gpt2"},
		{"openai-community/gpt2@main", "explorer models pull openai-community/gpt2"},
		{"gpt2@refs/pr/1", "explorer models pull gpt2 --revision refs/pr/1"},
	}
	for _, tt := range tests {
		ref, err := ParseRef(tt.name)
		if got := ref.PullCommand(); err != nil || got != tt.want {
			t.Errorf("ParseRef(%q).PullCommand() = %q, %v; want %q", tt.name, got, err, tt.want)
		}
	}
}

func TestCacheDirHonoursEnvironment(t *testing.T) {
	t.Setenv("HF_HUB_CACHE", "")
	t.Setenv("HF_HOME", "/x/hf")
	if d, _ := CacheDir(); d != "/x/hf/hub" {
		t.Errorf("CacheDir with HF_HOME = %q", d)
	}
	t.Setenv("HF_HUB_CACHE", "/y")
	if d, _ := CacheDir(); d != "/y" {
		t.Errorf("CacheDir with HF_HUB_CACHE = %q", d)
	}
}
