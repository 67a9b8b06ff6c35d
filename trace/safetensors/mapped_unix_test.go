//go:build unix

package safetensors

import (
	"os"
	"testing"
)

// TestMapped checks that Open maps a file and says so, and that Parse,
// which holds the caller's buffer, does not claim a mapping.
func TestMapped(t *testing.T) {
	f, err := Open(tinyModel)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if !f.Mapped() {
		t.Errorf("Open(%s).Mapped() = false, want true", tinyModel)
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
}
