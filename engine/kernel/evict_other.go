//go:build !linux

package kernel

// Evict does nothing outside Linux: whether madvise(MADV_DONTNEED) drops
// the pages of a shared file mapping, and keeps its values, differs from
// one system to the next, so the weights stay resident there.
func Evict(x []float32) {}
