//go:build !linux

package benchenv

import "errors"

// HugeShare is implemented on Linux only, where the page cache's folio
// sizes can be read off /proc/self/smaps.
func HugeShare(path string) (float64, error) { return 0, errors.ErrUnsupported }
