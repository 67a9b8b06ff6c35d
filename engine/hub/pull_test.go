package hub

import (
	"bytes"
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

const fakeCommit = "0123456789abcdef0123456789abcdef01234567"

// fakeHub imitates the Hub's file URLs: small files answered directly with
// their git blob SHA-1 as ETag, LFS files redirected to a second "CDN"
// server with X-Linked-Etag (SHA-256) and X-Linked-Size on the redirect.
type fakeHub struct {
	hub, cdn *httptest.Server
	files    map[string][]byte // name -> content
	lfs      map[string]bool
	repo     string

	mu       sync.Mutex
	gets     map[string]int    // downloads per file
	auth     []string          // Authorization headers seen
	cdnAuth  []string          // Authorization headers the CDN saw
	cutAfter map[string]int    // cut the next CDN response after n bytes
	corrupt  map[string]bool   // serve wrong bytes
	ranges   map[string]string // last Range header per file
	extra    map[string]int    // send this many bytes more than announced
	status   int               // answer every request with this status
}

func newFakeHub(t *testing.T, repo string, files map[string][]byte, lfs ...string) *fakeHub {
	f := &fakeHub{files: files, lfs: map[string]bool{}, repo: repo, gets: map[string]int{},
		cutAfter: map[string]int{}, corrupt: map[string]bool{}, ranges: map[string]string{}, extra: map[string]int{}}
	for _, name := range lfs {
		f.lfs[name] = true
	}
	f.cdn = httptest.NewServer(http.HandlerFunc(f.serveCDN))
	f.hub = httptest.NewServer(http.HandlerFunc(f.serveHub))
	t.Cleanup(func() { f.hub.Close(); f.cdn.Close() })
	return f
}

func gitBlobSHA1(b []byte) string {
	h := sha1.New()
	fmt.Fprintf(h, "blob %d\x00", len(b))
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil))
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func (f *fakeHub) serveHub(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.auth = append(f.auth, r.Header.Get("Authorization"))
	f.mu.Unlock()
	if f.status != 0 {
		w.Header().Set("Retry-After", "42")
		http.Error(w, http.StatusText(f.status), f.status)
		return
	}
	prefix := "/" + f.repo + "/resolve/main/"
	name, ok := strings.CutPrefix(r.URL.Path, prefix)
	if !ok {
		http.Error(w, "Repository not found", http.StatusUnauthorized) // what the Hub says for an unknown repo
		return
	}
	content, ok := f.files[name]
	if !ok {
		http.Error(w, "Entry not found", http.StatusNotFound)
		return
	}
	w.Header().Set("X-Repo-Commit", fakeCommit)
	if f.lfs[name] {
		w.Header().Set("X-Linked-Etag", `"`+sha256Hex(content)+`"`)
		w.Header().Set("X-Linked-Size", fmt.Sprint(len(content)))
		w.Header().Set("Location", f.cdn.URL+"/blob/"+name)
		w.WriteHeader(http.StatusFound)
		return
	}
	w.Header().Set("ETag", `"`+gitBlobSHA1(content)+`"`)
	if r.Method == http.MethodGet {
		f.mu.Lock()
		f.gets[name]++
		f.mu.Unlock()
	}
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(content))
}

func (f *fakeHub) serveCDN(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, "/blob/")
	content := f.files[name]
	f.mu.Lock()
	f.gets[name]++
	f.ranges[name] = r.Header.Get("Range")
	f.cdnAuth = append(f.cdnAuth, r.Header.Get("Authorization"))
	cut := f.cutAfter[name]
	delete(f.cutAfter, name)
	bad := f.corrupt[name]
	extra := f.extra[name]
	f.mu.Unlock()
	if bad {
		content = bytes.ToUpper(content)
	}
	if extra > 0 {
		// The announced size (X-Linked-Size) stays that of content.
		w.WriteHeader(http.StatusOK)
		w.Write(content)
		w.Write(make([]byte, extra))
		return
	}
	if cut > 0 {
		// Send the headers of the whole file, part of the body, then drop
		// the connection.
		w.Header().Set("Content-Length", fmt.Sprint(len(content)))
		w.WriteHeader(http.StatusOK)
		w.Write(content[:cut])
		w.(http.Flusher).Flush()
		conn, _, _ := w.(http.Hijacker).Hijack()
		conn.Close()
		return
	}
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(content))
}

