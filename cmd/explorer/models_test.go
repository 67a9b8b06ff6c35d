package main

import (
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestModelsPullThenUse pulls the tiny model from a fake Hub into a fresh
// cache, lists it, and runs it by name, as a practitioner would with gpt2.
func TestModelsPullThenUse(t *testing.T) {
	files := map[string][]byte{}
	for _, name := range []string{"config.json", "generation_config.json", "model.safetensors", "vocab.json", "merges.txt"} {
		b, err := os.ReadFile(filepath.Join(tinyModel, name))
		if err != nil {
			t.Fatal(err)
		}
		files[name] = b
	}
	hubSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name, ok := strings.CutPrefix(r.URL.Path, "/test-org/tiny-gpt2/resolve/main/")
		content, found := files[name]
		if !ok || !found {
			http.NotFound(w, r)
			return
		}
		h := sha1.New()
		fmt.Fprintf(h, "blob %d\x00", len(content))
		h.Write(content)
		w.Header().Set("ETag", `"`+hex.EncodeToString(h.Sum(nil))+`"`)
		w.Header().Set("X-Repo-Commit", "89abcdef0123456789abcdef0123456789abcdef")
		http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(content))
	}))
	defer hubSrv.Close()
	home := t.TempDir()
	t.Setenv("HF_HOME", home)
	t.Setenv("HF_HUB_CACHE", "")
	t.Setenv("HF_ENDPOINT", hubSrv.URL)

	if code, _, errs := runCLI(t, "tokenize", "--model", "test-org/tiny-gpt2", "--prompt", "hi"); code == 0 || !strings.Contains(errs, "explorer models pull test-org/tiny-gpt2") {
		t.Fatalf("before the pull: exit %d, %s", code, errs)
	}
	code, out, errs := runCLI(t, "models", "pull", "test-org/tiny-gpt2")
	if code != 0 || !strings.Contains(out, "explorer --model test-org/tiny-gpt2") || !strings.Contains(errs, "model.safetensors") {
		t.Fatalf("pull: exit %d\n%s\n%s", code, out, errs)
	}
	code, out, _ = runCLI(t, "models", "list")
	if code != 0 || !strings.Contains(out, "test-org/tiny-gpt2") || !strings.Contains(out, "main=89abcde") || strings.Contains(out, "incomplete") {
		t.Fatalf("list: %s", out)
	}
	code, out, errs = runCLI(t, "tokenize", "--model", "test-org/tiny-gpt2", "--prompt", "Hello world", "--json")
	if code != 0 || !strings.Contains(out, "[15496,995]") {
		t.Fatalf("using the pulled model: exit %d %s %s", code, out, errs)
	}
	if code, _, errs := runCLI(t, "models", "pull", "test-org/missing"); code == 0 || !strings.Contains(errs, "not found") {
		t.Fatalf("missing repo: exit %d %s", code, errs)
	}
}

// TestProgressBarAnySizes draws the sizes a faulty or hostile server can
// cause (issue 15: more bytes than announced panicked in strings.Repeat).
func TestProgressBarAnySizes(t *testing.T) {
	var out bytes.Buffer
	bar := &progressBar{w: &out}
	for _, c := range [][2]int64{{0, 0}, {5, 0}, {-1, 10}, {10, 10}, {11, 10}, {141 << 20, 6 << 20}, {5, -1}, {math.MaxInt64, 1}, {1, math.MaxInt64}, {math.MaxInt64, math.MaxInt64}} {
		bar.update("model.safetensors", c[0], c[1])
	}
	bar.finish()
	if strings.Contains(out.String(), "%!") {
		t.Errorf("a format error in %q", out.String())
	}
}

func TestPullRef(t *testing.T) {
	for _, tc := range []struct {
		name, rev string
		set       bool
		want      string // repo@revision, or "" for an error
	}{
		{"gpt2", "main", false, "gpt2@main"},
		{"gpt2", "v1", true, "gpt2@v1"},
		{"gpt2@v2", "main", false, "gpt2@v2"},
		{"gpt2@v2", "v2", true, "gpt2@v2"},
		{"gpt2@v2", "v1", true, ""},
		{"gpt2@v2", "main", true, ""},
	} {
		ref, err := pullRef(tc.name, tc.rev, tc.set)
		got := ""
		if err == nil {
			got = ref.Repo + "@" + ref.Revision
		}
		if got != tc.want {
			t.Errorf("pullRef(%q, %q, %v) = %q, %v; want %q", tc.name, tc.rev, tc.set, got, err, tc.want)
		}
	}
}
