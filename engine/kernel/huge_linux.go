package kernel

import (
	"syscall"
	"unsafe"
)

// hugePage is the size of a transparent huge page on amd64 and arm64 with
// 4 KiB base pages.
const hugePage = 2 << 20

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
// it changes nothing, and it never changes the values.
func NewFloats(n, c int) []float32 {
	x := make([]float32, n, max(n, c))
	adviseHuge(x[:cap(x)])
	return x
}

// adviseHuge marks the 2 MiB-aligned interior of x for transparent huge
// pages. It ignores errors: without THP the buffer works as before.
func adviseHuge(x []float32) {
	if 4*len(x) < 2*hugePage {
		return
	}
	b := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(x))), 4*len(x))
	addr := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	lo := int(-addr & (hugePage - 1))                       // up to the first huge page boundary
	hi := len(b) - int((addr+uintptr(len(b)))&(hugePage-1)) // back to the last one
	if hi <= lo {
		return
	}
	syscall.Madvise(b[lo:hi], syscall.MADV_HUGEPAGE)
}