func modelFiles() map[string][]byte {
	return map[string][]byte{
		"config.json":       []byte(`{"model_type":"gpt2","n_layer":2}`),
		"vocab.json":        []byte(`{"a":0}`),
		"merges.txt":        []byte("#version: 0.2\n"),
		"model.safetensors": bytes.Repeat([]byte("weights!"), 5000),
	}
}

func newClient(f *fakeHub, cache string) *Client {
	return &Client{Endpoint: f.hub.URL, Cache: cache, HTTP: &http.Client{}, Token: "hf_secret"}
}

func TestPull(t *testing.T) {
	files := modelFiles()
	files["generation_config.json"] = []byte(`{}`)
	f := newFakeHub(t, "openai-community/gpt2", files, "model.safetensors")
	cache := t.TempDir()
	c := newClient(f, cache)
	var progress []string
	c.Progress = func(name string, done, total int64) {
		progress = append(progress, fmt.Sprintf("%s %d/%d", name, done, total))
	}
	snap, err := c.Pull(context.Background(), Ref{Repo: "openai-community/gpt2", Revision: "main"})
	if err != nil {
		t.Fatal(err)
	}
	repoDir := RepoDir(cache, "openai-community/gpt2")
	if snap != filepath.Join(repoDir, "snapshots", fakeCommit) {
		t.Fatalf("snapshot %s", snap)
	}
	for name, want := range files {
		got, err := os.ReadFile(filepath.Join(snap, name))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: %v", name, err)
		}
		target, err := os.Readlink(filepath.Join(snap, name))
		if err != nil || !strings.HasPrefix(target, filepath.Join("..", "..", "blobs")) {
			t.Errorf("%s is not a relative link into blobs: %q %v", name, target, err)
		}
	}
	if ref, _ := os.ReadFile(filepath.Join(repoDir, "refs", "main")); string(ref) != fakeCommit {
		t.Errorf("refs/main = %q", ref)
	}
	if _, err := os.Stat(filepath.Join(repoDir, "blobs", sha256Hex(files["model.safetensors"]))); err != nil {
		t.Errorf("the LFS blob is not named by its sha256: %v", err)
	}
	// The cache now resolves the name, under either spelling.
	for _, name := range []string{"gpt2", "openai-community/gpt2"} {
		ref, _ := ParseRef(name)
		if dir, err := ResolveIn(cache, ref); err != nil || dir != snap {
			t.Errorf("resolve %s: %s %v", name, dir, err)
		}
	}
	if len(progress) == 0 || !strings.Contains(progress[len(progress)-1], "model.safetensors 40000/40000") {
		t.Errorf("progress: %v", progress)
	}
	for _, a := range f.auth {
		if a != "Bearer hf_secret" {
			t.Fatalf("a request went without the token: %q", a)
		}
	}
	for _, a := range f.cdnAuth {
		if a != "" {
			t.Fatalf("the token leaked to the CDN host: %q", a)
		}
	}

	// A second pull downloads nothing.
	before := fmt.Sprint(f.gets)
	if _, err := c.Pull(context.Background(), Ref{Repo: "openai-community/gpt2", Revision: "main"}); err != nil {
		t.Fatal(err)
	}
	if after := fmt.Sprint(f.gets); after != before {
		t.Errorf("a second pull downloaded again: %s -> %s", before, after)
	}

	models, err := List(cache)
	if err != nil || len(models) != 1 || models[0].Repo != "openai-community/gpt2" || !models[0].Usable || models[0].Size < 40000 || models[0].Refs["main"] != fakeCommit {
		t.Errorf("list: %+v %v", models, err)
	}
}

