// Package atomicfile writes output files that appear whole or not at all.
//
// The bytes go to a temporary file beside the target, with a name no
// other writer uses (".NAME.*.tmp"), which is flushed, synced and renamed
// over the target only once it is complete. Any failure — an error of the
// caller's writer, a full disk, a rename that cannot be made — removes the
// temporary file and leaves an existing target as it was. Two writers of
// the same target never share a temporary; the last to commit wins.
//
// Every file the explorer writes for its user (checkpoints, corpora,
// exports, handouts, tokenizer files) goes through this package; trace
// files are written by package trace, which imports none of ours, and
// downloaded blobs by engine/hub, which resumes its partial files.
package atomicfile

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/transformer-explorer/explorer/engine/pages"
)

// ErrFinished is returned by Commit after Commit or Abort.
var ErrFinished = errors.New("atomicfile: the file was already committed or aborted")

// A File is an output file being written: a buffered writer over a
// temporary file beside its target. It is used by one goroutine. Commit
// moves it into place; Abort, deferred right after Create, discards it on
// every other path.
type File struct {
	*bufio.Writer
	chunks *pages.ChunkWriter // between the buffer and f
	f      *os.File
	path   string
	done   bool
}

// Create starts writing path: its directory must exist. The file will be
// readable by everyone (mode 0644) once committed.
func Create(path string) (*File, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*"+tempSuffix)
	if err != nil {
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	// The file reaches the disk in 2 MiB chunks at 2 MiB offsets, which
	// the page cache keeps in huge folios: a checkpoint written here maps
	// fast when it is loaded (pages.ChunkWriter).
	chunks := pages.NewChunkWriter(f, 0)
	return &File{Writer: bufio.NewWriterSize(chunks, 1<<16), chunks: chunks, f: f, path: path}, nil
}

// tempSuffix ends the names of temporary files (".NAME.*.tmp").
const tempSuffix = ".tmp"

// IsTemporary reports whether a file name is that of a temporary file
// of this package, one a writer is still writing or one a crashed writer
// left behind (which only its age tells apart).
func IsTemporary(name string) bool {
	return strings.HasPrefix(name, ".") && strings.HasSuffix(name, tempSuffix)
}

// Name returns the path the file will have once committed.
func (a *File) Name() string { return a.path }

// Commit flushes, syncs and renames the file over its target. On any
// error the temporary file is removed and the target left as it was.
func (a *File) Commit() error {
	if a.done {
		return fmt.Errorf("write %s: %w", a.path, ErrFinished)
	}
	a.done = true
	err := a.Flush()
	if err == nil {
		err = a.chunks.Flush()
	}
	if err == nil {
		err = a.f.Chmod(0o644)
	}
	if err == nil {
		err = a.f.Sync()
	}
	if cerr := a.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(a.f.Name(), a.path)
	}
	if err != nil {
		os.Remove(a.f.Name())
		return fmt.Errorf("write %s: %w", a.path, err)
	}
	return nil
}

// Abort discards the file, unless Commit has run (then it does nothing),
// so that deferring it after Create cleans up on every error path.
func (a *File) Abort() {
	if a.done {
		return
	}
	a.done = true
	a.f.Close()
	os.Remove(a.f.Name())
}

// WriteFile writes data to path through a File: path holds either its old
// contents or data, never a part of data, and no temporary is left behind.
func WriteFile(path string, data []byte) error {
	a, err := Create(path)
	if err != nil {
		return err
	}
	defer a.Abort()
	if _, err := a.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return a.Commit()
}
