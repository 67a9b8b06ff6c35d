package benchenv

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"unsafe"
)

// HugeShare maps the file at path as the explorer does (shared,
// read-only, MADV_HUGEPAGE, populated) and returns the share of its bytes
// that the kernel mapped in 2 MiB pages (the mapping's FilePmdMapped in
// /proc/self/smaps). Parts not cached yet are read first, in 2 MiB folios.
func HugeShare(path string) (float64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return 0, err
	}
	if st.Size() == 0 {
		return 1, nil
	}
	m, err := syscall.Mmap(int(f.Fd()), 0, int(st.Size()), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return 0, err
	}
	defer syscall.Munmap(m)
	syscall.Madvise(m, syscall.MADV_HUGEPAGE)
	const madvPopulateRead = 22
	addr := uintptr(unsafe.Pointer(unsafe.SliceData(m)))
	if _, _, e := syscall.Syscall(syscall.SYS_MADVISE, addr, uintptr(len(m)), madvPopulateRead); e != 0 {
		return 0, fmt.Errorf("populate: %w", e)
	}
	kb, err := pmdMappedKB(addr)
	if err != nil {
		return 0, err
	}
	return float64(kb<<10) / float64(st.Size()), nil
}

// pmdMappedKB reads the FilePmdMapped of the mapping that starts at addr
// from /proc/self/smaps.
func pmdMappedKB(addr uintptr) (int64, error) {
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	start := strconv.FormatUint(uint64(addr), 16) + "-"
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if fields := strings.Fields(line); len(fields) > 0 && strings.Contains(fields[0], "-") && !strings.HasSuffix(fields[0], ":") {
			in = strings.HasPrefix(line, start)
			continue
		}
		if in && strings.HasPrefix(line, "FilePmdMapped:") {
			return strconv.ParseInt(strings.Fields(line)[1], 10, 64)
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("no FilePmdMapped for the mapping at %#x in /proc/self/smaps", addr)
}
