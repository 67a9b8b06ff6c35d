//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package hub

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// lockBlob takes the lock the Python client takes before it writes a blob:
// dir/<etag>.lock, with dir <cache>/.locks/models--org--name, held with
// flock(2). So two downloads of one file (ours or transformers') never
// write it at once. It waits until the lock is free or ctx ends; the
// returned func unlocks.
func lockBlob(ctx context.Context, dir, etag string) (func(), error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, diskError(err, dir)
	}
	path := filepath.Join(dir, etag+".lock")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, diskError(err, path)
	}
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() {
				syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
				f.Close()
			}, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			f.Close()
			return nil, fmt.Errorf("hub: lock %s: %w", path, err)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}
