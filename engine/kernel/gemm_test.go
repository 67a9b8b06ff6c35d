package kernel

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// testSizes are the odd and even dimensions every path is checked on: they
// straddle the register tiles (4, 8, 24, 48), the small-M cutoff and the
// vector widths.
var testSizes = []int{1, 2, 3, 7, 15, 16, 17, 33, 63, 64, 65, 127}

// TestGemmShapes runs every transpose combination over all M, N in
// testSizes and several K, for each kernel set, on one and two workers.
func TestGemmShapes(t *testing.T) {
	ks := []int{1, 2, 7, 16, 17, 65}
	if testing.Short() {
		ks = []int{1, 17}
	}
	for _, im := range usableImpls(t) {
		for _, workers := range []int{1, 2} {
			p := newPoolImpl(workers, im)
			t.Run(fmt.Sprintf("%s/w=%d", im.name, workers), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(1, uint64(workers)))
				for _, tA := range []bool{false, true} {
					for _, tB := range []bool{false, true} {
						for _, m := range testSizes {
							for _, n := range testSizes {
								for _, k := range ks {
									tc := gemmCase{transA: tA, transB: tB, m: m, n: n, k: k, alpha: 1, beta: 0}
									runCase(t, im.name, p, tc, rng)
								}
							}
						}
					}
				}
			})
			p.Close()
		}
	}
}

// TestGemmScalarsAndStrides covers alpha and beta in {0, 1, other} and
// strides larger than the rows, whose padding must be neither read nor
// written.
func TestGemmScalarsAndStrides(t *testing.T) {
	shapes := [][3]int{{1, 1, 1}, {3, 17, 5}, {4, 33, 63}, {9, 50, 20}, {17, 65, 33}, {64, 127, 16}, {65, 7, 129}}
	scalars := []float32{0, 1, -0.75}
	for _, im := range usableImpls(t) {
		p := newPoolImpl(2, im)
		t.Run(im.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(2, 0))
			for _, s := range shapes {
				for _, tA := range []bool{false, true} {
					for _, tB := range []bool{false, true} {
						for _, alpha := range scalars {
							for _, beta := range scalars {
								for _, pad := range []int{0, 3} {
									tc := gemmCase{transA: tA, transB: tB, m: s[0], n: s[1], k: s[2], alpha: alpha, beta: beta}
									if pad > 0 {
										tc = tc.withStrides()
										tc.lda += pad
										tc.ldb += 2 * pad
										tc.ldc += pad + 1
									}
									runCase(t, im.name, p, tc, rng)
								}
							}
						}
					}
				}
			}
		})
		p.Close()
	}
}

