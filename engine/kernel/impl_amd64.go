//go:build amd64 && !purego

package kernel

import "golang.org/x/sys/cpu"

// avx512Impl runs on CPUs with AVX-512F. The blocking below is chosen for
// the machine this was tuned on, a Sapphire/Emerald Rapids Xeon (per core:
// L1d 48 KiB 12-way, L2 2 MiB 16-way; L3 shared, and in this VM it streams
// only 20–30 GB/s to both cores together).
//
// Register tile 8×48: 24 of the 32 ZMM registers accumulate C (three per
// row), three hold a row of B and four take broadcasts of A. Per k that is
// 24 FMAs against 3 loads and 8 broadcasts, under the two loads per cycle
// the core sustains next to its two FMAs. 8 rows divide every M the engine
// uses (16, 128, 512) and 48 columns divide N = 768, 2304 and 3072.
//
// kc = 384: A's 8×384 sliver is 12 KiB, a quarter of L1, so it stays there
// while the micro-kernel walks across B; each C tile is loaded and stored
// once per 384 steps, which makes the C traffic negligible. nc = 672: a
// packed kc×nc block of B is 1 MiB, half of L2, leaving room for the rows of
// A and the next block being packed. packM = 64: below 64 rows of A (8 row
// tiles) B is read in place instead of packed; measured on this machine the
// copy does not pay for itself there. far = 32: when reading B in place the
// kernel also prefetches 32 rows (≈400 cycles of FMAs) ahead into L2, which
// covers the L3 latency; on one core that was worth 30–40% at M = 16.
//
// The same blocking serves AMD Zen 5 (EPYC, family 0x1A: L1d 48 KiB and
// L2 1 MiB per core, two full-width 512-bit FMA pipes; 340–410 GFLOP/s on
// two cores in BenchmarkPeakFMA, twice its AVX2 figure). Re-tuned there
// (2026-12-05, BenchmarkBlocking over kc 192–512 × nc 240–960, then the
// six best, eight runs each): kc = 512, nc = 480 made the products alone
// 3.6 % faster in the geometric mean (7–11 % at K = 3072 and at M = 128,
// N = 3072, but 6.6 % slower at N = 2304), and the forward pass of GPT-2
// small did not change measurably (BenchmarkForward at T = 128 and 512,
// mapped and packed, six alternated runs: +0.2 %, every case p > 0.18).
// A second blocking chosen by CPU would be code without a measured gain.
//
// dotM = 64: with dot4x4 (four rows of A against four of a transposed B,
// prefetching rows of B ahead: one group of four rows ahead when these
// figures were taken, two now) the dot path beat packing a transposed B
// for every M up to 64 on Zen 5, for the unembedding of
// GPT-2 small (N = 50257, K = 768; MatMulT, two workers, two alternated
// runs): M = 24 13.7–14.3 → 7.2–8.8 ms, M = 32 15.7–16.1 → 9.1–10.9 ms,
// M = 48 19.1–19.6 → 13.2–15.8 ms, M = 64 21.0–23.3 → 16.8–20.3 ms. At
// M = 128 the two were even (34.6 against 32.6 ms, 38.3 against 39.5 ms).
var avx512Impl = &impl{
	name:           "avx512",
	mr:             8,
	nr:             48,
	kc:             384,
	nc:             672,
	packM:          64,
	far:            32,
	dotM:           64,
	micro:          microAVX512,
	panelRow:       panelRowAVX512Go,
	packN:          packNAVX512Go,
	packBT:         packTAVX512Go,
	axpy4:          axpy4AVX512Go,
	dot4:           dot4AVX512Go,
	dot4x4:         dot4x4AVX512Go,
	dot:            dotAVX512Go,
	axpy:           axpyAVX512Go,
	gelu:           geluAVX2Go,
	expSum:         expSumAVX2Go,
	sumExp:         sumExpAVX2Go,
	layerNorm:      layerNormAVX2Go,
	max:            maxAVX2Go,
	firstNonFinite: firstNonFiniteAVX2Go,
}

