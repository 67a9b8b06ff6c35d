package benchenv

import (
	"syscall"
	"testing"
	"unsafe"
)

func TestPmdMappedKB(t *testing.T) {
	m, err := syscall.Mmap(-1, 0, 1<<20, syscall.PROT_READ, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Munmap(m)
	addr := uintptr(unsafe.Pointer(unsafe.SliceData(m)))
	if kb, err := pmdMappedKB(addr); err != nil || kb != 0 {
		t.Errorf("an anonymous mapping: FilePmdMapped %d kB, %v; want 0", kb, err)
	}
	if _, err := pmdMappedKB(addr + 4096); err == nil {
		t.Error("an address inside a mapping, not at its start, was found")
	}
}
