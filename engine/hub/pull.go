package hub

import (
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/transformer-explorer/explorer/engine/pages"
)

// Errors of a pull, wrapped with the file and repository.
var (
	ErrNotFound  = errors.New("hub: not found")
	ErrChecksum  = errors.New("hub: checksum mismatch")
	ErrNoWeights = errors.New("hub: no safetensors weights")
	// ErrTooLarge is returned when a server sends more than it announced,
	// or more than Client.MaxFileBytes.
	ErrTooLarge = errors.New("hub: file larger than allowed")
	// ErrRateLimited is returned when the Hub answers 429 Too Many Requests.
	ErrRateLimited = errors.New("hub: rate limited")
)

// DefaultMaxFileBytes bounds a file whose size the server did not
// announce: GPT-2 XL's weights are 6.4 GB.
const DefaultMaxFileBytes = 32 << 30

// DefaultEndpoint is the Hub's address; $HF_ENDPOINT overrides it.
const DefaultEndpoint = "https://huggingface.co"

// A Client downloads model files from the Hub into the shared cache.
type Client struct {
	Endpoint string // e.g. https://huggingface.co
	Token    string // sent as a bearer token when set ($HF_TOKEN)
	Cache    string // the hub cache directory (CacheDir)
	HTTP     *http.Client
	// Progress, when set, is told how far each file's download is;
	// total is -1 when unknown.
	Progress func(file string, done, total int64)
	// MaxFileBytes bounds every file written, whatever the server
	// announces (default DefaultMaxFileBytes). A file is also never written
	// past the size the server announced for it.
	MaxFileBytes int64
}

// NewClient returns a client configured like the Python library: from
// $HF_ENDPOINT, $HF_TOKEN and the cache directory variables.
func NewClient() (*Client, error) {
	cache, err := CacheDir()
	if err != nil {
		return nil, err
	}
	endpoint := os.Getenv("HF_ENDPOINT")
	if endpoint == "" {
		endpoint = DefaultEndpoint
	}
	return &Client{Endpoint: strings.TrimRight(endpoint, "/"), Token: os.Getenv("HF_TOKEN"), Cache: cache, HTTP: &http.Client{}}, nil
}

// The files a GPT-2 checkpoint needs, and those worth having.
var (
	requiredFiles = []string{"config.json", "vocab.json", "merges.txt"}
	optionalFiles = []string{"generation_config.json", "tokenizer.json"}
)

const (
	weightsFile  = "model.safetensors"
	weightsIndex = "model.safetensors.index.json"
	pytorchFile  = "pytorch_model.bin"
)

// fileInfo is what the Hub says about a file before it is downloaded.
type fileInfo struct {
	commit string
	etag   string // sha256 for LFS files, the git blob sha1 otherwise
	size   int64  // -1 when unknown
	url    string // where to GET it
}

