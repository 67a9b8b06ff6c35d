//go:build !unix

package kernel

// mapFloats returns n zeroed float32s. Without mmap they come from the Go
// heap; unmapping is left to the garbage collector.
func mapFloats(n int) ([]float32, func(), error) {
	return make([]float32, n), func() {}, nil
}
