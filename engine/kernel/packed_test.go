package kernel

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
	"unsafe"
)

// runPackedCase packs tc's B with PackInto into a buffer of NaNs (so a
// float it fails to write shows in C), runs GemmPacked, and checks C
// against the float64 reference as runCase does.
func runPackedCase(t testing.TB, label string, p *Pool, tc gemmCase, rng *rand.Rand) {
	t.Helper()
	tc = tc.withStrides()
	o := newOperands(tc, rng)
	buf := make([]float32, p.packedLen(tc.k, tc.n))
	for i := range buf {
		buf[i] = float32(math.NaN())
	}
	pk := p.packInto(buf, tc.transB, tc.k, tc.n, o.b, tc.ldb)
	if pk.K() != tc.k || pk.N() != tc.n {
		t.Fatalf("%s %v: packed shape %d×%d", label, tc, pk.K(), pk.N())
	}
	p.GemmPacked(tc.transA, tc.m, tc.alpha, o.a, tc.lda, pk, tc.beta, o.c, tc.ldc)
	checkGemmResult(t, label+"/packed", tc, o)
}

// TestGemmPacked runs products with a pre-packed B over the odd shapes of
// TestGemmShapes (both transpositions of B, so both packing kernels), the
// scalars and padded strides, and the large shapes that cross the K and
// column blocks, with the small M of decoding, on every kernel set and on
// one and two workers.
func TestGemmPacked(t *testing.T) {
	large := []gemmCase{
		{m: 1, n: 2304, k: 768, alpha: 1, beta: 1},
		{m: 1, n: 2305, k: 769, alpha: 1, beta: 0},
		{m: 3, n: 3000, k: 300, alpha: 1, beta: 1},
		{transB: true, m: 1, n: 5001, k: 770, alpha: 1, beta: 0},
		{transB: true, m: 9, n: 1000, k: 800, alpha: 1, beta: 0},
		{m: 16, n: 1500, k: 777, alpha: 0.5, beta: 1},
		{m: 129, n: 769, k: 400, alpha: 1, beta: 0},
		{transA: true, m: 70, n: 700, k: 450, alpha: 2, beta: 0.5},
		{m: 33, n: 769, k: 1, alpha: 1, beta: 1},
		{m: 769, n: 7, k: 33, alpha: 1, beta: 0},
	}
	ks := []int{1, 17, 65}
	if testing.Short() { // the race detector's run: fewer K, every shape
		ks = []int{1, 17}
	}
	for _, im := range usableImpls(t) {
		for _, workers := range []int{1, 2} {
			p := newPoolImpl(workers, im)
			t.Run(fmt.Sprintf("%s/w=%d", im.name, workers), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(7, uint64(workers)))
				for _, tA := range []bool{false, true} {
					for _, tB := range []bool{false, true} {
						for _, m := range testSizes {
							for _, n := range testSizes {
								for _, k := range ks {
									runPackedCase(t, im.name, p, gemmCase{transA: tA, transB: tB, m: m, n: n, k: k, alpha: 1}, rng)
								}
							}
						}
						for _, alpha := range []float32{0, -0.75} {
							for _, beta := range []float32{0, 1, -0.75} {
								tc := gemmCase{transA: tA, transB: tB, m: 9, n: 50, k: 20, alpha: alpha, beta: beta}.withStrides()
								tc.lda += 3
								tc.ldb += 5
								tc.ldc += 2
								runPackedCase(t, im.name, p, tc, rng)
							}
						}
					}
				}
				for _, tc := range large {
					runPackedCase(t, im.name, p, tc, rng)
				}
			})
			p.Close()
		}
	}
}

