//go:build !linux

package pages

// Evict does nothing outside Linux: whether madvise(MADV_DONTNEED) drops
// the pages of a shared file mapping, and keeps its values, differs from
// one system to the next, so the weights stay resident there.
func Evict(x []float32) {}

// Populate does nothing outside Linux: the pages of x are mapped at their
// first touch.
func Populate(x []float32) {}

// NewFloats returns n zeroed float32s with capacity c (c ≥ n). Only on
// Linux does it ask for huge pages (see madvise_linux.go).
func NewFloats(n, c int) []float32 { return make([]float32, n, max(n, c)) }

// HugeBytes returns n zeroed bytes. Only on Linux does it ask for huge
// pages (see madvise_linux.go).
func HugeBytes(n int) []byte { return make([]byte, n) }
