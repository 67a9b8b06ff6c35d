package kernel

import (
	"syscall"
	"unsafe"
)

// Evict drops the memory pages that lie wholly inside x from the process's
// resident set (madvise MADV_DONTNEED). x must alias a read-only shared
// mapping of a file, such as a memory-mapped checkpoint: its values stay
// as they are, and the next read maps the pages again from the page cache
// (a minor fault per large folio, ≈ 3 ms for all of GPT-2 small's 500
// MB). On memory of any other kind Evict would lose data.
func Evict(x []float32) {
	if len(x) == 0 {
		return
	}
	page := uintptr(syscall.Getpagesize())
	b := unsafe.Slice((*byte)(unsafe.Pointer(&x[0])), 4*len(x))
	addr := uintptr(unsafe.Pointer(&b[0]))
	lo := int(-addr & (page - 1))                       // to the first page boundary
	hi := len(b) - int((addr+uintptr(len(b)))&(page-1)) // back to the last one
	if hi <= lo {
		return
	}
	// Only page table entries of a shared file mapping are dropped.
	syscall.Madvise(b[lo:hi], syscall.MADV_DONTNEED)
}
