package safetensors_test

import (
	"strings"
	"testing"
	"unsafe"

	"github.com/transformer-explorer/explorer/trace/safetensors"
	"github.com/transformer-explorer/explorer/trace/tracetest"
)

// TestOpenAdvisesHugePages checks that Open marks its mapping for
// transparent huge pages ("hg" in the VmFlags of /proc/self/smaps), so
// that the page cache reads the file into 2 MiB folios that are mapped
// whole (adviseHuge).
func TestOpenAdvisesHugePages(t *testing.T) {
	f, err := safetensors.Open("../../testdata/conformance/tiny-gpt2/model.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	_, raw, err := f.Bytes("wte.weight")
	if err != nil {
		t.Fatal(err)
	}
	if !f.Mapped() {
		t.Fatal("not mapped")
	}
	flags, err := tracetest.VMFlags(uintptr(unsafe.Pointer(unsafe.SliceData(raw))))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(" "+flags+" ", " hg ") {
		t.Errorf("mapping flags %q lack hg", flags)
	}
}
