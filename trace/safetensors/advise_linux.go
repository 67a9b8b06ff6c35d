package safetensors

import "syscall"

// adviseHuge asks the kernel to back the mapping buf with transparent huge
// pages where it can. For a file mapping this means that the pages a
// fault reads from disk are cached as 2 MiB folios, and that a 2 MiB
// folio is mapped whole, at one fault and one TLB entry. On a virtual
// machine that charges about a microsecond for the first touch of each
// 4 KiB page table entry, GPT-2 small's 500 MB read cold through an
// advised mapping was scanned later in 28–33 ms (41 ms read cold without
// the advice, 165–215 ms as it had been cached in small folios;
// bench/README.md). A refusal (THP disabled, an old kernel) changes
// nothing but the speed.
func adviseHuge(buf []byte) {
	syscall.Madvise(buf, syscall.MADV_HUGEPAGE)
}