// TestPackMapped checks that a matrix packed into mapped memory computes
// what one packed on the heap does, that Free releases it (later products
// panic), and that an unreachable one is released without Free.
func TestPackMapped(t *testing.T) {
	p := NewPool(2)
	defer p.Close()
	rng := rand.New(rand.NewPCG(3, 4))
	tc := gemmCase{m: 5, n: 1000, k: 300, alpha: 1, beta: 0}.withStrides()
	o := newOperands(tc, rng)
	pk, err := p.PackMapped(tc.transB, tc.k, tc.n, o.b, tc.ldb)
	if err != nil {
		t.Fatal(err)
	}
	p.GemmPacked(false, tc.m, 1, o.a, tc.lda, pk, 0, o.c, tc.ldc)
	checkGemmResult(t, "mapped", tc, o)
	pk.Free()
	pk.Free() // a second Free does nothing
	mustPanic(t, "use after Free", func() { p.GemmPacked(false, tc.m, 1, o.a, tc.lda, pk, 0, o.c, tc.ldc) })

	if _, err := p.PackMapped(false, 0, 5, nil, 5); err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "linux" {
		return // the check below reads /proc/self/maps
	}
	addr := func() uintptr {
		pk, err := p.PackMapped(tc.transB, tc.k, tc.n, o.b, tc.ldb)
		if err != nil {
			t.Fatal(err)
		}
		return uintptr(unsafe.Pointer(&pk.data[0]))
	}()
	if !isMapped(t, addr) {
		t.Fatal("/proc/self/maps does not show the mapped matrix")
	}
	for i := 0; i < 50 && isMapped(t, addr); i++ {
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	if isMapped(t, addr) {
		t.Error("an unreachable mapped matrix was not released")
	}
}

// isMapped reports whether /proc/self/maps lists a mapping holding addr.
func isMapped(t *testing.T, addr uintptr) bool {
	raw, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		lo, hi, ok := strings.Cut(strings.Fields(line + " x")[0], "-")
		if !ok {
			continue
		}
		l, err1 := strconv.ParseUint(lo, 16, 64)
		h, err2 := strconv.ParseUint(hi, 16, 64)
		if err1 == nil && err2 == nil && uint64(addr) >= l && uint64(addr) < h {
			return true
		}
	}
	return false
}

// TestGemmPackedPanics checks the panics of Pack and GemmPacked: short or
// badly strided operands, and a matrix packed for other kernels.
func TestGemmPackedPanics(t *testing.T) {
	p := NewPool(2)
	defer p.Close()
	buf := make([]float32, 100)
	mustPanic(t, "Pack short b", func() { p.Pack(false, 10, 11, buf, 11) })
	mustPanic(t, "Pack short b transB", func() { p.Pack(true, 10, 11, buf, 10) })
	mustPanic(t, "Pack small ldb", func() { p.Pack(false, 2, 5, buf, 4) })
	mustPanic(t, "Pack negative", func() { p.Pack(false, -1, 5, buf, 5) })
	mustPanic(t, "PackMapped short b", func() { p.PackMapped(false, 10, 11, buf, 11) })
	mustPanic(t, "packInto wrong length", func() { p.packInto(make([]float32, p.packedLen(5, 4)+1), false, 5, 4, buf, 4) })
	pk := p.Pack(false, 5, 4, buf, 4)
	mustPanic(t, "short a", func() { p.GemmPacked(false, 3, 1, buf[:14], 5, pk, 0, buf, 4) })
	mustPanic(t, "short c", func() { p.GemmPacked(false, 3, 1, buf, 5, pk, 0, buf[:11], 4) })
	mustPanic(t, "small ldc", func() { p.GemmPacked(false, 3, 1, buf, 5, pk, 0, buf, 3) })
	mustPanic(t, "MatMulPacked short bias", func() { p.MatMulPacked(buf, buf, pk, buf[:3], 2) })
	for _, im := range usableImpls(t) {
		if im == p.im {
			continue
		}
		q := newPoolImpl(1, im)
		mustPanic(t, "other kernels", func() { q.GemmPacked(false, 3, 1, buf, 5, pk, 0, buf, 4) })
		q.Close()
	}
	// Empty shapes are valid.
	p.GemmPacked(false, 0, 1, nil, 5, pk, 0, nil, 4)
	e := p.Pack(true, 0, 7, nil, 1)
	c := []float32{1, 2, 3, 4, 5, 6, 7}
	p.GemmPacked(false, 1, 1, nil, 1, e, 0, c, 7)
	for i, v := range c {
		if v != 0 {
			t.Fatalf("K = 0, beta = 0: c[%d] = %v, want 0", i, v)
		}
	}
}
