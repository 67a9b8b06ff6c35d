package kernel

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestMatMul checks MatMul and MatMulT, with and without bias, against a
// float64 reference, on every kernel set, including the decode (M = 1) and
// small-M paths. out starts as NaN: it must be overwritten, never read.
func TestMatMul(t *testing.T) {
	shapes := [][3]int{ // M, K, N
		{1, 1, 1}, {1, 768, 2304}, {3, 65, 127}, {4, 33, 1000}, {5, 64, 50},
		{16, 100, 769}, {17, 127, 63}, {64, 65, 97}, {130, 400, 300},
	}
	for _, im := range usableImpls(t) {
		p := newPoolImpl(2, im)
		rng := rand.New(rand.NewPCG(9, 0))
		for _, sh := range shapes {
			m, k, n := sh[0], sh[1], sh[2]
			for _, trans := range []bool{false, true} {
				for _, withBias := range []bool{false, true} {
					label := fmt.Sprintf("%s M=%d K=%d N=%d trans=%v bias=%v", im.name, m, k, n, trans, withBias)
					in := randSlice(m*k, rng)
					w := randSlice(k*n, rng)
					var bias []float32
					if withBias {
						bias = randSlice(n, rng)
					}
					out := make([]float32, m*n)
					for i := range out {
						out[i] = float32(math.NaN())
					}
					if trans {
						p.MatMulT(out, in, w, bias, m, k, n)
					} else {
						p.MatMul(out, in, w, bias, m, k, n)
					}
					checkMatMul(t, label, out, in, w, bias, m, k, n, trans)
				}
			}
		}
		p.Close()
	}
}

// checkMatMul compares out with in·w (+ bias) computed in float64, with
// the tolerance (K+4)·eps·(Σ_k|in·w| + |bias|).
func checkMatMul(t *testing.T, label string, out, in, w, bias []float32, m, k, n int, trans bool) {
	t.Helper()
	bad := 0
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s, abs float64
			for kk := 0; kk < k; kk++ {
				wv := w[kk*n+j]
				if trans {
					wv = w[j*k+kk]
				}
				p := float64(in[i*k+kk]) * float64(wv)
				s += p
				abs += math.Abs(p)
			}
			if bias != nil {
				s += float64(bias[j])
				abs += math.Abs(float64(bias[j]))
			}
			tol := float64(k+4) * eps32 * abs
			if got := float64(out[i*n+j]); !(math.Abs(got-s) <= tol) {
				if bad < 3 {
					t.Errorf("%s: out[%d,%d] = %v, want %v ± %.3g", label, i, j, got, s, tol)
				}
				bad++
			}
		}
	}
}
