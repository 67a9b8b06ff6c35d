//go:build !linux

package web

// physicalMemory returns 0: the machine's RAM is not known here, so the
// default budget is the fallback.
func physicalMemory() int64 { return 0 }