func TestPullResumes(t *testing.T) {
	f := newFakeHub(t, "gpt2", modelFiles(), "model.safetensors")
	cache := t.TempDir()
	c := newClient(f, cache)
	f.cutAfter["model.safetensors"] = 12345
	_, err := c.Pull(context.Background(), Ref{Repo: "gpt2", Revision: "main"})
	if err == nil || !strings.Contains(err.Error(), "resume") {
		t.Fatalf("a cut download gave %v", err)
	}
	blob := filepath.Join(RepoDir(cache, "gpt2"), "blobs", sha256Hex(modelFiles()["model.safetensors"]))
	if st, err := os.Stat(blob + ".incomplete"); err != nil || st.Size() != 12345 {
		t.Fatalf("partial file: %v", err)
	}
	if _, err := os.Stat(filepath.Join(RepoDir(cache, "gpt2"), "snapshots", fakeCommit, "model.safetensors")); err == nil {
		t.Fatal("a half-downloaded file is in the snapshot")
	}
	snap, err := c.Pull(context.Background(), Ref{Repo: "gpt2", Revision: "main"})
	if err != nil {
		t.Fatal(err)
	}
	if f.ranges["model.safetensors"] != "bytes=12345-" {
		t.Errorf("resume sent Range %q", f.ranges["model.safetensors"])
	}
	got, _ := os.ReadFile(filepath.Join(snap, "model.safetensors"))
	if !bytes.Equal(got, modelFiles()["model.safetensors"]) {
		t.Error("the resumed file differs")
	}
}

func TestPullRejectsCorruptBody(t *testing.T) {
	f := newFakeHub(t, "gpt2", modelFiles(), "model.safetensors")
	f.corrupt["model.safetensors"] = true
	cache := t.TempDir()
	_, err := newClient(f, cache).Pull(context.Background(), Ref{Repo: "gpt2", Revision: "main"})
	if !errors.Is(err, ErrChecksum) {
		t.Fatalf("got %v, want a checksum error", err)
	}
	repoDir := RepoDir(cache, "gpt2")
	blobs, _ := filepath.Glob(filepath.Join(repoDir, "blobs", "*"))
	for _, b := range blobs {
		if strings.Contains(b, sha256Hex(modelFiles()["model.safetensors"])) {
			t.Errorf("the corrupt download was kept: %s", b)
		}
	}
	if _, err := os.Lstat(filepath.Join(repoDir, "snapshots", fakeCommit, "model.safetensors")); err == nil {
		t.Error("the corrupt file is linked in the snapshot")
	}
}

// TestPullOverrun: a server sending more than it announced (issue 15: 141
// MB against 6.7 MB) gets an error, the partial file is discarded rather
// than kept growing, and a second run fails the same way.
func TestPullOverrun(t *testing.T) {
	f := newFakeHub(t, "gpt2", modelFiles(), "model.safetensors")
	cache := t.TempDir()
	for run := 1; run <= 2; run++ {
		f.mu.Lock()
		f.extra["model.safetensors"] = 1 << 20
		f.mu.Unlock()
		var lastDone, lastTotal int64
		c := newClient(f, cache)
		c.Progress = func(file string, done, total int64) { lastDone, lastTotal = done, total }
		_, err := c.Pull(context.Background(), Ref{Repo: "gpt2", Revision: "main"})
		if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "announced") {
			t.Fatalf("run %d: %v, want ErrTooLarge", run, err)
		}
		if lastDone > lastTotal {
			t.Errorf("run %d: progress reported %d of %d", run, lastDone, lastTotal)
		}
		partials, _ := filepath.Glob(filepath.Join(RepoDir(cache, "gpt2"), "blobs", "*.incomplete"))
		for _, p := range partials {
			if st, err := os.Stat(p); err == nil && st.Size() > int64(len(modelFiles()["model.safetensors"])) {
				t.Errorf("run %d: %s holds %d bytes", run, p, st.Size())
			}
		}
	}
}

