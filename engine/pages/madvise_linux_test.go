package pages

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"unsafe"

	"github.com/transformer-explorer/explorer/trace/tracetest"
)

// TestNewFloatsAsksForHugePages checks that a large buffer from NewFloats
// is zeroed, has the length and capacity asked for, and lies in a mapping
// the kernel marks for transparent huge pages ("hg" in the VmFlags of
// /proc/self/smaps).
func TestNewFloatsAsksForHugePages(t *testing.T) {
	if _, err := os.Stat("/sys/kernel/mm/transparent_hugepage/enabled"); err != nil {
		t.Skip("this kernel has no transparent huge pages")
	}
	for _, tc := range []struct {
		name   string
		n, c   int
		marked bool
	}{
		{"1 MiB, below two huge pages", 1 << 18, 1 << 18, false},
		{"16 MiB", 4 << 20, 4 << 20, true},
		{"8 MiB in a 10 MiB capacity", 2 << 20, 10 << 18, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x := NewFloats(tc.n, tc.c)
			if len(x) != tc.n || cap(x) != max(tc.n, tc.c) {
				t.Fatalf("len %d cap %d, want %d and %d", len(x), cap(x), tc.n, max(tc.n, tc.c))
			}
			for i, v := range x {
				if v != 0 {
					t.Fatalf("x[%d] = %v, want 0", i, v)
				}
			}
			// The middle of the buffer lies inside its aligned interior.
			mid := uintptr(unsafe.Pointer(&x[:cap(x)][cap(x)/2]))
			flags, err := tracetest.VMFlags(mid)
			if err != nil {
				t.Fatal(err)
			}
			// A small buffer is not advised, but may reuse memory an
			// earlier large one had marked, so only marks are checked.
			if tc.marked && !strings.Contains(" "+flags+" ", " hg ") {
				t.Errorf("VmFlags of the mapping holding the buffer: %q, without hg (huge pages advised)", flags)
			}
		})
	}
}

// TestHugeBytes checks that a large buffer from HugeBytes is zeroed, has
// the length asked for, starts at a 2 MiB boundary and lies, first byte to
// last, in a mapping marked for huge pages; a small one is a plain slice.
func TestHugeBytes(t *testing.T) {
	if _, err := os.Stat("/sys/kernel/mm/transparent_hugepage/enabled"); err != nil {
		t.Skip("this kernel has no transparent huge pages")
	}
	for _, n := range []int{1000, 1<<20 - 1, 1 << 20, 2<<20 - 1, 2 << 20, 4<<20 - 1, 10<<20 + 12345} {
		b := HugeBytes(n)
		if len(b) != n || cap(b) != n {
			t.Fatalf("HugeBytes(%d): len %d cap %d", n, len(b), cap(b))
		}
		for i, v := range b {
			if v != 0 {
				t.Fatalf("HugeBytes(%d)[%d] = %d, want 0", n, i, v)
			}
		}
		if n < hugePage/2 {
			continue
		}
		if addr := uintptr(unsafe.Pointer(&b[0])); addr%hugePage != 0 {
			t.Errorf("HugeBytes(%d) starts at %#x, not at a 2 MiB boundary", n, addr)
		}
		for _, at := range []int{0, n - 1} {
			flags, err := tracetest.VMFlags(uintptr(unsafe.Pointer(&b[at])))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(" "+flags+" ", " hg ") {
				t.Errorf("HugeBytes(%d): byte %d lies in a mapping without hg: %q", n, at, flags)
			}
		}
	}
}

// TestPopulate checks that after Populate, reading every page of a
// mapped file takes no page fault, where reading a second mapping of the
// same file without it does.
func TestPopulate(t *testing.T) {
	const n = 8 << 20
	path := filepath.Join(t.TempDir(), "weights")
	if err := os.WriteFile(path, make([]byte, n), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	// faultsReading maps the file, populates it when asked, and counts the minor faults of reading a byte of each page.
	faultsReading := func(populate bool) int64 {
		b, err := syscall.Mmap(int(f.Fd()), 0, n, syscall.PROT_READ, syscall.MAP_SHARED)
		if err != nil {
			t.Fatal(err)
		}
		defer syscall.Munmap(b)
		if populate {
			// Not page-aligned at either end: Populate maps the pages
			// holding the slice.
			Populate(unsafe.Slice((*float32)(unsafe.Pointer(&b[100])), (n-200)/4))
		}
		before := minorFaults()
		var sum byte
		for i := 0; i < n; i += 4096 {
			sum += b[i]
		}
		after := minorFaults()
		if sum != 0 {
			t.Fatalf("read %d from a file of zeros", sum)
		}
		return after - before
	}
	plain := faultsReading(false)
	if plain < 8 {
		t.Skipf("reading %d MiB of a fresh mapping took only %d faults; nothing to save", n>>20, plain)
	}
	if got := faultsReading(true); got != 0 {
		b, err := syscall.Mmap(int(f.Fd()), 0, 4096, syscall.PROT_READ, syscall.MAP_SHARED)
		if err != nil {
			t.Fatal(err)
		}
		defer syscall.Munmap(b)
		if syscall.Madvise(b, madvPopulateRead) == syscall.EINVAL {
			t.Skip("this kernel has no MADV_POPULATE_READ (Linux 5.14)")
		}
		t.Errorf("reading the populated mapping took %d faults, want 0 (%d without Populate)", got, plain)
	}
}

func minorFaults() int64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru.Minflt
}
