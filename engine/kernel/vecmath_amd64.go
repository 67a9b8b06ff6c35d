//go:build amd64 && !purego

package kernel

import "math"

//go:noescape
func geluAVX2(n int, dst, src *float32)

//go:noescape
func expSumAVX2(n int, dst, src *float32, shift float32) float64

//go:noescape
func maxAVX2(n int, x *float32) float32

// geluAVX2Go runs geluAVX2 on the largest multiple of 8 elements and geluGo
// on the rest.
func geluAVX2Go(dst, src []float32) {
	n := len(src)
	dst = dst[:n]
	m := n &^ (minVec - 1)
	if m > 0 {
		geluAVX2(m, &dst[0], &src[0])
	}
	geluGo(dst[m:], src[m:])
}

func expSumAVX2Go(dst, src []float32, shift float32) float64 {
	n := len(src)
	dst = dst[:n]
	m := n &^ (minVec - 1)
	var s float64
	if m > 0 {
		s = expSumAVX2(m, &dst[0], &src[0], shift)
	}
	return s + expSumGo(dst[m:], src[m:], shift)
}

func maxAVX2Go(x []float32) float32 {
	n := len(x)
	m := n &^ (minVec - 1)
	if m == 0 {
		return maxGo(x)
	}
	v := maxAVX2(m, &x[0])
	if m < n {
		v = max(v, maxGo(x[m:]))
	}
	return v
}

//go:noescape
func sumExpAVX2(n int, src *float32, shift float32) float64

func sumExpAVX2Go(src []float32, shift float32) float64 {
	n := len(src)
	m := n &^ (minVec - 1)
	var s float64
	if m > 0 {
		s = sumExpAVX2(m, &src[0], shift)
	}
	return s + sumExpGo(src[m:], shift)
}

//go:noescape
func sumF64AVX2(n int, x *float32) float64

//go:noescape
func sqDevF64AVX2(n int, x *float32, m float64) float64

//go:noescape
func normAVX2(n int, out, x, w, b *float32, m, s float32)

// layerNormAVX2Go is layerNormGo with the three passes over the row in
// assembly (the largest multiple of 8 elements) and the tails in Go.
func layerNormAVX2Go(out, x, w, b []float32, eps float32) (mean, rstd float32) {
	n := len(x)
	out, w, b = out[:n], w[:n], b[:n]
	k := n &^ (minVec - 1)
	var sum float64
	if k > 0 {
		sum = sumF64AVX2(k, &x[0])
	}
	for _, v := range x[k:] {
		sum += float64(v)
	}
	m := sum / float64(n)
	var ss float64
	if k > 0 {
		ss = sqDevF64AVX2(k, &x[0], m)
	}
	for _, v := range x[k:] {
		d := float64(v) - m
		ss += d * d
	}
	mf, sf := float32(m), float32(1/math.Sqrt(ss/float64(n)+float64(eps)))
	if k > 0 {
		normAVX2(k, &out[0], &x[0], &w[0], &b[0], mf, sf)
	}
	for i := k; i < n; i++ {
		out[i] = (x[i]-mf)*sf*w[i] + b[i]
	}
	return mf, sf
}
