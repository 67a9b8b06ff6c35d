package kernel

import "math"

// FirstNonFinite returns the index of the first NaN or infinity in x, or
// −1 when every element is finite: a float32 is not finite when its 8
// exponent bits are all ones. The engine checks a checkpoint's weights
// with it at load, so it runs at memory speed (AVX2 on amd64).
func FirstNonFinite(x []float32) int {
	return vecImpl.firstNonFinite(x)
}

// expBits are a float32's exponent bits.
const expBits = 0x7f800000

func firstNonFiniteGo(x []float32) int {
	for i, v := range x {
		if math.Float32bits(v)&expBits == expBits {
			return i
		}
	}
	return -1
}
