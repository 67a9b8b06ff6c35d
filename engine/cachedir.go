package engine

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/transformer-explorer/explorer/engine/atomicfile"
)

// staleTemp is the age after which a temporary file that a writer left
// behind in a cache directory (a process killed while writing) is removed.
const staleTemp = time.Hour

// trimCache removes the least recently used files named with suffix in the
// directory cache beyond the newest keep, and temporary files older than
// staleTemp.
func trimCache(cache, suffix string, keep int) {
	entries, err := os.ReadDir(cache)
	if err != nil {
		return
	}
	type entry struct {
		path string
		used time.Time
	}
	var kept []entry
	for _, e := range entries {
		name := e.Name()
		temp := atomicfile.IsTemporary(name)
		if !e.Type().IsRegular() || !temp && !strings.HasSuffix(name, suffix) {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue
		}
		path := filepath.Join(cache, name)
		if temp {
			if time.Since(info.ModTime()) > staleTemp {
				os.Remove(path)
			}
			continue
		}
		kept = append(kept, entry{path, info.ModTime()})
	}
	if len(kept) <= keep {
		return
	}
	slices.SortFunc(kept, func(a, b entry) int { return b.used.Compare(a.used) })
	for _, old := range kept[keep:] {
		os.Remove(old.path)
	}
}