// avx2Impl runs on CPUs with AVX2 and FMA but not AVX-512.
//
// Register tile 4×24: with only 16 YMM registers, 12 accumulate C (three
// per row), three hold a row of B and one takes the broadcasts of A: 12 FMAs
// per k against 3 loads and 4 broadcasts. 4 rows divide the engine's M and
// 24 columns divide its N. kc = 384 keeps A's 4×384 sliver (6 KiB) in L1
// and nc = 672 makes a packed B block 1 MiB, half of a 2 MiB L2; packM and
// far as for AVX-512. dotM = 64 as for AVX-512, measured on the same Zen 5
// running these kernels (dot4x4 from two calls of dot2x4AVX2; two
// alternated runs, packed B → dot path): M = 16 15.0 → 10.7 ms
// (BenchmarkMatMulT, six runs), M = 24 20.0–22.8 → 12.7–15.7 ms, M = 32
// 23.3–26.5 → 16.1–20.2 ms, M = 64 36.7–40.7 → 30.4–37.8 ms.
var avx2Impl = &impl{
	name:           "avx2",
	mr:             4,
	nr:             24,
	kc:             384,
	nc:             672,
	packM:          64,
	far:            32,
	dotM:           64,
	micro:          microAVX2,
	panelRow:       panelRowAVX2Go,
	packN:          packNAVX2Go,
	packBT:         packTAVX2Go,
	axpy4:          axpy4AVX2Go,
	dot4:           dot4AVX2Go,
	dot4x4:         dot4x4AVX2Go,
	dot:            dotAVX2Go,
	axpy:           axpyAVX2Go,
	gelu:           geluAVX2Go,
	expSum:         expSumAVX2Go,
	sumExp:         sumExpAVX2Go,
	layerNorm:      layerNormAVX2Go,
	max:            maxAVX2Go,
	firstNonFinite: firstNonFiniteAVX2Go,
}

// bestImpl returns the fastest kernel set this CPU supports.
func bestImpl() *impl {
	for _, im := range allImpls() {
		if implUsable(im) {
			return im
		}
	}
	return goImpl
}

// allImpls lists every kernel set compiled in, fastest first, for tests.
func allImpls() []*impl { return []*impl{avx512Impl, avx2Impl, goImpl} }

// implUsable reports whether the CPU (and OS) can run im.
func implUsable(im *impl) bool {
	switch im {
	case avx512Impl:
		return cpu.X86.HasAVX512F
	case avx2Impl:
		return cpu.X86.HasAVX2 && cpu.X86.HasFMA
	}
	return true
}

// fmaPeakAVX512 and fmaPeakAVX2 run n iterations of 12 independent FMAs
// (12·16 resp. 12·8 multiply-adds). Benchmarks use them to measure the FMA
// peak of the moment on this (shared, noisy) machine.
//
//go:noescape
func fmaPeakAVX512(n int)

//go:noescape
func fmaPeakAVX2(n int)

//go:noescape
func gemmAVX512(kc int, a *float32, ai, ak int, b *float32, bk int, c *float32, ldc int, alpha, beta float32, far int)

//go:noescape
func gemmAVX2(kc int, a *float32, ai, ak int, b *float32, bk int, c *float32, ldc int, alpha, beta float32, far int)

//go:noescape
func panelRowAVX512(kb int, a *float32, ak int, b *float32, out *float32)

//go:noescape
func panelRowAVX2(kb int, a *float32, ak int, b *float32, out *float32)

//go:noescape
func packNAVX512(rows, np int, b *float32, ldb int, dst *float32, stride int)

//go:noescape
func packNAVX2(rows, np int, b *float32, ldb int, dst *float32, stride int)

//go:noescape
func packTAVX512(kc int, b *float32, ldb int, dst *float32)

//go:noescape
func packTAVX2(kc int, b *float32, ldb int, dst *float32)

//go:noescape
func dotAVX512(n int, x, y *float32) float32

//go:noescape
func dotAVX2(n int, x, y *float32) float32

//go:noescape
func axpyAVX512(n int, alpha float32, x, y *float32)

//go:noescape
func axpyAVX2(n int, alpha float32, x, y *float32)

//go:noescape
func dot4AVX512(n int, x *float32, w *float32, ldw int, out *[4]float32)

//go:noescape
func dot4AVX2(n int, x *float32, w *float32, ldw int, out *[4]float32)

//go:noescape
func dot4x4AVX512(n int, x *float32, ldx int, w *float32, ldw int, out *[16]float32)

//go:noescape
func dot2x4AVX2(n int, x *float32, ldx int, w *float32, ldw int, out *[8]float32)

//go:noescape
func axpy4AVX512(n int, y *float32, ldy int, m int, coef *float32, x *float32, ldx int, quads int)

