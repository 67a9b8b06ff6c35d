package pages

import (
	"os"
	"strings"
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