// TestPullMaxFileBytes bounds a file whatever the server announces.
func TestPullMaxFileBytes(t *testing.T) {
	f := newFakeHub(t, "gpt2", modelFiles(), "model.safetensors")
	c := newClient(f, t.TempDir())
	c.MaxFileBytes = 1000
	if _, err := c.Pull(context.Background(), Ref{Repo: "gpt2", Revision: "main"}); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("got %v, want ErrTooLarge", err)
	}
}

// TestPullRateLimited: a 429 says how long to wait.
func TestPullRateLimited(t *testing.T) {
	f := newFakeHub(t, "gpt2", modelFiles())
	f.status = http.StatusTooManyRequests
	_, err := newClient(f, t.TempDir()).Pull(context.Background(), Ref{Repo: "gpt2", Revision: "main"})
	if !errors.Is(err, ErrRateLimited) || !strings.Contains(err.Error(), "wait 42s") {
		t.Fatalf("got %v, want ErrRateLimited with the Retry-After", err)
	}
}

func TestPullErrors(t *testing.T) {
	files := modelFiles()
	delete(files, "model.safetensors")
	pytorch := modelFiles()
	delete(pytorch, "model.safetensors")
	pytorch["pytorch_model.bin"] = []byte("PK")
	tests := []struct {
		name  string
		hub   *fakeHub
		repo  string
		want  error
		words string
	}{
		{"unknown repo", newFakeHub(t, "gpt2", modelFiles()), "nobody/nothing", ErrNotFound, "nobody/nothing"},
		{"no weights", newFakeHub(t, "gpt2", files), "gpt2", ErrNoWeights, "neither"},
		{"pytorch only", newFakeHub(t, "gpt2", pytorch), "gpt2", ErrNoWeights, "safe_serialization"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := newClient(tt.hub, t.TempDir()).Pull(context.Background(), Ref{Repo: tt.repo, Revision: "main"})
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.words) {
				t.Fatalf("got %v, want %v mentioning %q", err, tt.want, tt.words)
			}
		})
	}
	// A network failure names the file and suggests a fix.
	c := &Client{Endpoint: "http://127.0.0.1:1", Cache: t.TempDir(), HTTP: &http.Client{}}
	if _, err := c.Pull(context.Background(), Ref{Repo: "gpt2", Revision: "main"}); err == nil || !strings.Contains(err.Error(), "config.json") {
		t.Fatalf("network failure: %v", err)
	}
}

