package main

import (
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
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
