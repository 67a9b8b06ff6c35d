//go:build !unix

package safetensors

import (
	"io"
	"os"
)

// mapFile reads the file into memory on platforms without mmap support here.
// It never maps, so mapped is false.
func mapFile(fd *os.File, size int64) (buf []byte, unmap func() error, mapped bool, err error) {
	buf = make([]byte, size)
	if _, err := io.ReadFull(fd, buf); err != nil {
		return nil, nil, false, err
	}
	return buf, func() error { return nil }, false, nil
}
