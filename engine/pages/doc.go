// Package pages asks the operating system how to back memory: transparent
// huge pages for large buffers that are about to be written (NewFloats,
// HugeBytes), dropping the pages of a read-only file mapping that will
// not be read again soon (Evict) or mapping them ahead of use (Populate),
// and writing a file in aligned 2 MiB
// chunks that the page cache keeps in huge folios, so that mapping it
// later is fast (ChunkWriter). None of it changes a value; on systems
// other than Linux every function is the plain allocation or does nothing
// (ChunkWriter writes the same chunks everywhere).
//
// Why it matters: on a virtual machine a page fault can be dear (≈ 12 µs
// per 4 KiB page on the 2-vCPU Zen 5 VM of bench/README.md), and a
// one-shot command writes tens of megabytes of fresh memory.
package pages