//go:noescape
func axpy4AVX2(n int, y *float32, ldy int, m int, coef *float32, x *float32, ldx int, quads int)

func microAVX512(kc int, a []float32, ai, ak int, b []float32, bk int, c []float32, ldc int, alpha, beta float32, far int) {
	checkTile(8, 48, kc, a, ai, ak, b, bk, c, ldc)
	gemmAVX512(kc, &a[0], ai, ak, &b[0], bk, &c[0], ldc, alpha, beta, far)
}

func microAVX2(kc int, a []float32, ai, ak int, b []float32, bk int, c []float32, ldc int, alpha, beta float32, far int) {
	checkTile(4, 24, kc, a, ai, ak, b, bk, c, ldc)
	gemmAVX2(kc, &a[0], ai, ak, &b[0], bk, &c[0], ldc, alpha, beta, far)
}

func panelRowAVX512Go(kb int, a []float32, ak int, b []float32, out []float32) {
	checkPanelRow(48, kb, a, ak, b, out)
	panelRowAVX512(kb, &a[0], ak, &b[0], &out[0])
}

func panelRowAVX2Go(kb int, a []float32, ak int, b []float32, out []float32) {
	checkPanelRow(24, kb, a, ak, b, out)
	panelRowAVX2(kb, &a[0], ak, &b[0], &out[0])
}

func packNAVX512Go(dst []float32, b []float32, ldb, rows, np, stride int) {
	packNSplit(dst, b, ldb, rows, np, stride, 48, packNAVX512)
}

func packNAVX2Go(dst []float32, b []float32, ldb, rows, np, stride int) {
	packNSplit(dst, b, ldb, rows, np, stride, 24, packNAVX2)
}

func packNSplit(dst []float32, b []float32, ldb, rows, np, stride, nr int, asm func(int, int, *float32, int, *float32, int)) {
	if rows <= 0 || np <= 0 {
		return
	}
	_ = b[(rows-1)*ldb+np*nr-1]
	_ = dst[(np-1)*stride+rows*nr-1]
	asm(rows, np, &b[0], ldb, &dst[0], stride)
}

func packTAVX512Go(dst []float32, b []float32, ldb, kc int) {
	packTSplit(dst, b, ldb, kc, 48, packTAVX512)
}

func packTAVX2Go(dst []float32, b []float32, ldb, kc int) {
	packTSplit(dst, b, ldb, kc, 24, packTAVX2)
}

// packTSplit transposes the first kc&^15 columns with the assembly and the
// rest in Go.
func packTSplit(dst []float32, b []float32, ldb, kc, nr int, asm func(int, *float32, int, *float32)) {
	if kc <= 0 {
		return
	}
	_ = b[(nr-1)*ldb+kc-1]
	dst = dst[:kc*nr]
	k := kc &^ 15
	if k > 0 {
		asm(k, &b[0], ldb, &dst[0])
	}
	for j := 0; j < nr; j++ {
		row := b[j*ldb : j*ldb+kc]
		for kk := k; kk < kc; kk++ {
			dst[kk*nr+j] = row[kk]
		}
	}
}

// The wrappers below hand the assembly the largest multiple of its vector
// width (16 floats for AVX-512, 8 for AVX2; 16 for axpy4) and finish the
// remainder in Go. They bounds-check what the assembly will touch.

func dotAVX512Go(x, y []float32) float32 {
	return dotSplit(x, y, 15, dotAVX512)
}

func dotAVX2Go(x, y []float32) float32 {
	return dotSplit(x, y, 7, dotAVX2)
}

func dotSplit(x, y []float32, mask int, asm func(int, *float32, *float32) float32) float32 {
	n := len(x)
	y = y[:n]
	m := n &^ mask
	var s float32
	if m > 0 {
		s = asm(m, &x[0], &y[0])
	}
	for i := m; i < n; i++ {
		s += x[i] * y[i]
	}
	return s
}

func axpyAVX512Go(alpha float32, x, y []float32) {
	axpySplit(alpha, x, y, 15, axpyAVX512)
}

func axpyAVX2Go(alpha float32, x, y []float32) {
	axpySplit(alpha, x, y, 7, axpyAVX2)
}

func axpySplit(alpha float32, x, y []float32, mask int, asm func(int, float32, *float32, *float32)) {
	n := len(x)
	y = y[:n]
	m := n &^ mask
	if m > 0 {
		asm(m, alpha, &x[0], &y[0])
	}
	for i := m; i < n; i++ {
		y[i] += alpha * x[i]
	}
}

