package pages

import (
	"syscall"
	"unsafe"
)

// hugePage is the size of a transparent huge page on amd64 and arm64 with
// 4 KiB base pages.
const hugePage = 2 << 20

// Evict drops the memory pages that lie wholly inside x from the process's
// resident set (madvise MADV_DONTNEED). x must alias a read-only shared
// mapping of a file, such as a memory-mapped checkpoint: its values stay
// as they are, and the next read maps the pages again from the page cache
// (a minor fault per large folio, ≈ 3 ms for all of GPT-2 small's 500
// MB). On memory of any other kind Evict would lose data.
func Evict(x []float32) {
	// Only page table entries of a shared file mapping are dropped.
	if b := interior(x, syscall.Getpagesize()); len(b) > 0 {
		syscall.Madvise(b, syscall.MADV_DONTNEED)
	}
}

// madvPopulateRead is MADV_POPULATE_READ (Linux 5.14), which the syscall
// package does not name.
const madvPopulateRead = 22

// Populate maps the pages holding x, a read-only shared mapping of a file,
// into the process's page table ahead of use, from the page cache (reading
// the file where they are not cached), without the process touching them
// (madvise MADV_POPULATE_READ): a later read then takes no fault. For a
// file cached in 2 MiB folios that costs ≈ 1 ms for all of GPT-2 small's
// 500 MB on the VM of bench/README.md. Errors are ignored: a kernel older
// than 5.14 leaves the pages to be mapped at first touch, as without the
// call.
func Populate(x []float32) {
	if len(x) == 0 {
		return
	}
	ps := uintptr(syscall.Getpagesize())
	lo := uintptr(unsafe.Pointer(unsafe.SliceData(x))) &^ (ps - 1)
	hi := (uintptr(unsafe.Pointer(unsafe.SliceData(x))) + 4*uintptr(len(x)) + ps - 1) &^ (ps - 1)
	syscall.Syscall(syscall.SYS_MADVISE, lo, hi-lo, madvPopulateRead)
}

// NewFloats returns n zeroed float32s with capacity c (c ≥ n) from the Go
// heap. When the buffer spans whole 2 MiB huge pages it asks the kernel
// (madvise MADV_HUGEPAGE) to back them with transparent huge pages, which
// Linux gives a process only when asked unless its THP mode is "always".
//
// Why: a fresh buffer costs a page fault per 4 KiB on first write. On a
// virtual machine a fault is dear (measured on a 2-vCPU Zen 5 VM: about
// 12 µs per 4 KiB page, so the 26 MB of logits of a 128-token pass of
// GPT-2 small cost 6,300 faults, ≈ 75 ms of CPU); with huge pages it is one
// fault per 2 MiB. The advice only helps memory not yet touched (a large
// allocation fresh from the OS, which Go does not clear); on reused memory
// it changes nothing, and it never changes the values. Errors are ignored:
// without THP the buffer works as before.
func NewFloats(n, c int) []float32 {
	x := make([]float32, n, max(n, c))
	if 4*cap(x) >= 2*hugePage {
		if b := interior(x[:cap(x)], hugePage); len(b) > 0 {
			syscall.Madvise(b, syscall.MADV_HUGEPAGE)
		}
	}
	return x
}

// HugeBytes returns n zeroed bytes from the Go heap. When n is half a huge
// page (1 MiB) or more they start at a 2 MiB boundary, lie in whole huge
// pages reserved for them, and the kernel is asked (madvise MADV_HUGEPAGE)
// to back those with transparent huge pages, so that every byte, the first
// and the last too, faults in at 2 MiB. The reserved slack, less than
// 4 MiB, is never touched; what the last huge page holds beyond n is
// resident with it, at most 1 MiB more than n. It is meant for a buffer
// that will be written whole, such as a file read into memory or a
// kernel's packing buffer: for one of 1–2 MiB, one fault of a huge page
// costs less than the 256–512 faults of 4 KiB pages it replaces (a
// kernel's two packing blocks are 1.97 MiB, and were faulted in 4 KiB
// pages while the threshold was a whole huge page).
func HugeBytes(n int) []byte {
	if n < hugePage/2 {
		return make([]byte, n)
	}
	whole := (n + hugePage - 1) &^ (hugePage - 1)
	b := make([]byte, whole+hugePage)
	off := int(-uintptr(unsafe.Pointer(unsafe.SliceData(b))) & (hugePage - 1))
	b = b[off : off+whole]
	syscall.Madvise(b, syscall.MADV_HUGEPAGE)
	return b[:n:n]
}

// interior returns the bytes of x that lie in whole align-sized blocks
// (align a power of two), aligned at both ends; empty when there are none.
func interior(x []float32, align int) []byte {
	if len(x) == 0 {
		return nil
	}
	b := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(x))), 4*len(x))
	addr, mask := uintptr(unsafe.Pointer(unsafe.SliceData(b))), uintptr(align-1)
	lo := int(-addr & mask)                         // up to the first boundary
	hi := len(b) - int((addr+uintptr(len(b)))&mask) // back to the last one
	if hi <= lo {
		return nil
	}
	return b[lo:hi]
}
