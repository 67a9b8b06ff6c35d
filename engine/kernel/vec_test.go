package kernel

import (
	"math"
	"math/rand/v2"
	"testing"
)

var vecLengths = []int{0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 127, 1000, 4099}

// TestDot checks each kernel set's dot product, and the exported Dot,
// against a float64 sum, with the tolerance (n+2)·eps·Σ|x·y|.
func TestDot(t *testing.T) {
	rng := rand.New(rand.NewPCG(10, 0))
	impls := usableImpls(t)
	for _, n := range vecLengths {
		x := randSlice(n, rng)
		y := randSlice(n+3, rng) // longer y: only len(x) elements count
		var want, abs float64
		for i := 0; i < n; i++ {
			p := float64(x[i]) * float64(y[i])
			want += p
			abs += math.Abs(p)
		}
		tol := float64(n+2) * eps32 * abs
		for _, im := range impls {
			if got := float64(im.dot(x, y[:n])); !(math.Abs(got-want) <= tol) {
				t.Errorf("%s dot(n=%d) = %v, want %v ± %.3g", im.name, n, got, want, tol)
			}
		}
		if got := float64(Dot(x, y)); !(math.Abs(got-want) <= tol) {
			t.Errorf("Dot(n=%d) = %v, want %v ± %.3g", n, got, want, tol)
		}
	}
}

// TestAxpy checks each kernel set's axpy, and the exported Axpy, against
// float64 arithmetic (two roundings at most: 2·eps·(|alpha·x| + |y|)), and
// that y beyond len(x) is untouched.
func TestAxpy(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 0))
	type axpyFunc struct {
		name string
		f    func(alpha float32, x, y []float32)
	}
	var fs []axpyFunc
	for _, im := range usableImpls(t) {
		fs = append(fs, axpyFunc{im.name, im.axpy})
	}
	fs = append(fs, axpyFunc{"Axpy", Axpy})
	for _, n := range vecLengths {
		for _, alpha := range []float32{0, 1, -2.5} {
			x := randSlice(n, rng)
			y0 := randSlice(n+5, rng)
			for _, af := range fs {
				y := append([]float32(nil), y0...)
				yArg := y[:n]
				if af.name == "Axpy" {
					yArg = y // the exported function takes a longer y
				}
				af.f(alpha, x, yArg)
				for i := 0; i < n; i++ {
					ax := float64(alpha) * float64(x[i])
					want := ax + float64(y0[i])
					tol := 2 * eps32 * (math.Abs(ax) + math.Abs(float64(y0[i])))
					if got := float64(y[i]); !(math.Abs(got-want) <= tol) {
						t.Errorf("%s(alpha=%v, n=%d): y[%d] = %v, want %v", af.name, alpha, n, i, got, want)
						break
					}
				}
				for i := n; i < len(y); i++ {
					if y[i] != y0[i] {
						t.Errorf("%s(n=%d) wrote y[%d] beyond len(x)", af.name, n, i)
					}
				}
			}
		}
	}
}
