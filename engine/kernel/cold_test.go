package kernel

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkMatMulCold times the Conv1D products of GPT-2 small at M = 16
// and 128 with a weight that is in no cache, as in a pass over a
// checkpoint, which reads each matrix once: every iteration multiplies by
// the next of enough copies of the weight to fill 128 MiB, four times
// this machine's L3. BenchmarkMatMul reuses one weight, which stays in L3.
func BenchmarkMatMulCold(b *testing.B) {
	rng := rand.New(rand.NewPCG(7, 7))
	for _, s := range gpt2Shapes() {
		if s.m != 16 && s.m != 128 {
			continue
		}
		b.Run(s.String(), func(b *testing.B) {
			ws := make([][]float32, max(2, (128<<20)/(4*s.k*s.n)))
			for i := range ws {
				ws[i] = randSlice(s.k*s.n, rng)
			}
			in := randSlice(s.m*s.k, rng)
			out := make([]float32, s.m*s.n)
			p := NewPool(0)
			defer p.Close()
			i := 0
			for b.Loop() {
				i = (i + 1) % len(ws)
				p.MatMul(out, in, ws[i], nil, s.m, s.k, s.n)
			}
			reportRates(b, s, 0)
			b.ReportMetric(4*float64(s.k)*float64(s.n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
		})
	}
}
