package safetensors

import "syscall"

// adviseHuge asks the kernel to back the mapping buf with transparent huge
// pages where it can. For a file mapping this means that the pages a
// fault reads from disk are cached as 2 MiB folios, and that a 2 MiB
// folio is mapped whole, at one fault and one TLB entry: on a virtual
// machine that charges about a microsecond for the first touch of each
// 4 KiB page table entry, reading GPT-2 small's 500 MB that way takes
// 25–35 ms instead of 165–215 ms (bench/README.md). A refusal (THP
// disabled, an old kernel) changes nothing but the speed.
func adviseHuge(buf []byte) {
	syscall.Madvise(buf, syscall.MADV_HUGEPAGE)
}