// TestGemmLarge covers shapes that cross the K and column blocks (kc, nc),
// the packing cutoff, the parallel thresholds and the small-M path with
// long rows, including the GPT-2 attention layout (lda = 3·768).
func TestGemmLarge(t *testing.T) {
	cases := []gemmCase{
		{m: 129, n: 769, k: 400, alpha: 1, beta: 0},
		{m: 65, n: 1500, k: 777, alpha: 0.5, beta: 1},
		{m: 200, n: 97, k: 1025, alpha: -1, beta: 0.25},
		{transB: true, m: 130, n: 700, k: 390, alpha: 1, beta: 0},
		{transA: true, m: 96, n: 300, k: 800, alpha: 1, beta: 1},
		{transA: true, transB: true, m: 70, n: 333, k: 450, alpha: 2, beta: 0},
		{m: 1, n: 2305, k: 769, alpha: 1, beta: 0},
		{m: 3, n: 3000, k: 300, alpha: 1, beta: 1},
		{transB: true, m: 1, n: 5001, k: 770, alpha: 1, beta: 0},
		{transB: true, m: 4, n: 2003, k: 129, alpha: -0.5, beta: 2},
		{transA: true, m: 2, n: 2000, k: 300, alpha: 1, beta: 0},
		{transA: true, transB: true, m: 4, n: 1000, k: 515, alpha: 1, beta: 0},
		{m: 5, n: 2304, k: 768, alpha: 1, beta: 0},
		{m: 16, n: 2304, k: 768, alpha: 1, beta: 1},
		// The odd sizes 1, 7, 33 and 769 in every role.
		{m: 769, n: 7, k: 33, alpha: 1, beta: 0},
		{m: 7, n: 769, k: 769, alpha: 1, beta: 0},
		{m: 33, n: 769, k: 1, alpha: 1, beta: 1},
		{transB: true, m: 769, n: 33, k: 769, alpha: 1, beta: 0},
		{transA: true, m: 33, n: 7, k: 769, alpha: 1, beta: 0},
		{transB: true, m: 1, n: 769, k: 33, alpha: 1, beta: 0},
		// B wider than its rows, read in place by a task's first row tile
		// (firstTiles) and packed by the rest.
		{m: 72, n: 150, k: 400, alpha: 1, beta: 0.5, ldb: 170},
		// attention: Q·Kᵀ and P·V on a packed qkv buffer.
		{transB: true, m: 37, n: 37, k: 64, alpha: 0.125, beta: 0, lda: 3 * 768, ldb: 3 * 768},
		{m: 37, n: 64, k: 37, alpha: 1, beta: 0, ldb: 3 * 768, ldc: 768},
	}
	for _, im := range usableImpls(t) {
		p := newPoolImpl(2, im)
		rng := rand.New(rand.NewPCG(3, 0))
		for _, tc := range cases {
			runCase(t, im.name, p, tc, rng)
		}
		p.Close()
	}
}

// TestGemmPanics checks the documented panics on malformed arguments.
func TestGemmPanics(t *testing.T) {
	p := NewPool(2)
	defer p.Close()
	buf := make([]float32, 100)
	mustPanic(t, "negative M", func() { p.Gemm(false, false, -1, 2, 2, 1, buf, 2, buf, 2, 0, buf, 2) })
	mustPanic(t, "small lda", func() { p.Gemm(false, false, 2, 2, 3, 1, buf, 2, buf, 2, 0, buf, 2) })
	mustPanic(t, "small lda transA", func() { p.Gemm(true, false, 3, 2, 2, 1, buf, 2, buf, 2, 0, buf, 2) })
	mustPanic(t, "small ldb", func() { p.Gemm(false, false, 2, 3, 2, 1, buf, 2, buf, 2, 0, buf, 3) })
	mustPanic(t, "small ldc", func() { p.Gemm(false, false, 2, 3, 2, 1, buf, 2, buf, 3, 0, buf, 2) })
	mustPanic(t, "short a", func() { p.Gemm(false, false, 11, 2, 10, 1, buf, 10, buf, 2, 0, buf, 2) })
	mustPanic(t, "short b transB", func() { p.Gemm(false, true, 2, 11, 10, 1, buf, 10, buf, 10, 0, buf, 11) })
	mustPanic(t, "short c", func() { p.Gemm(false, false, 2, 60, 2, 1, buf, 2, buf, 60, 0, buf, 60) })
	mustPanic(t, "MatMul short w", func() { p.MatMul(buf, buf, buf, nil, 2, 10, 20) })
	mustPanic(t, "MatMul short bias", func() { p.MatMul(buf, buf, buf, buf[:3], 2, 2, 4) })
	mustPanic(t, "MatMulT short out", func() { p.MatMulT(buf, buf, buf, nil, 11, 1, 10) })
	mustPanic(t, "Dot", func() { Dot(buf, buf[:5]) })
	mustPanic(t, "Axpy", func() { Axpy(1, buf, buf[:5]) })
	// Empty shapes are valid and touch nothing.
	p.Gemm(false, false, 0, 0, 0, 1, nil, 1, nil, 1, 0, nil, 1)
	p.Gemm(true, true, 0, 5, 7, 1, nil, 1, nil, 7, 0, nil, 5)
}
