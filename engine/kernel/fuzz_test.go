package kernel

import (
	"math/rand/v2"
	"testing"
)

// FuzzGemm derives a Gemm call (shape, transposes, scalars, stride padding
// and worker count) from the fuzzer's input and checks the best kernel set
// and the pure-Go one against the float64 reference.
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
			p.Close()
		}
	})
}
