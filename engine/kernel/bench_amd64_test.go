//go:build amd64 && !purego

package kernel

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// BenchmarkPeakFMA measures the FMA throughput of the moment on all
// workers, registers only: the ceiling the GFLOP/s of BenchmarkMatMul are
// compared with. The machine is shared, so run it in the same session.
func BenchmarkPeakFMA(b *testing.B) {
	peaks := []struct {
		im    *impl
		flops float64 // per loop iteration
		loop  func(int)
	}{
		{avx512Impl, 12 * 16 * 2, fmaPeakAVX512},
		{avx2Impl, 12 * 8 * 2, fmaPeakAVX2},
	}
	for _, pk := range peaks {
		b.Run("impl="+pk.im.name, func(b *testing.B) {
			if !implUsable(pk.im) {
				b.Skip("not supported by this CPU")
			}
			p := NewPool(0)
			defer p.Close()
			const iters = 1 << 16
			task := func(int) { pk.loop(iters) }
			start := time.Now()
			for b.Loop() {
				p.Parallel(p.Workers(), task)
			}
			sec := time.Since(start).Seconds()
			b.ReportMetric(pk.flops*iters*float64(p.Workers())*float64(b.N)/sec/1e9, "GFLOP/s")
		})
	}
}

// peakNow measures the FMA peak of this moment on all of p's workers, with
// the widest FMA this CPU has, over about 20 ms in tasks of about 1 ms (so
// waking the workers costs nothing in comparison). Benchmarks divide by it,
// taken right before and after their timed loop, so their %peak is
// measured under the same load from other tenants.
func peakNow(p *Pool) float64 {
	loop, flops := fmaPeakAVX2, 12*8*2.0
	if implUsable(avx512Impl) {
		loop, flops = fmaPeakAVX512, 12*16*2.0
	}
	const iters = 1 << 17
	n := p.Workers()
	task := func(int) { loop(iters) }
	p.Parallel(n, task) // wake the workers
	reps := 0
	start := time.Now()
	for time.Since(start) < 20*time.Millisecond {
		p.Parallel(n, task)
		reps++
	}
	return flops * iters * float64(n*reps) / time.Since(start).Seconds() / 1e9
}

// BenchmarkBlocking times the AVX-512 kernels' Conv1D products at GPT-2
// small's shapes (M = 128 and 512, B packed on the fly as for a mapped
// checkpoint) with other cache blockings than avx512Impl's, to re-tune kc
// and nc on a new CPU: run it with -count 5 and compare the %peak of each
// kc/nc with benchstat.
func BenchmarkBlocking(b *testing.B) {
	if !implUsable(avx512Impl) {
		b.Skip("no AVX-512")
	}
	rng := rand.New(rand.NewPCG(7, 8))
	for _, m := range []int{128, 512} {
		for _, kn := range [][2]int{{768, 2304}, {768, 768}, {768, 3072}, {3072, 768}} {
			s := benchShape{m, kn[0], kn[1]}
			in, w, out := randSlice(s.m*s.k, rng), randSlice(s.k*s.n, rng), make([]float32, s.m*s.n)
			for _, kc := range []int{256, 384, 512} {
				for _, nc := range []int{240, 336, 480, 672, 960} {
					b.Run(fmt.Sprintf("%v/kc=%d/nc=%d", s, kc, nc), func(b *testing.B) {
						im := *avx512Impl
						im.kc, im.nc = kc, nc
						p := newPoolImpl(0, &im)
						defer p.Close()
						before := peakNow(p)
						p.MatMul(out, in, w, nil, s.m, s.k, s.n)
						b.ResetTimer()
						for b.Loop() {
							p.MatMul(out, in, w, nil, s.m, s.k, s.n)
						}
						b.StopTimer()
						reportRates(b, s, (before+peakNow(p))/2)
					})
				}
			}
		}
	}
}
