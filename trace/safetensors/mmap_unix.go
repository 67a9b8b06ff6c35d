//go:build unix

package safetensors

import (
	"io"
	"os"
	"syscall"
)

// mapFile maps size bytes of fd read-only and reports mapped. If the file
// system refuses to map it, the file is read into memory instead.
func mapFile(fd *os.File, size int64) (buf []byte, unmap func() error, mapped bool, err error) {
	if int64(int(size)) != size {
		return readFile(fd, size)
	}
	buf, err = syscall.Mmap(int(fd.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return readFile(fd, size)
	}
	adviseHuge(buf)
	return buf, func() error { return syscall.Munmap(buf) }, true, nil
}

func readFile(fd *os.File, size int64) ([]byte, func() error, bool, error) {
	buf := make([]byte, size)
	if _, err := io.ReadFull(fd, buf); err != nil {
		return nil, nil, false, err
	}
	return buf, func() error { return nil }, false, nil
}
