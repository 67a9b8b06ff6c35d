//go:build linux

package engine

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/transformer-explorer/explorer/engine/kernel"
)

// checkDirAt opens the weights in dir (the tiny model's configuration) and
// runs checkWeights as a load that starts at start would, with records in
// the directory checked.
func checkDirAt(t *testing.T, dir, checked string, start time.Time) error {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(tinyDir, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := ParseConfig(raw)
	if err != nil {
		t.Fatal(err)
	}
	files, err := openWeights(dirCheckpoint(dir))
	if err != nil {
		t.Fatal(err)
	}
	defer closeAll(files)
	_, bound, err := bindWeights(dirCheckpoint(dir), cfg, files)
	if err != nil {
		t.Fatal(err)
	}
	p := kernel.NewPool(0)
	defer p.Close()
	return checkWeights(p, files, bound, checked, start)
}

// setWeight writes x over element i of the F32 tensor name in the
// safetensors file at path, rewriting the file in place (withValue).
func setWeight(t *testing.T, path, name string, i int, x float32) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	headerLen := int(binary.LittleEndian.Uint64(raw))
	header := map[string]json.RawMessage{}
	if err := json.Unmarshal(raw[8:8+headerLen], &header); err != nil {
		t.Fatal(err)
	}
	mustWrite(t, path, withValue(t, raw, headerLen, header, name, i, x))
}

// records counts the records in the directory checked.
func records(t *testing.T, checked string) int {
	t.Helper()
	matches, err := filepath.Glob(filepath.Join(checked, "*"+checkedSuffix))
	if err != nil {
		t.Fatal(err)
	}
	return len(matches)
}

// tinyWeightsIn copies the tiny model's weight file into a new directory
// and returns the directory.
func tinyWeightsIn(t *testing.T) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(tinyDir, "model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	mustWrite(t, filepath.Join(dir, "model.safetensors"), raw)
	return dir
}

// TestCheckedWeights checks when a record of a checked weight file is
// made and when it is trusted: a file found finite is recorded, unless it
// changed within racyWindow of the check; a record spares the next check
// of the same file (shown with a file that a record vouches for although
// it holds a NaN); and a file written after its check matches no record,
// so the NaN written into it is found.
func TestCheckedWeights(t *testing.T) {
	later := time.Now().Add(time.Minute) // the files look a minute old
	weightFile := func(dir string) string { return filepath.Join(dir, "model.safetensors") }

	t.Run("racy file is checked, not recorded", func(t *testing.T) {
		dir, checked := tinyWeightsIn(t), t.TempDir()
		if err := checkDirAt(t, dir, checked, time.Now()); err != nil {
			t.Fatal(err)
		}
		if n := records(t, checked); n != 0 {
			t.Errorf("a file written just now was recorded (%d records)", n)
		}
	})

	t.Run("a change after the check is found", func(t *testing.T) {
		dir, checked := tinyWeightsIn(t), t.TempDir()
		if err := checkDirAt(t, dir, checked, later); err != nil {
			t.Fatal(err)
		}
		if n := records(t, checked); n != 1 {
			t.Fatalf("%d records after checking one good file, want 1", n)
		}
		// Let a coarse file system clock move on, as racyWindow does for
		// real loads, which this test's clock skips.
		time.Sleep(20 * time.Millisecond)
		setWeight(t, weightFile(dir), "h.1.mlp.c_fc.weight", 7, float32(math.NaN()))
		err := checkDirAt(t, dir, checked, later)
		if !errors.Is(err, ErrNonFinite) {
			t.Fatalf("after a NaN was written into the checked file: %v, want ErrNonFinite", err)
		}
	})

	t.Run("a record spares the check", func(t *testing.T) {
		dir, checked := tinyWeightsIn(t), t.TempDir()
		setWeight(t, weightFile(dir), "wte.weight", 3, float32(math.Inf(1)))
		if err := checkDirAt(t, dir, "", later); !errors.Is(err, ErrNonFinite) {
			t.Fatalf("without records: %v, want ErrNonFinite", err)
		}
		if err := checkDirAt(t, dir, checked, later); !errors.Is(err, ErrNonFinite) {
			t.Fatalf("with no record yet: %v, want ErrNonFinite", err)
		}
		if n := records(t, checked); n != 0 {
			t.Fatalf("a file with an infinity was recorded (%d records)", n)
		}
		st, err := os.Stat(weightFile(dir))
		if err != nil {
			t.Fatal(err)
		}
		id, _, ok := fileIdentity(st)
		if !ok {
			t.Fatal("no identity for a file on disk")
		}
		saveRecord(checked, id)
		if err := checkDirAt(t, dir, checked, later); err != nil {
			t.Errorf("with a record of the file: %v, want the check skipped", err)
		}
		// A record whose text is not the identity is not trusted.
		mustWrite(t, recordPath(checked, id), []byte(id+" and more\n"))
		if err := checkDirAt(t, dir, checked, later); !errors.Is(err, ErrNonFinite) {
			t.Errorf("with a damaged record: %v, want ErrNonFinite", err)
		}
	})
}

// TestCheckedWeightsTrim checks that the records directory keeps only the
// most recently used maxCheckedRecords records.
func TestCheckedWeightsTrim(t *testing.T) {
	checked := t.TempDir()
	for i := range maxCheckedRecords + 5 {
		saveRecord(checked, "file "+string(rune('A'+i)))
	}
	if n := records(t, checked); n != maxCheckedRecords {
		t.Errorf("%d records, want %d", n, maxCheckedRecords)
	}
}
