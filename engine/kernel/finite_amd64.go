//go:build amd64 && !purego

package kernel

// nonFiniteBlockAVX2 scans n floats at x, n a multiple of 32, and returns
// the offset of the first block of 32 that holds a NaN or infinity, or −1.
//
//go:noescape
func nonFiniteBlockAVX2(n int, x *float32) int

// firstNonFiniteAVX2Go finds the block with the assembly and the element
// within it, and the tail, in Go.
func firstNonFiniteAVX2Go(x []float32) int {
	m := len(x) &^ 31
	if m > 0 {
		if b := nonFiniteBlockAVX2(m, &x[0]); b >= 0 {
			return b + firstNonFiniteGo(x[b:b+32])
		}
	}
	if i := firstNonFiniteGo(x[m:]); i >= 0 {
		return m + i
	}
	return -1
}
