package safetensors

import (
	"encoding/binary"
	"fmt"
	"math"
	"unsafe"
)

// hostLittleEndian reports whether this machine stores integers least
// significant byte first, which lets F32 data be used in place.
var hostLittleEndian = func() bool {
	x := uint16(1)
	return *(*byte)(unsafe.Pointer(&x)) == 1
}()

// ToFloat32 converts raw little-endian elements of type dt to float32.
// F32 data that is 4-byte aligned on a little-endian host is returned as a
// view of raw without copying; every other case allocates.
func ToFloat32(dt DType, raw []byte) ([]float32, error) {
	size := dt.Size()
	if size == 0 {
		return nil, fmt.Errorf("%w %q", ErrDType, dt)
	}
	if len(raw)%size != 0 {
		return nil, fmt.Errorf("safetensors: %d bytes is not a whole number of %s elements", len(raw), dt)
	}
	n := len(raw) / size
	if n == 0 {
		return []float32{}, nil
	}
	switch dt {
	case F32:
		if hostLittleEndian && uintptr(unsafe.Pointer(&raw[0]))%4 == 0 {
			return unsafe.Slice((*float32)(unsafe.Pointer(&raw[0])), n), nil
		}
		out := make([]float32, n)
		for i := range out {
			out[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
		}
		return out, nil
	case F16:
		out := make([]float32, n)
		for i := range out {
			out[i] = Float16ToFloat32(binary.LittleEndian.Uint16(raw[2*i:]))
		}
		return out, nil
	case BF16:
		out := make([]float32, n)
		for i := range out {
			out[i] = math.Float32frombits(uint32(binary.LittleEndian.Uint16(raw[2*i:])) << 16)
		}
		return out, nil
	case F64:
		out := make([]float32, n)
		for i := range out {
			out[i] = float32(math.Float64frombits(binary.LittleEndian.Uint64(raw[8*i:])))
		}
		return out, nil
	}
	return nil, fmt.Errorf("safetensors: cannot convert %s to float32", dt)
}

// ToInt64 converts raw little-endian elements of the integer (or BOOL)
// type dt to int64, in a new slice.
func ToInt64(dt DType, raw []byte) ([]int64, error) {
	size := dt.Size()
	if size == 0 {
		return nil, fmt.Errorf("%w %q", ErrDType, dt)
	}
	if len(raw)%size != 0 {
		return nil, fmt.Errorf("safetensors: %d bytes is not a whole number of %s elements", len(raw), dt)
	}
	out := make([]int64, len(raw)/size)
	switch dt {
	case I64:
		for i := range out {
			out[i] = int64(binary.LittleEndian.Uint64(raw[8*i:]))
		}
	case I32:
		for i := range out {
			out[i] = int64(int32(binary.LittleEndian.Uint32(raw[4*i:])))
		}
	case I16:
		for i := range out {
			out[i] = int64(int16(binary.LittleEndian.Uint16(raw[2*i:])))
		}
	case I8:
		for i := range out {
			out[i] = int64(int8(raw[i]))
		}
	case U8, Bool:
		for i := range out {
			out[i] = int64(raw[i])
		}
	default:
		return nil, fmt.Errorf("safetensors: %s is not an integer type", dt)
	}
	return out, nil
}

// Float16ToFloat32 widens an IEEE 754 half-precision value exactly,
// including subnormals, infinities and NaN.
func Float16ToFloat32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	frac := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // Inf or NaN
		return math.Float32frombits(sign | 0xff<<23 | frac<<13)
	case exp != 0: // normal: rebias 15 -> 127
		return math.Float32frombits(sign | (exp+112)<<23 | frac<<13)
	case frac == 0: // signed zero
		return math.Float32frombits(sign)
	}
	// Subnormal half: frac·2⁻²⁴, exact in float32.
	v := float32(frac) * (1.0 / (1 << 24))
	if sign != 0 {
		v = -v
	}
	return v
}

// Float32ToFloat16 rounds a float32 to the nearest half-precision value
// (ties to even), saturating to infinity.
func Float32ToFloat16(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	exp := int32(b>>23) & 0xff
	frac := b & 0x7fffff
	if exp == 0xff { // Inf or NaN
		if frac != 0 {
			return sign | 0x7e00
		}
		return sign | 0x7c00
	}
	e := exp - 127 + 15
	if e >= 0x1f {
		return sign | 0x7c00
	}
	if e <= 0 {
		if e < -10 {
			return sign
		}
		// Subnormal: shift the implicit-1 mantissa right and round to even.
		m := frac | 0x800000
		shift := uint32(14 - e)
		half := uint32(1) << (shift - 1)
		r := m >> shift
		rem := m & (1<<shift - 1)
		if rem > half || (rem == half && r&1 == 1) {
			r++
		}
		return sign | uint16(r)
	}
	r := uint32(e)<<10 | frac>>13
	rem := frac & 0x1fff
	if rem > 0x1000 || (rem == 0x1000 && r&1 == 1) {
		r++ // may carry into the exponent, which is the right rounding
	}
	return sign | uint16(r)
}

// Float32ToBFloat16 rounds a float32 to bfloat16 (ties to even).
func Float32ToBFloat16(f float32) uint16 {
	b := math.Float32bits(f)
	if b&0x7fffffff > 0x7f800000 { // NaN: keep it quiet
		return uint16(b>>16) | 0x40
	}
	b += 0x7fff + (b>>16)&1
	return uint16(b >> 16)
}
