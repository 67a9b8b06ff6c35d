package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
)

// An atomicFile is an output file written beside its final path and moved
// there by Commit only once complete, so that a failure (a full disk, an
// interrupt) leaves no partial file and an existing one untouched.
type atomicFile struct {
	*bufio.Writer
	f    *os.File
	path string
	done bool
}

// createAtomic starts writing path.
func createAtomic(path string) (*atomicFile, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	return &atomicFile{Writer: bufio.NewWriterSize(f, 1<<16), f: f, path: path}, nil
}

// Commit flushes, syncs and moves the file into place.
func (a *atomicFile) Commit() error {
	if a.done {
		return fmt.Errorf("write %s: already finished", a.path)
	}
	a.done = true
	err := a.Flush()
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

// Abort discards the file, unless Commit moved it into place; deferring it
// after createAtomic cleans up on every error path.
func (a *atomicFile) Abort() {
	if a.done {
		return
	}
	a.done = true
	a.f.Close()
	os.Remove(a.f.Name())
}

// writeFileAtomic writes data to path through an atomicFile.
func writeFileAtomic(path string, data []byte) error {
	a, err := createAtomic(path)
	if err != nil {
		return err
	}
	defer a.Abort()
	if _, err := a.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return a.Commit()
}
