package kernel

import (
	"math"
	"math/rand/v2"
	"testing"
)

// wideSlice returns n values spread over [−scale, scale], with a few
// extremes mixed in so the clamps and tails are exercised.
func wideSlice(n int, scale float32, rng *rand.Rand) []float32 {
	s := make([]float32, n)
	extremes := []float32{0, -0.0, 1e-20, -1e-20, 100, -100, 1e4, -1e4, 87, -87, 88.5, -88.5}
	for i := range s {
		if i%13 == 5 {
			s[i] = extremes[i%len(extremes)]
			continue
		}
		s[i] = scale * (2*rng.Float32() - 1)
	}
	return s
}

// TestGelu checks each kernel set's GELU and the exported Gelu against
// float64 arithmetic: relative error 4·eps·(1 + |2u|), the rounding of the
// float32 argument 2u carried through the exponential, plus 1e-30
// absolute (the far negative tail, where GELU underflows).
func TestGelu(t *testing.T) {
	rng := rand.New(rand.NewPCG(20, 0))
	for _, n := range vecLengths {
		for _, scale := range []float32{1, 8, 30} {
			x := wideSlice(n, scale, rng)
			want := make([]float64, n)
			cond := make([]float64, n) // 1 + |2u|: e^(−2u) amplifies the rounding of 2u
			for i, v := range x {
				xd := float64(v)
				cond[i] = 1 + math.Abs(2*0.7978845608028654*(xd+0.044715*xd*xd*xd))
				// ½·x·(1 + tanh u) written as x/(1 + e^(−2u)), which
				// does not cancel to 0 for very negative x.
				want[i] = xd / (1 + math.Exp(-2*0.7978845608028654*(xd+0.044715*xd*xd*xd)))
			}
			check := func(name string, got []float32) {
				for i := range x {
					if d := math.Abs(float64(got[i]) - want[i]); !(d <= 4*eps32*cond[i]*math.Abs(want[i])+1e-30) {
						t.Fatalf("%s gelu(n=%d)[%d]: gelu(%v) = %v, want %v", name, n, i, x[i], got[i], want[i])
					}
				}
			}
			for _, im := range usableImpls(t) {
				got := make([]float32, n)
				im.gelu(got, x)
				check(im.name, got)
			}
			got := append([]float32(nil), x...)
			Gelu(got, got) // in place
			check("Gelu", got)
		}
	}
}

// TestExpSum checks ExpSum (and the sum alone, sumExp), e^(x − shift) element by element (relative error
// 3·eps, or the documented floor 1.2e-38 for arguments below −87.3) and the
// float64 sum against the exact one (3·eps relative: only the terms' own
// errors remain).
func TestExpSum(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 0))
	for _, n := range vecLengths {
		for _, scale := range []float32{1, 20, 200} {
			x := wideSlice(n, scale, rng)
			shift := Max(x)
			if n == 0 {
				shift = 0
			}
			var wantSum float64
			want := make([]float64, n)
			for i, v := range x {
				want[i] = math.Exp(float64(v - shift))
				wantSum += max(want[i], 1.2e-38)
			}
			check := func(name string, got []float32, sum float64) {
				for i := range got { // nil for the sum alone
					w := want[i]
					if d := math.Abs(float64(got[i]) - w); !(d <= 3*eps32*w || (w < 1.2e-38 && got[i] <= 1.2e-38)) {
						t.Fatalf("%s expSum(n=%d)[%d]: exp(%v) = %v, want %v", name, n, i, x[i]-shift, got[i], w)
					}
				}
				if d := math.Abs(sum - wantSum); !(d <= 3*eps32*wantSum) {
					t.Fatalf("%s expSum(n=%d) sum = %v, want %v", name, n, sum, wantSum)
				}
			}
			for _, im := range usableImpls(t) {
				got := make([]float32, n)
				check(im.name, got, im.expSum(got, x, shift))
				check(im.name+" sumExp", nil, im.sumExp(x, shift))
			}
			got := append([]float32(nil), x...)
			check("ExpSum", got, ExpSum(got, got, shift))
		}
	}
}

// TestMax checks Max against a plain scan, with the maximum placed at
// every position class (vector body and tail).
func TestMax(t *testing.T) {
	rng := rand.New(rand.NewPCG(22, 0))
	if got := Max(nil); !math.IsInf(float64(got), -1) {
		t.Errorf("Max(nil) = %v, want -Inf", got)
	}
	for _, n := range vecLengths[1:] {
		for _, at := range []int{0, n / 2, n - 1} {
			x := randSlice(n, rng)
			x[at] = 5
			for _, im := range usableImpls(t) {
				if got := im.max(x); got != 5 {
					t.Errorf("%s max(n=%d, max at %d) = %v, want 5", im.name, n, at, got)
				}
			}
			if got := Max(x); got != 5 {
				t.Errorf("Max(n=%d, max at %d) = %v, want 5", n, at, got)
			}
		}
	}
}

// TestLayerNorm checks each kernel set's row LayerNorm and the exported
// LayerNorm against float64 arithmetic, on rows centred at 0 and at 1000
// (|μ| ≫ σ). The output may be off by a few roundings of its terms plus the
// float32 rounding of μ carried through the scaling: 4·eps·(|x̂·w| + |b|) +
// 2·eps·|μ|·rstd·|w|; μ and rstd within 2·eps relative.
func TestLayerNorm(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 0))
	for _, n := range vecLengths[1:] {
		for _, centre := range []float32{0, 1000} {
			x := randSlice(n, rng)
			for i := range x {
				x[i] += centre
			}
			w, b := randSlice(n, rng), randSlice(n, rng)
			var sum, ss float64
			for _, v := range x {
				sum += float64(v)
			}
			mu := sum / float64(n)
			for _, v := range x {
				ss += (float64(v) - mu) * (float64(v) - mu)
			}
			rs := 1 / math.Sqrt(ss/float64(n)+1e-5)
			check := func(name string, out []float32, m, r float32) {
				if math.Abs(float64(m)-mu) > 2*eps32*math.Abs(mu) || math.Abs(float64(r)-rs) > 2*eps32*rs {
					t.Fatalf("%s(n=%d, centre %v): mean, rstd = %v, %v; want %v, %v", name, n, centre, m, r, mu, rs)
				}
				for i, v := range x {
					xh := (float64(v) - mu) * rs * float64(w[i])
					want := xh + float64(b[i])
					tol := 4*eps32*(math.Abs(xh)+math.Abs(float64(b[i]))) + 2*eps32*math.Abs(mu)*rs*math.Abs(float64(w[i]))
					if d := math.Abs(float64(out[i]) - want); !(d <= tol) {
						t.Fatalf("%s(n=%d, centre %v)[%d] = %v, want %v ± %.3g", name, n, centre, i, out[i], want, tol)
					}
				}
			}
			for _, im := range usableImpls(t) {
				out := make([]float32, n)
				m, r := im.layerNorm(out, x, w, b, 1e-5)
				check(im.name, out, m, r)
			}
			out := append([]float32(nil), x...)
			m, r := LayerNorm(out, out, w, b, 1e-5) // in place
			check("LayerNorm", out, m, r)
		}
	}
}
