//go:build amd64 && !purego

package kernel

import (
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
