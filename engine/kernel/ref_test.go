package kernel

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// eps32 is the float32 unit roundoff, 2⁻²⁴.
const eps32 = 1.0 / (1 << 24)

// gemmCase is one Gemm call: shapes, flags, scalars and strides. A stride
// of 0 means the minimal one.
type gemmCase struct {
	transA, transB bool
	m, n, k        int
	alpha, beta    float32
	lda, ldb, ldc  int
}

func (tc gemmCase) String() string {
	return fmt.Sprintf("tA=%v,tB=%v,M=%d,N=%d,K=%d,alpha=%v,beta=%v,lda=%d,ldb=%d,ldc=%d",
		tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, tc.beta, tc.lda, tc.ldb, tc.ldc)
}

// withStrides fills in minimal strides for zero ones.
func (tc gemmCase) withStrides() gemmCase {
	ac, bc := tc.k, tc.n
	if tc.transA {
		ac = tc.m
	}
	if tc.transB {
		bc = tc.k
	}
	if tc.lda == 0 {
		tc.lda = max(1, ac)
	}
	if tc.ldb == 0 {
		tc.ldb = max(1, bc)
	}
	if tc.ldc == 0 {
		tc.ldc = max(1, tc.n)
	}
	return tc
}

// operands are random A, B, C for a case, with the padding between rows
// (stride beyond the row length) set to a sentinel so that reads of padding
// show up as wrong results and writes to it are detected.
type operands struct {
	a, b, c []float32
	c0      []float32 // C before the call
}

const padding = float32(1e30)

func newOperands(tc gemmCase, rng *rand.Rand) operands {
	ar, ac := tc.m, tc.k
	if tc.transA {
		ar, ac = tc.k, tc.m
	}
	br, bc := tc.k, tc.n
	if tc.transB {
		br, bc = tc.n, tc.k
	}
	var o operands
	o.a = randMatrix(ar, ac, tc.lda, rng)
	o.b = randMatrix(br, bc, tc.ldb, rng)
	o.c = randMatrix(tc.m, tc.n, tc.ldc, rng)
	if tc.beta == 0 {
		// beta == 0 must not read C: NaN would poison the result.
		for i := 0; i < tc.m; i++ {
			for j := 0; j < tc.n; j++ {
				o.c[i*tc.ldc+j] = float32(math.NaN())
			}
		}
	}
	o.c0 = append([]float32(nil), o.c...)
	return o
}

// randMatrix returns r×c values in [-1, 1) with row stride ld, padding
// filled with the sentinel, and the slice cut to the minimal length.
func randMatrix(r, c, ld int, rng *rand.Rand) []float32 {
	if r == 0 || c == 0 {
		return nil
	}
	s := make([]float32, (r-1)*ld+c)
	for i := range s {
		s[i] = padding
	}
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			s[i*ld+j] = 2*rng.Float32() - 1
		}
	}
	return s
}

// refGemm computes alpha·op(A)·op(B) + beta·C in float64 and, per element,
// the error bound (K+4)·eps·(|alpha|·Σ_k|A(i,k)·B(k,j)| + |beta·C(i,j)|)
// that a float32 computation in any summation order must meet (the classic
// γ_K bound for inner products, with slack for the alpha/beta rounding).
// That bound is at most (K+4)·eps·(|alpha|·K·max|A|·max|B| + |beta|·max|C|).
func refGemm(tc gemmCase, o operands) (want, tol []float64) {
	want = make([]float64, tc.m*tc.n)
	tol = make([]float64, tc.m*tc.n)
	at := func(i, k int) float64 {
		if tc.transA {
			return float64(o.a[k*tc.lda+i])
		}
		return float64(o.a[i*tc.lda+k])
	}
	bt := func(k, j int) float64 {
		if tc.transB {
			return float64(o.b[j*tc.ldb+k])
		}
		return float64(o.b[k*tc.ldb+j])
	}
	for i := 0; i < tc.m; i++ {
		for j := 0; j < tc.n; j++ {
			var s, abs float64
			if tc.alpha != 0 {
				for k := 0; k < tc.k; k++ {
					p := at(i, k) * bt(k, j)
					s += p
					abs += math.Abs(p)
				}
			}
			v := float64(tc.alpha) * s
			e := math.Abs(float64(tc.alpha)) * abs
			if tc.beta != 0 {
				cv := float64(tc.beta) * float64(o.c0[i*tc.ldc+j])
				v += cv
				e += math.Abs(cv)
			}
			want[i*tc.n+j] = v
			tol[i*tc.n+j] = float64(tc.k+4)*eps32*e + 1e-30
		}
	}
	return want, tol
}

// checkGemmResult compares C with the reference and checks that the padding
// of C is untouched. It reports at most a few mismatches.
func checkGemmResult(t testing.TB, label string, tc gemmCase, o operands) {
	t.Helper()
	want, tol := refGemm(tc, o)
	bad := 0
	for i := 0; i < tc.m; i++ {
		for j := 0; j < tc.n; j++ {
			got := float64(o.c[i*tc.ldc+j])
			w := want[i*tc.n+j]
			if !(math.Abs(got-w) <= tol[i*tc.n+j]) {
				if bad < 3 {
					t.Errorf("%s %v: C[%d,%d] = %v, want %v ± %.3g", label, tc, i, j, got, w, tol[i*tc.n+j])
				}
				bad++
			}
		}
		for j := tc.n; j < tc.ldc && i*tc.ldc+j < len(o.c); j++ {
			if o.c[i*tc.ldc+j] != o.c0[i*tc.ldc+j] {
				t.Errorf("%s %v: padding C[%d,%d] changed to %v", label, tc, i, j, o.c[i*tc.ldc+j])
				return
			}
		}
	}
	if bad > 3 {
		t.Errorf("%s %v: %d mismatches in all", label, tc, bad)
	}
}

// runCase runs tc on p with fresh random operands and checks the result.
func runCase(t testing.TB, label string, p *Pool, tc gemmCase, rng *rand.Rand) {
	t.Helper()
	tc = tc.withStrides()
	o := newOperands(tc, rng)
	p.Gemm(tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, o.a, tc.lda, o.b, tc.ldb, tc.beta, o.c, tc.ldc)
	checkGemmResult(t, label, tc, o)
}

// usableImpls returns the compiled kernel sets, skipping (with a log line)
// those the CPU cannot run.
func usableImpls(t testing.TB) []*impl {
	var ims []*impl
	for _, im := range allImpls() {
		if !implUsable(im) {
			t.Logf("skipping %s kernels: not supported by this CPU", im.name)
			continue
		}
		ims = append(ims, im)
	}
	return ims
}

// mustPanic checks that f panics with a "kernel: " message.
func mustPanic(t *testing.T, name string, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		if r == nil {
			t.Errorf("%s: no panic", name)
			return
		}
		if s, ok := r.(string); !ok || !strings.HasPrefix(s, "kernel: ") {
			t.Errorf("%s: panic %v, want a \"kernel: ...\" message", name, r)
		}
	}()
	f()
}