// Pull downloads the files of ref that the engine reads into the cache and
// returns the snapshot directory. Files already in the cache are not
// downloaded again; an interrupted download resumes where it stopped.
func (c *Client) Pull(ctx context.Context, ref Ref) (string, error) {
	repoDir := RepoDir(c.Cache, ref.Repo)
	var commit string
	fetch := func(name string, required bool) (bool, error) {
		info, err := c.head(ctx, ref, name)
		if errors.Is(err, ErrNotFound) && !required {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		if commit == "" {
			commit = info.commit
		}
		return true, c.fetch(ctx, repoDir, commit, name, info)
	}
	for _, name := range requiredFiles {
		if _, err := fetch(name, true); err != nil {
			return "", err
		}
	}
	for _, name := range optionalFiles {
		if _, err := fetch(name, false); err != nil {
			return "", err
		}
	}
	if err := c.fetchWeights(ctx, ref, repoDir, &commit, fetch); err != nil {
		return "", err
	}
	if ref.Revision != commit {
		if err := writeRef(repoDir, ref.Revision, commit); err != nil {
			return "", err
		}
	}
	return filepath.Join(repoDir, "snapshots", commit), nil
}

// fetchWeights gets model.safetensors, or the sharded index and every
// shard it names.
func (c *Client) fetchWeights(ctx context.Context, ref Ref, repoDir string, commit *string, fetch func(string, bool) (bool, error)) error {
	if ok, err := fetch(weightsFile, false); err != nil || ok {
		return err
	}
	ok, err := fetch(weightsIndex, false)
	if err != nil {
		return err
	}
	if !ok {
		if _, err := c.head(ctx, ref, pytorchFile); err == nil {
			return fmt.Errorf("%w: %s has only %s, which this explorer does not read (HINT: convert it with transformers: model.save_pretrained(dir, safe_serialization=True), then use --model dir)", ErrNoWeights, ref.Repo, pytorchFile)
		}
		return fmt.Errorf("%w: %s has neither %s nor %s", ErrNoWeights, ref.Repo, weightsFile, weightsIndex)
	}
	b, err := os.ReadFile(filepath.Join(repoDir, "snapshots", *commit, weightsIndex))
	if err != nil {
		return err
	}
	var index struct {
		WeightMap map[string]string `json:"weight_map"`
	}
	if err := json.Unmarshal(b, &index); err != nil {
		return fmt.Errorf("hub: %s: %s: %w", ref.Repo, weightsIndex, err)
	}
	shards := map[string]bool{}
	for _, f := range index.WeightMap {
		if f == "" || strings.ContainsAny(f, `/\`) || strings.Contains(f, "..") {
			return fmt.Errorf("hub: %s: %s names a bad shard %q", ref.Repo, weightsIndex, f)
		}
		shards[f] = true
	}
	names := make([]string, 0, len(shards))
	for f := range shards {
		names = append(names, f)
	}
	sort.Strings(names)
	for _, f := range names {
		if _, err := fetch(f, true); err != nil {
			return err
		}
	}
	return nil
}

// fileURL is the Hub's public address of a file at a revision.
func (c *Client) fileURL(ref Ref, name string) string {
	return c.Endpoint + "/" + ref.Repo + "/resolve/" + url.PathEscape(ref.Revision) + "/" + url.PathEscape(name)
}

// head asks the Hub for a file's commit, checksum and size. The Hub answers
// LFS files with a redirect to its CDN whose own headers describe the
// file; relative redirects (a renamed repository) are followed.
func (c *Client) head(ctx context.Context, ref Ref, name string) (fileInfo, error) {
	target := c.fileURL(ref, name)
	client := *c.HTTP
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	for hops := 0; hops < 5; hops++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodHead, target, nil)
		if err != nil {
			return fileInfo{}, err
		}
		c.authorize(req)
		req.Header.Set("Accept-Encoding", "identity")
		res, err := client.Do(req)
		if err != nil {
			return fileInfo{}, fmt.Errorf("hub: %s/%s: %w (HINT: check the network, or set HF_ENDPOINT to a mirror)", ref.Repo, name, err)
		}
		res.Body.Close()
		switch {
		case res.StatusCode == http.StatusNotFound:
			return fileInfo{}, fmt.Errorf("%w: %s/%s at %s", ErrNotFound, ref.Repo, name, ref.Revision)
		case res.StatusCode == http.StatusUnauthorized || res.StatusCode == http.StatusForbidden:
			return fileInfo{}, fmt.Errorf("%w: %s: the Hub refused access (%s); the repository may not exist, or may need a token in HF_TOKEN", ErrNotFound, ref.Repo, res.Status)
		case res.StatusCode == http.StatusTooManyRequests:
			return fileInfo{}, rateLimited(ref.Repo+"/"+name, res)
		case res.StatusCode >= 300 && res.StatusCode < 400:
			loc, err := res.Location()
			if err != nil {
				return fileInfo{}, fmt.Errorf("hub: %s/%s: redirect without a location", ref.Repo, name)
			}
			if strings.HasPrefix(res.Header.Get("Location"), "/") {
				target = loc.String() // same host: a renamed repository
				continue
			}
			return infoFrom(res.Header, loc.String(), ref, name)
		case res.StatusCode == http.StatusOK:
			return infoFrom(res.Header, target, ref, name)
		case res.StatusCode >= 500:
			return fileInfo{}, fmt.Errorf("hub: %s/%s: the Hub answered %s (HINT: try again later, or set HF_ENDPOINT to a mirror)", ref.Repo, name, res.Status)
		default:
			return fileInfo{}, fmt.Errorf("hub: %s/%s: %s", ref.Repo, name, res.Status)
		}
	}
	return fileInfo{}, fmt.Errorf("hub: %s/%s: too many redirects", ref.Repo, name)
}

// infoFrom reads the Hub's headers about a file.
func infoFrom(h http.Header, getURL string, ref Ref, name string) (fileInfo, error) {
	info := fileInfo{commit: h.Get("X-Repo-Commit"), url: getURL, size: -1}
	info.etag = normalizeETag(h.Get("X-Linked-Etag"))
	if info.etag == "" {
		info.etag = normalizeETag(h.Get("ETag"))
	}
	if s := h.Get("X-Linked-Size"); s != "" {
		info.size, _ = strconv.ParseInt(s, 10, 64)
	} else if s := h.Get("Content-Length"); s != "" {
		info.size, _ = strconv.ParseInt(s, 10, 64)
	}
	if !commitRe.MatchString(info.commit) {
		return info, fmt.Errorf("hub: %s/%s: the server sent no commit hash (X-Repo-Commit); is HF_ENDPOINT a Hugging Face Hub?", ref.Repo, name)
	}
	if info.etag == "" || strings.ContainsAny(info.etag, `/\.`) {
		return info, fmt.Errorf("hub: %s/%s: the server sent no usable ETag", ref.Repo, name)
	}
	return info, nil
}

func normalizeETag(e string) string {
	e = strings.TrimPrefix(e, "W/")
	return strings.Trim(e, `"`)
}

// authorize adds the token to requests for the Hub itself. Redirects to
// its CDN carry their own signature, and the token must not leak to
// another host.
func (c *Client) authorize(req *http.Request) {
	if c.Token == "" {
		return
	}
	if ep, err := url.Parse(c.Endpoint); err == nil && ep.Host == req.URL.Host {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
}

// fetch makes snapshots/<commit>/<name> point at blobs/<etag>, downloading
// the blob unless the cache already has it.
func (c *Client) fetch(ctx context.Context, repoDir, commit, name string, info fileInfo) error {
	blob := filepath.Join(repoDir, "blobs", info.etag)
	if _, err := os.Stat(blob); err != nil {
		if err := c.downloadLocked(ctx, repoDir, blob, name, info); err != nil {
			return err
		}
	} else if c.Progress != nil {
		c.Progress(name, info.size, info.size)
	}
	return link(repoDir, commit, name, info.etag)
}

// downloadLocked downloads a blob while holding its lock, unless another
// process finished it while this one waited for the lock.
func (c *Client) downloadLocked(ctx context.Context, repoDir, blob, name string, info fileInfo) error {
	unlock, err := lockBlob(ctx, filepath.Join(c.Cache, ".locks", filepath.Base(repoDir)), info.etag)
	if err != nil {
		return err
	}
	defer unlock()
	if _, err := os.Stat(blob); err == nil {
		return nil
	}
	return c.download(ctx, blob, name, info)
}

// download writes the file to blob+".incomplete", resuming a previous
// attempt with a Range request, verifies its checksum and only then moves
// it into place.
func (c *Client) download(ctx context.Context, blob, name string, info fileInfo) error {
	if err := os.MkdirAll(filepath.Dir(blob), 0o755); err != nil {
		return diskError(err, blob)
	}
	partial := blob + ".incomplete"
	f, err := os.OpenFile(partial, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return diskError(err, partial)
	}
	defer f.Close()
	have, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, info.url, nil)
	if err != nil {
		return err
	}
	c.authorize(req)
	req.Header.Set("Accept-Encoding", "identity")
	if info.size >= 0 && have > info.size {
		// More than the file holds: the partial file is not this blob's
		// beginning, so start over.
		if err := f.Truncate(0); err != nil {
			return diskError(err, partial)
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return err
		}
		have = 0
	}
	if info.size >= 0 && have == info.size && have > 0 {
		// A previous run wrote everything but stopped before the rename.
		return finishDownload(f, partial, blob, name, info)
	}
	if have > 0 {
		req.Header.Set("Range", fmt.Sprintf("bytes=%d-", have))
	}
	res, err := c.HTTP.Do(req)
	if err != nil {
		return fmt.Errorf("hub: downloading %s: %w (run the same command again to resume)", name, err)
	}
	defer res.Body.Close()
	switch res.StatusCode {
	case http.StatusPartialContent:
	case http.StatusOK, http.StatusRequestedRangeNotSatisfiable:
		// The server sends the whole file (or has nothing past our end):
		// start over.
		if have > 0 {
			if err := f.Truncate(0); err != nil {
				return diskError(err, partial)
			}
			if _, err := f.Seek(0, io.SeekStart); err != nil {
				return err
			}
			have = 0
		}
		if res.StatusCode != http.StatusOK {
			return fmt.Errorf("hub: downloading %s: %s (run the same command again)", name, res.Status)
		}
	case http.StatusTooManyRequests:
		return rateLimited(name, res)
	default:
		return fmt.Errorf("hub: downloading %s: %s", name, res.Status)
	}
	// Never write past the announced size, nor past the global bound: a
	// server sending more is wrong, and the partial file is discarded.
	limit := c.maxFileBytes()
	if info.size >= 0 {
		limit = min(limit, info.size)
	}
	w := &progressWriter{f: f, done: have, total: info.size, name: name, report: c.Progress}
	cw := pages.NewChunkWriter(w, have) // cached in huge folios for mapping
	_, err = io.Copy(cw, io.LimitReader(res.Body, max(0, limit-have)))
	// What arrived is kept even when the transfer broke: it is resumed.
	if ferr := cw.Flush(); err == nil {
		err = ferr
	}
	var probe [1]byte
	if n, _ := io.ReadFull(res.Body, probe[:]); err == nil && n > 0 {
		f.Close()
		os.Remove(partial)
		if info.size >= 0 && limit == info.size {
			return fmt.Errorf("%w: %s: the server sent more than the %d bytes it announced; the download was discarded (run the same command again)", ErrTooLarge, name, info.size)
		}
		return fmt.Errorf("%w: %s: more than %d bytes; the download was discarded", ErrTooLarge, name, limit)
	}
	if err != nil {
		if w.writeErr != nil {
			return diskError(w.writeErr, partial)
		}
		return fmt.Errorf("hub: downloading %s: %w after %d bytes (run the same command again to resume)", name, err, w.done)
	}
	return finishDownload(f, partial, blob, name, info)
}

func (c *Client) maxFileBytes() int64 {
	if c.MaxFileBytes > 0 {
		return c.MaxFileBytes
	}
	return DefaultMaxFileBytes
}

// rateLimited explains a 429 answer, with the wait the server asked for.
func rateLimited(what string, res *http.Response) error {
	wait := "a minute"
	if ra := res.Header.Get("Retry-After"); ra != "" {
		if secs, err := strconv.Atoi(ra); err == nil && secs >= 0 {
			wait = (time.Duration(secs) * time.Second).String()
		} else if t, err := http.ParseTime(ra); err == nil {
			wait = time.Until(t).Round(time.Second).String()
		}
	}
	return fmt.Errorf("%w: %s: the Hub answered %s (HINT: wait %s and run the same command again, it resumes; a token in HF_TOKEN raises the limit)", ErrRateLimited, what, res.Status, wait)
}

// finishDownload verifies a fully downloaded partial file and moves it to blob; a
// file that fails the check is removed so the next run starts afresh.
func finishDownload(f *os.File, partial, blob, name string, info fileInfo) error {
	if err := f.Sync(); err != nil {
		return diskError(err, partial)
	}
	if err := verify(f, info); err != nil {
		f.Close()
		os.Remove(partial)
		return fmt.Errorf("%w: %s: %v; the download was discarded", ErrChecksum, name, err)
	}
	if err := f.Close(); err != nil {
		return diskError(err, partial)
	}
	if err := os.Rename(partial, blob); err != nil {
		return fmt.Errorf("hub: %s: %w", name, err)
	}
	return nil
}

// progressWriter writes to the partial file and reports progress at most
// ten times a second.
type progressWriter struct {
	f           *os.File
	done, total int64
	name        string
	report      func(string, int64, int64)
	last        time.Time
	writeErr    error
}

func (w *progressWriter) Write(p []byte) (int, error) {
	n, err := w.f.Write(p)
	w.done += int64(n)
	if err != nil {
		w.writeErr = err
		return n, err
	}
	if w.report != nil && (time.Since(w.last) > 100*time.Millisecond || w.done == w.total) {
		w.last = time.Now()
		w.report(w.name, w.done, w.total)
	}
	return n, nil
}

// verify checks the file against its ETag: a SHA-256 for LFS files, the
// git blob SHA-1 for the others.
func verify(f *os.File, info fileInfo) error {
	size, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		return err
	}
	if info.size >= 0 && size != info.size {
		return fmt.Errorf("got %d bytes, the Hub announced %d", size, info.size)
	}
	var h hash.Hash
	switch len(info.etag) {
	case 64:
		h = sha256.New()
	case 40:
		h = sha1.New()
		fmt.Fprintf(h, "blob %d\x00", size)
	default:
		return nil // an ETag that is not a content hash: the size check is all we have
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	if _, err := io.Copy(h, f); err != nil {
		return err
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != info.etag {
		return fmt.Errorf("content hash %s, expected %s", got, info.etag)
	}
	return nil
}

// diskError explains a write failure, above all a full disk.
func diskError(err error, path string) error {
	if errors.Is(err, syscall.ENOSPC) {
		return fmt.Errorf("hub: the disk is full while writing %s: free some space and run the same command again (the download resumes): %w", path, err)
	}
	return fmt.Errorf("hub: writing %s: %w", path, err)
}

// link points snapshots/<commit>/<name> at ../../blobs/<etag>, replacing
// an older link atomically.
func link(repoDir, commit, name, etag string) error {
	snap := filepath.Join(repoDir, "snapshots", commit)
	if err := os.MkdirAll(snap, 0o755); err != nil {
		return diskError(err, snap)
	}
	target := filepath.Join("..", "..", "blobs", etag)
	dst := filepath.Join(snap, name)
	if old, err := os.Readlink(dst); err == nil && old == target {
		return nil
	}
	tmp := dst + ".tmp-link"
	os.Remove(tmp)
	if err := os.Symlink(target, tmp); err != nil {
		return diskError(err, tmp)
	}
	return os.Rename(tmp, dst)
}

// writeRef records which commit a branch or tag pointed at.
func writeRef(repoDir, revision, commit string) error {
	path := filepath.Join(repoDir, "refs", filepath.FromSlash(revision))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return diskError(err, path)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(commit), 0o644); err != nil {
		return diskError(err, tmp)
	}
	return os.Rename(tmp, path)
}
