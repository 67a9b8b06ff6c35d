package engine

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"time"

	"github.com/transformer-explorer/explorer/engine/atomicfile"
	"github.com/transformer-explorer/explorer/engine/kernel"
	"github.com/transformer-explorer/explorer/engine/pages"
	"github.com/transformer-explorer/explorer/trace/safetensors"
)

// Checks that need not be repeated. Loading checks that every weight is
// finite (checkFinite), which reads the whole checkpoint: for GPT-2 small
// two-thirds of a load (≈ 25 of 37 ms on the VM of bench/README.md). A
// load with LoadOptions.CheckedWeights records every weight file it found
// finite, by the file's identity (fileIdentity: device, inode, size,
// modification and change times), and a later load of a file that matches
// a record maps its pages (pages.Populate) instead of reading them.
//
// Any write to a file sets its change time, which no program can set
// back, so a file changed after its check no longer matches its record
// and is checked again. File systems stamp times in steps of a clock
// tick, though, so a file written within a tick after its check could
// keep the times the record holds: a file changed less than racyWindow
// before the check began is checked but not recorded (Git's "racily
// clean" index entries are the same problem), and is recorded by a later
// load once it has stayed unchanged that long.

const (
	// checkedSuffix ends the names of records in a CheckedWeights directory.
	checkedSuffix = ".checked"
	// maxCheckedRecords bounds the directory: the least recently used
	// records beyond it are removed (each is a line of text).
	maxCheckedRecords = 64
	// racyWindow is how long a file must have been unchanged before a
	// check for its record to be kept; far longer than any file system's
	// time stamp step.
	racyWindow = 2 * time.Second
)

// checkWeights runs checkFinite over the weights in bound, except those of
// files that a record in the directory checked vouches for (none when
// checked is empty), whose pages it maps instead. When the check passes it
// records the files it read, unless one changed within racyWindow before
// start, the time the check begins.
func checkWeights(p *kernel.Pool, files map[string]*safetensors.File, bound []boundTensor, checked string, start time.Time) error {
	vouched := map[string]bool{} // shard name -> a record matches it
	var unrecorded []string      // identities to record once the check passes
	if checked != "" {
		for shard, f := range files {
			id, changed, ok := fileIdentity(f.Stat())
			switch {
			case !ok:
			case hasRecord(checked, id):
				vouched[shard] = true
			case start.Sub(changed) > racyWindow:
				unrecorded = append(unrecorded, id)
			}
		}
	}
	scan := make([]boundTensor, 0, len(bound))
	for _, t := range bound {
		if !vouched[t.shard] {
			scan = append(scan, t)
		} else if t.mapped {
			pages.Populate(t.data)
		}
	}
	if err := checkFinite(p, scan); err != nil {
		return err
	}
	for _, id := range unrecorded {
		saveRecord(checked, id)
	}
	return nil
}

// recordPath is where the record of the file with identity id lives in the
// directory checked.
func recordPath(checked, id string) string {
	sum := sha256.Sum256([]byte(id))
	return filepath.Join(checked, hex.EncodeToString(sum[:16])+checkedSuffix)
}

// hasRecord reports whether the directory checked holds the record of the
// file with identity id, and marks it most recently used.
func hasRecord(checked, id string) bool {
	path := recordPath(checked, id)
	raw, err := os.ReadFile(path)
	if err != nil || string(raw) != id+"\n" {
		return false
	}
	now := time.Now()
	os.Chtimes(path, now, now)
	return true
}

// saveRecord writes the record of the file with identity id into the
// directory checked, then trims the directory. It reports nothing: a
// record that cannot be written only makes the next load check again.
func saveRecord(checked, id string) {
	if err := os.MkdirAll(checked, 0o755); err != nil {
		return
	}
	f, err := atomicfile.Create(recordPath(checked, id))
	if err != nil {
		return
	}
	defer f.Abort()
	if _, err := f.Write([]byte(id + "\n")); err != nil || f.Commit() != nil {
		return
	}
	trimCache(checked, checkedSuffix, maxCheckedRecords)
}
