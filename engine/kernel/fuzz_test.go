package kernel

import (
	"math"
	"math/rand/v2"
	"testing"
)

// FuzzGemm derives a Gemm call (shape, transposes, scalars, stride padding
// and worker count) from the fuzzer's input and checks the best kernel set
// and the pure-Go one against the float64 reference, both with B packed on
// the fly (Gemm) and packed ahead (Pack, GemmPacked).
func FuzzGemm(f *testing.F) {
	f.Add(uint8(1), uint8(1), uint8(1), uint8(0), uint8(0), uint64(1))
	f.Add(uint8(17), uint8(49), uint8(33), uint8(3), uint8(5), uint64(2))
	f.Add(uint8(70), uint8(97), uint8(65), uint8(0xff), uint8(9), uint64(3))
	f.Add(uint8(4), uint8(200), uint8(130), uint8(2), uint8(0), uint64(4))
	f.Add(uint8(16), uint8(64), uint8(255), uint8(1), uint8(18), uint64(5))
	scalars := []float32{0, 1, -0.5, 2}
	f.Fuzz(func(t *testing.T, m, n, k, flags, pad uint8, seed uint64) {
		tc := gemmCase{
			m: int(m) % 100, n: int(n), k: int(k),
			transA: flags&1 != 0, transB: flags&2 != 0,
			alpha: scalars[flags>>2&3], beta: scalars[flags>>4&3],
		}.withStrides()
		tc.lda += int(pad & 3)
		tc.ldb += int(pad >> 2 & 3)
		tc.ldc += int(pad >> 4 & 3)
		workers := 1 + int(flags>>6&1)
		rng := rand.New(rand.NewPCG(seed, 0))
		for _, im := range []*impl{bestImpl(), goImpl} {
			p := newPoolImpl(workers, im)
			runCase(t, im.name, p, tc, rng)
			runPackedCase(t, im.name, p, tc, rng)
			p.Close()
		}
	})
}

// FuzzAttention derives an attention call (batch, query and key counts,
// heads, head size, workers) from the fuzzer's input and checks the best
// kernel set and the pure-Go one against the float64 reference.
func FuzzAttention(f *testing.F) {
	f.Add(uint8(1), uint8(1), uint8(0), uint8(1), uint8(1), uint64(1))
	f.Add(uint8(2), uint8(33), uint8(0), uint8(3), uint8(16), uint64(2))
	f.Add(uint8(1), uint8(1), uint8(70), uint8(2), uint8(64), uint64(3))
	f.Add(uint8(1), uint8(130), uint8(5), uint8(1), uint8(7), uint64(4))
	f.Fuzz(func(t *testing.T, b, tq, extra, nh, hs uint8, seed uint64) {
		B, Tq, NH, HS := 1+int(b%3), 1+int(tq%160), 1+int(nh%4), 1+int(hs%80)
		Tk := Tq + int(extra%40)
		C := NH * HS
		rng := rand.New(rand.NewPCG(seed, 0))
		q := randSlice(B*Tq*C, rng)
		k := randSlice(B*Tk*C, rng)
		v := randSlice(B*Tk*C, rng)
		wo, wp, wa := attentionRef(q, k, v, B, Tq, Tk, NH, HS)
		for _, im := range []*impl{bestImpl(), goImpl} {
			p := newPoolImpl(1+int(seed%2), im)
			out := make([]float32, B*Tq*C)
			preatt := make([]float32, B*NH*Tq*Tk)
			att := make([]float32, B*NH*Tq*Tk)
			p.Attention(out, preatt, att, q, k, v, B, Tq, Tk, NH, HS)
			p.Close()
			// Scores are sums of HS products of values in [−1, 1].
			tolS := float64(HS+2) * eps32 * float64(HS) / math.Sqrt(float64(HS))
			for i := range wp {
				if math.IsInf(wp[i], -1) {
					if !math.IsInf(float64(preatt[i]), -1) || att[i] != 0 {
						t.Fatalf("%s: masked cell %d = %v, %v", im.name, i, preatt[i], att[i])
					}
					continue
				}
				if d := math.Abs(float64(preatt[i]) - wp[i]); !(d <= tolS) {
					t.Fatalf("%s B=%d Tq=%d Tk=%d NH=%d HS=%d: preatt[%d] = %v, want %v", im.name, B, Tq, Tk, NH, HS, i, preatt[i], wp[i])
				}
				if d := math.Abs(float64(att[i]) - wa[i]); !(d <= 1e-6) {
					t.Fatalf("%s B=%d Tq=%d Tk=%d NH=%d HS=%d: att[%d] = %v, want %v", im.name, B, Tq, Tk, NH, HS, i, att[i], wa[i])
				}
			}
			for i := range wo {
				if d := math.Abs(float64(out[i]) - wo[i]); !(d <= 1e-5) {
					t.Fatalf("%s B=%d Tq=%d Tk=%d NH=%d HS=%d: out[%d] = %v, want %v", im.name, B, Tq, Tk, NH, HS, i, out[i], wo[i])
				}
			}
		}
	})
}
