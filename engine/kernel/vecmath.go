package kernel

import "math"

// Constants of expGo and the assembly exponentials (vecmath_amd64.s):
// the clamp range, ln 2 split into a part with few mantissa bits and the
// rest (so n·ln2Hi is exact), and Cephes' expf polynomial.
const (
	expHi  = 88        // exp(88) ≈ 1.65e38 still fits a float32
	expLo  = -87.33655 // exp(expLo) ≈ 1.2e-38, the smallest normal float32
	log2e  = 1.44269504088896341
	ln2Hi  = 0.693359375
	ln2Lo  = -2.12194440e-4
	expP0  = 1.9875691500e-4
	expP1  = 1.3981999507e-3
	expP2  = 8.3334519073e-3
	expP3  = 4.1665795894e-2
	expP4  = 1.6666665459e-1
	expP5  = 5.0000001201e-1
	geluA  = -2 * 0.7978845608028654 // −2·√(2/π)
	geluB  = geluA * 0.044715
	minVec = 8 // elements per assembly step
)

// expGo returns e^x in float32 arithmetic, the same steps as the assembly:
// clamp x to [expLo, expHi], x = n·ln2 + r with n = round(x·log₂e) and
// |r| ≤ ln2/2, e^r ≈ 1 + r + r²·P(r), and 2ⁿ put in the exponent bits.
// The relative error is below 2 ulp; arguments below expLo give
// 1.2e-38 rather than 0, and NaN is not propagated.
func expGo(x float32) float32 {
	x = min(max(x, expLo), expHi)
	n := float32(math.RoundToEven(float64(x * log2e)))
	r := x - n*ln2Hi
	r -= n * ln2Lo
	p := float32(expP0)
	p = p*r + expP1
	p = p*r + expP2
	p = p*r + expP3
	p = p*r + expP4
	p = p*r + expP5
	y := p*(r*r) + r + 1
	return y * math.Float32frombits(uint32(int32(n)+127)<<23)
}

// geluGo is GPT-2's tanh GELU in float32:
// ½·x·(1 + tanh u) = x / (1 + e^(−2u)), u = √(2/π)·(x + 0.044715·x³).
func geluGo(dst, src []float32) {
	dst = dst[:len(src)]
	for i, x := range src {
		dst[i] = x / (1 + expGo(x*(geluA+geluB*x*x)))
	}
}

// expSumGo sets dst[i] = e^(src[i] − shift) and returns their sum,
// accumulated in float64.
func expSumGo(dst, src []float32, shift float32) float64 {
	dst = dst[:len(src)]
	var s float64
	for i, x := range src {
		e := expGo(x - shift)
		dst[i] = e
		s += float64(e)
	}
	return s
}

// sumExpGo returns Σ e^(src[i] − shift).
func sumExpGo(src []float32, shift float32) float64 {
	var s float64
	for _, x := range src {
		s += float64(expGo(x - shift))
	}
	return s
}

// maxGo returns the largest element of a non-empty x.
func maxGo(x []float32) float32 {
	m := x[0]
	for _, v := range x[1:] {
		if v > m {
			m = v
		}
	}
	return m
}

// layerNormGo normalises the row x into out with gain w and bias b:
// μ = mean(x) and σ² = mean((x−μ)²), both summed in float64 over two
// passes (accurate when |μ| ≫ σ), then out = (x − μ)·rstd·w + b with
// rstd = 1/√(σ² + ε) in float32. It returns μ and rstd.
func layerNormGo(out, x, w, b []float32, eps float32) (mean, rstd float32) {
	n := len(x)
	out, w, b = out[:n], w[:n], b[:n]
	var sum float64
	for _, v := range x {
		sum += float64(v)
	}
	m := sum / float64(n)
	var ss float64
	for _, v := range x {
		d := float64(v) - m
		ss += d * d
	}
	mf, sf := float32(m), float32(1/math.Sqrt(ss/float64(n)+float64(eps)))
	for i, v := range x {
		out[i] = (v-mf)*sf*w[i] + b[i]
	}
	return mf, sf
}

// LayerNorm normalises one row x (C) into out (C) and applies the gain w
// and bias b (C):
//
//	μ = mean(x), σ² = mean((x−μ)²), out = (x − μ)/√(σ² + ε) ⊙ w + b
//
// and returns μ and rstd = 1/√(σ² + ε). The mean and variance are summed in
// float64, in two passes, so they stay accurate when |μ| ≫ σ; the affine
// step is float32. out may alias x. It panics if out, w or b is shorter
// than x, or x is empty.
func LayerNorm(out, x, w, b []float32, eps float32) (mean, rstd float32) {
	if len(x) == 0 || len(out) < len(x) || len(w) < len(x) || len(b) < len(x) {
		panic("kernel: LayerNorm: empty row, or out, w or b shorter than x")
	}
	return vecImpl.layerNorm(out, x, w, b, eps)
}

// Gelu sets out[i] = GELU(in[i]) for GPT-2's tanh approximation,
//
//	GELU(x) = ½·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))) = x / (1 + e^(−2u)),
//
// in float32: relative error a few ulp, except below x ≈ −10, where GELU
// is under 1e-22 and the result is a value of magnitude below 1e-30 rather
// than the exact tiny one. out may alias in. It panics if out is
// shorter than in.
func Gelu(out, in []float32) {
	if len(out) < len(in) {
		panic("kernel: Gelu: out shorter than in")
	}
	vecImpl.gelu(out[:len(in)], in)
}

// ExpSum sets dst[i] = e^(src[i] − shift) for every element of src and
// returns their sum, accumulated in float64: the numerators and the
// denominator of a softmax when shift is the maximum. Arguments below −87.3 give 1.2e-38 instead of
// a subnormal or zero. dst may alias src; it panics if dst is shorter.
func ExpSum(dst, src []float32, shift float32) float64 {
	if len(dst) < len(src) {
		panic("kernel: ExpSum: dst shorter than src")
	}
	return vecImpl.expSum(dst[:len(src)], src, shift)
}

// SumExp returns Σ e^(x[i] − shift), accumulated in float64: the
// denominator of a softmax (with shift the maximum) without storing the
// numerators.
func SumExp(x []float32, shift float32) float64 {
	return vecImpl.sumExp(x, shift)
}

// Max returns the largest element of x, or −Inf for an empty x.
func Max(x []float32) float32 {
	if len(x) == 0 {
		return float32(math.Inf(-1))
	}
	return vecImpl.max(x)
}
