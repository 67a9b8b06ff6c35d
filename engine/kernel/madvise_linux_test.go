package kernel

import (
	"bufio"
	"fmt"
	"os"
	"strings"
	"testing"
	"unsafe"
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
			flags, err := vmFlags(mid)
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

// vmFlags returns the VmFlags line of the mapping in /proc/self/smaps that
// holds addr.
func vmFlags(addr uintptr) (string, error) {
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		return "", err
	}
	defer f.Close()
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		var lo, hi uintptr
		if n, _ := fmt.Sscanf(line, "%x-%x", &lo, &hi); n == 2 { // a mapping's header
			in = lo <= addr && addr < hi
			continue
		}
		if in && strings.HasPrefix(line, "VmFlags:") {
			return strings.TrimSpace(strings.TrimPrefix(line, "VmFlags:")), nil
		}
	}
	if err := sc.Err(); err != nil {
		return "", err
	}
	return "", fmt.Errorf("no mapping of /proc/self/smaps holds %#x", addr)
}
