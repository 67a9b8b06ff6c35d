package kernel

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
)

// benchShape is one matrix product of GPT-2 small: out[M,N] = in[M,K]·w.
type benchShape struct{ m, k, n int }

func (s benchShape) String() string { return fmt.Sprintf("M=%d,K=%d,N=%d", s.m, s.k, s.n) }

// gpt2Shapes are the four Conv1D layers of a GPT-2 small block (qkv, attn
// proj, fc, fc proj) at T = 1 (decode), 16, 128 and 512.
func gpt2Shapes() []benchShape {
	var ss []benchShape
	for _, m := range []int{1, 16, 128, 512} {
		for _, kn := range [][2]int{{768, 2304}, {768, 768}, {768, 3072}, {3072, 768}} {
			ss = append(ss, benchShape{m, kn[0], kn[1]})
		}
	}
	return ss
}

// unembedShapes are the tied unembedding logits = x·wteᵀ.
func unembedShapes() []benchShape {
	return []benchShape{{1, 768, 50257}, {16, 768, 50257}, {128, 768, 50257}}
}

func randSlice(n int, rng *rand.Rand) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = 2*rng.Float32() - 1
	}
	return s
}

// benchImpls are the kernel sets to time on this CPU, each also with the
// weights packed ahead of time ("-packed", as the engine runs them), plus
// gonum's blas32.
func benchImpls(b *testing.B) []string {
	var names []string
	for _, im := range allImpls() {
		if implUsable(im) {
			names = append(names, im.name, im.name+"-packed")
		}
	}
	return append(names, "gonum")
}

func implByName(name string) *impl {
	for _, im := range allImpls() {
		if im.name == name {
			return im
		}
	}
	return nil
}

// reportRates reports GFLOP/s, the percentage of the FMA peak measured
// around the timed loop (when known) and, for M = 1, the rate at which the
// weights were streamed in GB/s.
func reportRates(b *testing.B, s benchShape, peak float64) {
	sec := b.Elapsed().Seconds()
	gflops := 2 * float64(s.m) * float64(s.k) * float64(s.n) * float64(b.N) / sec / 1e9
	b.ReportMetric(gflops, "GFLOP/s")
	if peak > 0 {
		b.ReportMetric(100*gflops/peak, "%peak")
	}
	if s.m == 1 {
		b.ReportMetric(4*float64(s.k)*float64(s.n)*float64(b.N)/sec/1e9, "GB/s")
	}
}

// benchMatMul times out = in·w (transW false) or in·wᵀ for each shape and
// kernel set, on a Pool with GOMAXPROCS workers, and the same product
// through gonum's blas32.Gemm (which splits large products across its own
// goroutines). The weights stay in the 300 MiB L3 between iterations unless
// they are larger (the 154 MB unembedding) or evicted by other tenants.
func benchMatMul(b *testing.B, shapes []benchShape, transW bool) {
	rng := rand.New(rand.NewPCG(7, 7))
	for _, s := range shapes {
		// Operands are made on first use, so that filtered-out shapes
		// cost nothing.
		var in, w, out []float32
		for _, name := range benchImpls(b) {
			b.Run(fmt.Sprintf("%v/impl=%s", s, name), func(b *testing.B) {
				if in == nil {
					in = randSlice(s.m*s.k, rng)
					w = randSlice(s.k*s.n, rng)
					out = make([]float32, s.m*s.n)
				}
				kernels, packed := strings.CutSuffix(name, "-packed")
				if kernels == "purego" && s.m*s.k*s.n > 128*768*3072 {
					b.Skip("pure Go is too slow for this shape to time usefully")
				}
				peakPool := NewPool(0)
				defer peakPool.Close()
				before := peakNow(peakPool)
				if name == "gonum" {
					benchGonum(b, s, transW, in, w, out)
				} else {
					p := newPoolImpl(0, implByName(kernels))
					defer p.Close()
					f := p.MatMul
					if transW {
						f = p.MatMulT
					}
					if packed {
						ldw := s.n
						if transW {
							ldw = s.k
						}
						pw := p.Pack(transW, s.k, s.n, w, ldw)
						f = func(out, in, _, bias []float32, M, _, _ int) { p.MatMulPacked(out, in, pw, bias, M) }
					}
					f(out, in, w, nil, s.m, s.k, s.n)
					b.ResetTimer()
					for b.Loop() {
						f(out, in, w, nil, s.m, s.k, s.n)
					}
				}
				b.StopTimer()
				reportRates(b, s, (before+peakNow(peakPool))/2)
			})
		}
	}
}

func benchGonum(b *testing.B, s benchShape, transW bool, in, w, out []float32) {
	A := blas32.General{Rows: s.m, Cols: s.k, Stride: s.k, Data: in}
	B := blas32.General{Rows: s.k, Cols: s.n, Stride: s.n, Data: w}
	tB := blas.NoTrans
	if transW {
		B = blas32.General{Rows: s.n, Cols: s.k, Stride: s.k, Data: w}
		tB = blas.Trans
	}
	C := blas32.General{Rows: s.m, Cols: s.n, Stride: s.n, Data: out}
	for b.Loop() {
		blas32.Gemm(blas.NoTrans, tB, 1, A, B, 0, C)
	}
}

// BenchmarkMatMul times the Conv1D products of GPT-2 small. M = 1 is the
// decode path and also reports the weight streaming rate in GB/s.
func BenchmarkMatMul(b *testing.B) { benchMatMul(b, gpt2Shapes(), false) }

// BenchmarkMatMulT times the tied unembedding x·wteᵀ with V = 50257.
func BenchmarkMatMulT(b *testing.B) { benchMatMul(b, unembedShapes(), true) }

// BenchmarkStreamRead measures the read bandwidth the decode path is
// bound by: all workers sum disjoint 1 MiB chunks of a buffer, once per
// iteration. At 512 MiB (larger than any cache) it is the DRAM bandwidth
// that the M = 1 rows of BenchmarkMatMul and the engine's
// BenchmarkDecodeStep are compared with; at 32 MiB the buffer may stay in
// the last-level cache.
func BenchmarkStreamRead(b *testing.B) {
	for _, mib := range []int{32, 128, 512} {
		b.Run(fmt.Sprintf("MiB=%d", mib), func(b *testing.B) {
			n := mib << 18 // floats
			const chunk = 1 << 18
			x := make([]float32, n)
			for i := range x {
				x[i] = 1
			}
			p := NewPool(0)
			defer p.Close()
			sums := make([]float32, n/chunk)
			task := func(i int) { sums[i] = Dot(x[i*chunk:(i+1)*chunk], x[i*chunk:(i+1)*chunk]) }
			for b.Loop() {
				p.Parallel(n/chunk, task)
			}
			b.ReportMetric(4*float64(n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
		})
	}
}
