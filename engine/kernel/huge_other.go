//go:build !linux

package kernel

// NewFloats returns n zeroed float32s with capacity c (c ≥ n). Only on
// Linux does it ask for huge pages (see huge_linux.go).
func NewFloats(n, c int) []float32 { return make([]float32, n, max(n, c)) }
