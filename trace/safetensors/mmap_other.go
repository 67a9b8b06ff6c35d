//go:build !unix

package safetensors

import (
	"io"
	"os"
)

// mapFile reads the file into memory on platforms without mmap support here.
func mapFile(fd *os.File, size int64) ([]byte, func() error, error) {
	buf := make([]byte, size)
	if _, err := io.ReadFull(fd, buf); err != nil {
		return nil, nil, err
	}
	return buf, func() error { return nil }, nil
}
