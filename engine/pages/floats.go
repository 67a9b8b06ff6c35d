package pages

import "unsafe"

// HugeFloats is HugeBytes for n float32s.
func HugeFloats(n int) []float32 {
	if n == 0 {
		return nil
	}
	b := HugeBytes(4 * n)
	return unsafe.Slice((*float32)(unsafe.Pointer(unsafe.SliceData(b))), n)
}