func dot4AVX512Go(n int, x []float32, w []float32, ldw int, out *[4]float32) {
	dot4Split(n, x, w, ldw, out, 15, dot4AVX512)
}

func dot4x4AVX512Go(n int, x []float32, ldx int, w []float32, ldw int, out *[16]float32) {
	dot4x4Split(n, x, ldx, w, ldw, out, 15, func(m int, x []float32, ldx int, w []float32, ldw int, out *[16]float32) {
		dot4x4AVX512(m, &x[0], ldx, &w[0], ldw, out)
	})
}

// dot4x4AVX2Go runs dot2x4AVX2 twice, for rows 0–1 and 2–3 of x: sixteen
// YMM registers cannot hold four rows of x besides the accumulators.
func dot4x4AVX2Go(n int, x []float32, ldx int, w []float32, ldw int, out *[16]float32) {
	dot4x4Split(n, x, ldx, w, ldw, out, 7, func(m int, x []float32, ldx int, w []float32, ldw int, out *[16]float32) {
		dot2x4AVX2(m, &x[0], ldx, &w[0], ldw, (*[8]float32)(out[:8]))
		dot2x4AVX2(m, &x[2*ldx], ldx, &w[0], ldw, (*[8]float32)(out[8:]))
	})
}

// dot4x4Split is dot4x4 over an assembly kernel asm that takes a multiple
// of mask+1 columns: it bounds x and w to the four rows read, runs asm on
// the whole multiple and adds the remaining columns in Go.
func dot4x4Split(n int, x []float32, ldx int, w []float32, ldw int, out *[16]float32, mask int,
	asm func(m int, x []float32, ldx int, w []float32, ldw int, out *[16]float32)) {
	*out = [16]float32{}
	if n <= 0 {
		return
	}
	x, w = x[:3*ldx+n], w[:3*ldw+n]
	m := n &^ mask
	if m > 0 {
		asm(m, x, ldx, w, ldw, out)
	}
	for k := m; k < n; k++ {
		for i := range 4 {
			v := x[i*ldx+k]
			for r := range 4 {
				out[4*i+r] += v * w[r*ldw+k]
			}
		}
	}
}

func dot4AVX2Go(n int, x []float32, w []float32, ldw int, out *[4]float32) {
	dot4Split(n, x, w, ldw, out, 7, dot4AVX2)
}

func dot4Split(n int, x []float32, w []float32, ldw int, out *[4]float32, mask int, asm func(int, *float32, *float32, int, *[4]float32)) {
	*out = [4]float32{}
	if n <= 0 {
		return
	}
	x = x[:n]
	w = w[:3*ldw+n]
	m := n &^ mask
	if m > 0 {
		asm(m, &x[0], &w[0], ldw, out)
	}
	for k := m; k < n; k++ {
		v := x[k]
		out[0] += v * w[k]
		out[1] += v * w[ldw+k]
		out[2] += v * w[2*ldw+k]
		out[3] += v * w[3*ldw+k]
	}
}

func axpy4AVX512Go(n int, y []float32, ldy, m int, coef []float32, x []float32, ldx, quads int) {
	axpy4Split(n, y, ldy, m, coef, x, ldx, quads, axpy4AVX512)
}

func axpy4AVX2Go(n int, y []float32, ldy, m int, coef []float32, x []float32, ldx, quads int) {
	axpy4Split(n, y, ldy, m, coef, x, ldx, quads, axpy4AVX2)
}

func axpy4Split(n int, y []float32, ldy, m int, coef []float32, x []float32, ldx, quads int, asm func(int, *float32, int, int, *float32, *float32, int, int)) {
	if n <= 0 || m <= 0 || quads <= 0 {
		return
	}
	if m > 4 {
		panic("kernel: internal error: axpy4 with more than 4 rows")
	}
	y = y[:(m-1)*ldy+n]
	x = x[:(4*quads-1)*ldx+n]
	coef = coef[:16*quads]
	k := n &^ 15
	if k > 0 {
		asm(k, &y[0], ldy, m, &coef[0], &x[0], ldx, quads)
	}
	if k < n {
		axpy4Go(n-k, y[k:], ldy, m, coef, x[k:], ldx, quads)
	}
}