func TestPullSharded(t *testing.T) {
	files := modelFiles()
	delete(files, "model.safetensors")
	files["model.safetensors.index.json"] = []byte(`{"metadata":{},"weight_map":{"wte.weight":"model-00001-of-00002.safetensors","h.0.ln_1.weight":"model-00002-of-00002.safetensors"}}`)
	files["model-00001-of-00002.safetensors"] = []byte("shard one")
	files["model-00002-of-00002.safetensors"] = []byte("shard two")
	f := newFakeHub(t, "gpt2", files, "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors")
	snap, err := newClient(f, t.TempDir()).Pull(context.Background(), Ref{Repo: "gpt2", Revision: "main"})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors", "model.safetensors.index.json"} {
		if _, err := os.Stat(filepath.Join(snap, name)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestPullFinishesCompletePartial covers a run stopped after the last byte
// but before the rename: the next pull verifies and links the file without
// downloading it again; a partial file longer than the blob starts over.
func TestPullFinishesCompletePartial(t *testing.T) {
	weights := modelFiles()["model.safetensors"]
	tests := []struct {
		name    string
		partial []byte
		gets    int
	}{
		{"complete", weights, 0},
		{"too long", append(append([]byte(nil), weights...), "junk"...), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeHub(t, "gpt2", modelFiles(), "model.safetensors")
			cache := t.TempDir()
			blob := filepath.Join(RepoDir(cache, "gpt2"), "blobs", sha256Hex(weights))
			os.MkdirAll(filepath.Dir(blob), 0o755)
			if err := os.WriteFile(blob+".incomplete", tt.partial, 0o644); err != nil {
				t.Fatal(err)
			}
			snap, err := newClient(f, cache).Pull(context.Background(), Ref{Repo: "gpt2", Revision: "main"})
			if err != nil {
				t.Fatal(err)
			}
			if got := f.gets["model.safetensors"]; got != tt.gets {
				t.Errorf("downloads of the weights: %d, want %d", got, tt.gets)
			}
			if got, _ := os.ReadFile(filepath.Join(snap, "model.safetensors")); !bytes.Equal(got, weights) {
				t.Error("the linked weights differ")
			}
			if _, err := os.Stat(blob + ".incomplete"); err == nil {
				t.Error("the partial file is still there")
			}
		})
	}
}

// TestPullDiskFull writes the download into /dev/full, which fails every
// write with ENOSPC, and expects the error to say the disk is full.
func TestPullDiskFull(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full on this system")
	}
	f := newFakeHub(t, "gpt2", modelFiles(), "model.safetensors")
	cache := t.TempDir()
	blob := filepath.Join(RepoDir(cache, "gpt2"), "blobs", sha256Hex(modelFiles()["model.safetensors"]))
	os.MkdirAll(filepath.Dir(blob), 0o755)
	if err := os.Symlink("/dev/full", blob+".incomplete"); err != nil {
		t.Fatal(err)
	}
	snap := filepath.Join(RepoDir(cache, "gpt2"), "snapshots", fakeCommit)
	_, err := newClient(f, cache).Pull(context.Background(), Ref{Repo: "gpt2", Revision: "main"})
	if err == nil || !strings.Contains(err.Error(), "disk is full") {
		t.Fatalf("got %v, want a full-disk error", err)
	}
	if _, err := os.Lstat(filepath.Join(snap, "model.safetensors")); err == nil {
		t.Error("the weights were linked after a failed write")
	}
}

// TestPullCancelled stops a pull through its context mid-download.
func TestPullCancelled(t *testing.T) {
	files := modelFiles()
	files["model.safetensors"] = bytes.Repeat([]byte("weights!"), 1<<20) // many reads
	f := newFakeHub(t, "gpt2", files, "model.safetensors")
	ctx, cancel := context.WithCancel(context.Background())
	c := newClient(f, t.TempDir())
	c.Progress = func(name string, done, total int64) {
		if name == "model.safetensors" {
			cancel()
		}
	}
	_, err := c.Pull(ctx, Ref{Repo: "gpt2", Revision: "main"})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
}

// TestPullConcurrent runs two pulls of one model into one cache at once:
// the blob lock lets one download each file while the other waits, and
// both end with the same snapshot.
func TestPullConcurrent(t *testing.T) {
	files := modelFiles()
	files["model.safetensors"] = bytes.Repeat([]byte("weights!"), 1<<18)
	f := newFakeHub(t, "gpt2", files, "model.safetensors")
	cache := t.TempDir()
	var wg sync.WaitGroup
	snaps, errs := make([]string, 2), make([]error, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			snaps[i], errs[i] = newClient(f, cache).Pull(context.Background(), Ref{Repo: "gpt2", Revision: "main"})
		}()
	}
	wg.Wait()
	for i := range 2 {
		if errs[i] != nil {
			t.Fatalf("pull %d: %v", i, errs[i])
		}
	}
	if snaps[0] != snaps[1] {
		t.Errorf("snapshots differ: %s, %s", snaps[0], snaps[1])
	}
	if n := f.gets["model.safetensors"]; n != 1 {
		t.Errorf("the weights were downloaded %d times, want once", n)
	}
	if got, _ := os.ReadFile(filepath.Join(snaps[0], "model.safetensors")); !bytes.Equal(got, files["model.safetensors"]) {
		t.Error("the weights differ")
	}
}
