package kernel

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestFirstNonFinite checks every kernel set against the definition
// (math.IsNaN or math.IsInf) with a NaN, an infinity or a finite extreme
// at every position of slices around the assembly's block of 32.
func TestFirstNonFinite(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 0))
	odd := []float32{float32(math.NaN()), math.Float32frombits(0xffc00001), float32(math.Inf(1)), float32(math.Inf(-1)),
		math.MaxFloat32, -math.MaxFloat32, math.SmallestNonzeroFloat32, 0}
	for _, n := range []int{0, 1, 31, 32, 33, 64, 100, 129} {
		x := randSlice(n, rng)
		for _, im := range usableImpls(t) {
			if got := im.firstNonFinite(x); got != -1 {
				t.Fatalf("%s firstNonFinite(%d finite numbers) = %d, want -1", im.name, n, got)
			}
		}
		for at := 0; at < n; at++ {
			for _, v := range odd {
				y := append([]float32(nil), x...)
				y[at] = v
				if at+3 < n {
					y[at+3] = float32(math.NaN()) // a later one is not the first
				}
				want := at
				if f := float64(v); !math.IsNaN(f) && !math.IsInf(f, 0) {
					want = -1
					if at+3 < n {
						want = at + 3
					}
				}
				for _, im := range usableImpls(t) {
					if got := im.firstNonFinite(y); got != want {
						t.Fatalf("%s firstNonFinite(n=%d, %v at %d) = %d, want %d", im.name, n, v, at, got, want)
					}
				}
			}
		}
	}
}

// BenchmarkFirstNonFinite times the scan over 64 MiB of finite numbers,
// more than the caches hold: the rate of checking a checkpoint at load.
func BenchmarkFirstNonFinite(b *testing.B) {
	x := make([]float32, 16<<20)
	for i := range x {
		x[i] = float32(i)
	}
	b.SetBytes(4 * int64(len(x)))
	for b.Loop() {
		if FirstNonFinite(x) >= 0 {
			b.Fatal("found a non-finite number")
		}
	}
}
