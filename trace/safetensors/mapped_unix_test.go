//go:build unix

package safetensors

import (
	"os"
	"testing"
)

// TestMapped checks that Open maps a file and says so, and describes the
// file it opened (Stat), and that Parse, which holds the caller's buffer,
// claims neither a mapping nor a file.
func TestMapped(t *testing.T) {
	f, err := Open(tinyModel)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if !f.Mapped() {
		t.Errorf("Open(%s).Mapped() = false, want true", tinyModel)
	}
	want, err := os.Stat(tinyModel)
	if err != nil {
		t.Fatal(err)
	}
	if st := f.Stat(); st == nil || !os.SameFile(st, want) || st.Size() != want.Size() {
		t.Errorf("Open(%s).Stat() = %v, want the file's own", tinyModel, st)
	}
	raw, err := os.ReadFile(tinyModel)
	if err != nil {
		t.Fatal(err)
	}
	g, err := Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	if g.Mapped() {
		t.Error("Parse(buffer).Mapped() = true, want false")
	}
	if g.Stat() != nil {
		t.Error("Parse(buffer).Stat() is not nil")
	}
}
