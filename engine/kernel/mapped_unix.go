//go:build unix

package kernel

import (
	"fmt"
	"syscall"
	"unsafe"
)

// mapFloats returns n zeroed float32s in an anonymous private mapping,
// outside the Go heap, and the function that unmaps them.
func mapFloats(n int) ([]float32, func(), error) {
	mem, err := syscall.Mmap(-1, 0, 4*n, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		return nil, nil, fmt.Errorf("kernel: map %d MB: %w", (4*n)>>20, err)
	}
	return unsafe.Slice((*float32)(unsafe.Pointer(&mem[0])), n), func() { syscall.Munmap(mem) }, nil
}
